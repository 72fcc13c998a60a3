"""Objectives and owners: what a change puts at stake, from the file at the PR's head."""

from dataclasses import replace
from pathlib import Path

from gitchange import run_rule

from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree
from bot.core.results import Outcome
from bot.core.rules import objectives
from bot.core.rules.scope import Scope

FILE = "docs/performance/objectives.yml"
OBJECTIVES = """\
journeys:
  - name: checkout
    sli: Server-side latency of POST /checkout
    targets: [p95 latency <= 250ms, throughput >= 1200 rps]
    paths: ["services/checkout/**"]
    owners: ["@octo-org/payments", alice]
  - name: search
    targets: [p99 latency <= 1s]
    paths: ["services/search/**"]
    owners: [bob]
"""
ON = replace(objectives.Settings(), enabled=True)


def run(tmp_path: Path, head: dict, base: dict | None = None, **settings: object):
    configured = replace(ON, **settings)
    return run_rule(tmp_path, objectives, configured, base or {FILE: OBJECTIVES}, head)


def test_a_change_on_a_journey_lists_its_objectives_and_owners(tmp_path: Path) -> None:
    result = run(tmp_path, {"services/checkout/cart.py": "total = 1\n"})
    assert result.outcome is Outcome.PASSED
    assert "**checkout** (owners @octo-org/payments, alice)" in result.reason
    assert "search" not in result.reason
    assert "`p95 latency <= 250 ms`<br>`throughput >= 1200 ops/s`" in result.details
    assert "`services/checkout/cart.py`" in result.details
    assert result.findings == ()


def test_a_change_on_no_journey_is_skipped(tmp_path: Path) -> None:
    result = run(tmp_path, {"docs/readme.md": "x\n"})
    assert result.outcome is Outcome.SKIPPED
    assert "none of the 2 journeys" in result.reason


def test_the_file_as_changed_by_the_pr_is_what_counts(tmp_path: Path) -> None:
    moved = OBJECTIVES.replace("services/search/**", "services/find/**")
    result = run(tmp_path, {FILE: moved, "services/find/index.py": "x\n"})
    assert result.outcome is Outcome.PASSED
    assert "**search**" in result.reason


def test_a_malformed_file_fails_with_each_problem_at_its_line(tmp_path: Path) -> None:
    broken = OBJECTIVES.replace("p99 latency <= 1s", "p99 latency <= 1 fortnight").replace(
        "owners: [bob]", "owner: [bob]")
    result = run(tmp_path, {FILE: broken})
    assert result.outcome is Outcome.FAILED
    lines = {(f.path, f.start_line): f.message for f in result.findings}
    assert "unknown unit 'fortnight'" in lines[(FILE, 8)]
    assert "unknown key" in lines[(FILE, 10)]
    assert "needs `owners:`" in lines[(FILE, 7)]
    assert "annotated lines" in result.fix


def test_a_yaml_error_is_annotated_where_it_is(tmp_path: Path) -> None:
    result = run(tmp_path, {FILE: "journeys:\n  - name: x\n   targets: [\n"})
    [finding] = result.findings
    assert finding.start_line == 3 and "YAML" in finding.message


def test_a_required_file_that_is_missing_fails_and_says_what_to_write(tmp_path: Path) -> None:
    result = run(tmp_path, {"services/a.py": "x\n"}, base={"README.md": "x\n"}, required=True)
    assert result.outcome is Outcome.FAILED
    assert FILE in result.reason
    assert "`owners`" in result.fix and "p95 latency <= 250ms" in result.fix


def test_a_missing_file_is_fine_unless_required(tmp_path: Path) -> None:
    result = run(tmp_path, {"services/a.py": "x\n"}, base={"README.md": "x\n"})
    assert result.outcome is Outcome.SKIPPED
    assert "required: true" in result.reason


def test_the_file_path_is_configurable(tmp_path: Path) -> None:
    result = run(tmp_path, {"services/search/q.py": "x\n"},
                 base={"perf/slo.yaml": OBJECTIVES}, file="perf/slo.yaml")
    assert result.outcome is Outcome.PASSED and "**search**" in result.reason


def test_off_by_default_and_out_of_scope_reads_nothing() -> None:
    pr = PullRequest(head_sha="h", base_ref="main")
    assert objectives.Settings().enabled is False
    assert objectives.evaluate(pr, objectives.Settings()).outcome is Outcome.SKIPPED
    assert objectives.wants(pr, objectives.Settings()).head == frozenset()
    narrow = replace(ON, when=Scope(paths=("services/**",)))
    assert objectives.wants(pr, narrow).head == frozenset()


def test_an_unreadable_file_fails_on_the_file() -> None:
    pr = PullRequest(head_sha="h", base_ref="main",
                     files=(ChangedFile("src/a.py", FileStatus.MODIFIED),),
                     head=Tree(unreadable={FILE: "not UTF-8 text"}))
    result = objectives.evaluate(pr, ON)
    assert result.outcome is Outcome.FAILED
    assert "not UTF-8 text" in result.reason
    assert result.findings[0].path == FILE


def test_a_pr_changing_the_file_has_it_checked_whatever_the_scope(tmp_path: Path) -> None:
    narrow = Scope(paths=("services/**",))
    result = run(tmp_path, {FILE: "journeys: 3\n"}, when=narrow)
    assert result.outcome is Outcome.FAILED
    assert result.findings[0].start_line == 1


def test_a_multi_line_sli_keeps_the_journey_table_one_row(tmp_path: Path) -> None:
    wrapped = OBJECTIVES.replace(
        "    sli: Server-side latency of POST /checkout\n",
        "    sli: |\n      Server-side latency of POST /checkout,\n      at the load balancer\n")
    result = run(tmp_path, {"services/checkout/cart.py": "total = 1\n"}, {FILE: wrapped})
    [_header, _rule, row] = result.details.split("\n")
    assert "| checkout | Server-side latency of POST /checkout, at the load balancer |" in row


def test_a_scope_that_excludes_the_base_branch_says_so() -> None:
    pr = PullRequest(head_sha="h", base_ref="main",
                     files=(ChangedFile("services/checkout/a.py", FileStatus.MODIFIED),))
    scoped = replace(ON, when=Scope(paths=("**",), base_branches=("release/*",)))
    result = objectives.evaluate(pr, scoped)
    assert result.outcome is Outcome.SKIPPED
    assert "targets `main`, which is not one of `release/*`" in result.reason
