"""The wait for CI's benchmark results, decided without GitHub: one case per state."""

from __future__ import annotations

import pytest

from bot.core import evidence
from bot.core.evidence import Download, Listing, Run
from bot.core.facts import EvidenceState
from bot.core.rules.benchmarks import Artifacts, Baseline

SETTINGS = Artifacts(workflows=("bench.yml", "nightly.yml"), timeout_minutes=30)
HEAD = "h" * 40
STARTED = "2026-12-01T10:00:00Z"
START = 1_796_119_200.0  # STARTED as epoch seconds
UNTIL = START + 30 * 60


def run(id: int = 1, conclusion: str = "success", status: str = "completed",
        sha: str = HEAD, origin: str = "") -> Run:
    return Run(id, sha, status, conclusion, number=id, path=".github/workflows/bench.yml",
               url=f"https://github.com/o/r/actions/runs/{id}", origin=origin)


def decide(*listings: Listing, download: Download | None = None, stale: str = "",
           now: float = START + 60) -> evidence.Found:
    return evidence.state(SETTINGS, head_sha=HEAD, base_ref="main", listings=listings,
                          download=download, stale_sha=stale, now=now, until=UNTIL)


def test_the_deadline_is_the_timeout_after_the_check_run_started():
    assert evidence.deadline(SETTINGS, STARTED, now=0.0) == UNTIL
    assert evidence.deadline(SETTINGS, "", now=START) == UNTIL  # no start known: from now


def test_a_successful_run_with_its_artifact_is_ready():
    ok = run()
    found = decide(Listing("bench.yml", (ok,)), download=Download(ok, {"r.json": b"{}"}))
    assert found.evidence.state is EvidenceState.READY and not found.waiting
    assert found.evidence.head == {"r.json": b"{}"} and found.evidence.run_url == ok.url
    assert found.deadline is None


def test_an_artifact_perfbot_will_not_use_refuses_with_the_reason():
    ok = run()
    found = decide(Listing("bench.yml", (ok,)), download=Download(ok, problem="it expired"))
    assert found.evidence.state is EvidenceState.REFUSED
    assert found.evidence.problem == "it expired"


def test_a_failed_run_refuses_unless_another_run_for_the_commit_is_still_going():
    failed = run(3, conclusion="failure")
    found = decide(Listing("bench.yml", (failed,)))
    assert found.evidence.state is EvidenceState.REFUSED
    assert "run #3 of `bench.yml` on the head concluded `failure`" in found.evidence.problem
    assert found.evidence.run_url == failed.url
    going = Listing("bench.yml", (failed, run(4, status="in_progress", conclusion="")))
    assert not evidence.decisive(going)
    assert decide(going).evidence.state is EvidenceState.WAITING


@pytest.mark.parametrize(("status", "words"), [(404, "knows no workflow"),
                                               (403, "`actions: read`")])
def test_a_workflow_github_will_not_list_refuses_and_says_why(status: int, words: str):
    found = decide(Listing("bench.yml", refused=status, detail="Not Found"))
    assert found.evidence.state is EvidenceState.REFUSED and words in found.evidence.problem


def test_without_a_finished_run_it_waits_until_the_deadline_then_times_out():
    pending = Listing("bench.yml", (run(status="queued", conclusion=""),))
    waiting = decide(pending, Listing("nightly.yml"))
    assert waiting.evidence.state is EvidenceState.WAITING and waiting.deadline == UNTIL
    assert waiting.waiting and "Waiting for benchmark results" in waiting.title
    assert waiting.evidence.deadline == "2026-12-01 10:30 UTC"
    late = decide(pending, now=UNTIL)
    assert late.evidence.state is EvidenceState.TIMEOUT and not late.waiting


def test_results_only_for_an_older_commit_are_stale_and_still_awaited():
    found = decide(Listing("bench.yml"), stale="o" * 40)
    assert found.evidence.state is EvidenceState.STALE and found.waiting
    assert found.evidence.head_sha == "o" * 40 and "stale" in found.title


def test_the_first_decisive_workflow_decides():
    ok = run(7)
    found = decide(Listing("bench.yml"), Listing("nightly.yml", (ok,)),
                   download=Download(ok, {}))
    assert found.evidence.state is EvidenceState.READY
    assert evidence.ready_workflow([Listing("bench.yml"), Listing("nightly.yml", (ok,))]) \
        == "nightly.yml"


def test_stale_results_skip_a_forks_branch_of_the_same_name():
    runs = [run(2, sha="f" * 40, origin="fork/r"), run(1, sha="o" * 40, origin="o/r")]
    assert evidence.stale_commit(runs, HEAD, "o/r") == "o" * 40
    assert evidence.stale_commit([run(1)], HEAD, "o/r") == ""


def test_the_baseline_is_the_base_repositorys_run_at_the_merge_base_or_the_newest():
    mine, fork = run(2, sha="m" * 40, origin="o/r"), run(3, sha="m" * 40, origin="fork/r")
    candidates = evidence.baseline_candidates([fork, mine], "O/R")
    assert candidates == (mine,)
    assert evidence.baseline_run(candidates, "m" * 40, Baseline.MERGE_BASE) == mine
    assert evidence.baseline_run(candidates, "x" * 40, Baseline.MERGE_BASE) is None
    assert evidence.to_check(candidates, Baseline.MERGE_BASE) == (mine,)
    assert evidence.baseline_run(candidates, "x" * 40, Baseline.LATEST) == mine
    assert evidence.to_check(candidates, Baseline.LATEST) == ()
    assert evidence.before_merge_base("ahead") and not evidence.before_merge_base("behind")


def test_ready_evidence_says_why_it_has_no_baseline():
    ready = decide(Listing("bench.yml", (run(),)), download=Download(run(), {})).evidence
    none = Artifacts(workflows=("bench.yml",), baseline=Baseline.NONE)
    assert "`baseline: none`" in evidence.with_baseline(ready, none, "bench.yml").problem
    missing = evidence.with_baseline(ready, SETTINGS, "bench.yml", merge_base="abcdef123")
    assert "`bench.yml` on `main` at or before the merge base `abcdef1`" in missing.problem
    base = run(9, sha="b" * 40)
    broken = evidence.with_baseline(ready, SETTINGS, "bench.yml", run=base, problem="expired")
    assert broken.problem == "the baseline artifact cannot be used: expired."
    found = evidence.with_baseline(ready, SETTINGS, "bench.yml", run=base, files={"a": b"1"})
    assert found.base == {"a": b"1"} and found.base_sha == "b" * 40 and not found.problem
