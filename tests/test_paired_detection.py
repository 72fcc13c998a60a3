"""Paired detection quality on the committed corpus of paired jobs: rates with margins, no timing.

The figures in README "Detection quality" (the paired rows) come from
``benchmarks/paired_detection.py``, which recomputes ``perfbot bench run``'s verdicts
offline from the stored per-round values through ``bot.core.bench.paired``; these tests
hold the paired statistics to them, so a change to the statistics cannot quietly make
them worse (or better without the README saying so). Nothing is run or timed here.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import paired_detection as pd  # noqa: E402

TOOLS = {"pytest-benchmark", "pyperf", "go", "hyperfine", "google-benchmark"}


@pytest.fixture(scope="module")
def drift() -> tuple[pd.Tally, list[int], list[float]]:
    return pd.tally_paired(list(pd.select("drift")))


@pytest.fixture(scope="module")
def drift_single() -> pd.Tally:
    rule = pd.SINGLE["bench compare default (min, 10 %), first base vs first head run"]
    return pd.tally_single(rule, list(pd.select("drift")))


def test_corpus_is_real_labelled_paired_and_small() -> None:
    jobs = pd.jobs()
    assert {j.tool for j in pd.select("drift")} == TOOLS
    for job in jobs:
        # Every round is one base run and one head run of the job's two commits (load_job
        # checks), both orders occur, and the single-run files are the tools' own output.
        assert len(job.rounds) >= pd.paired.FIRST_LOOK
        assert {r.order for r in job.rounds} == set(pd.paired.Order)
        assert job.first_base.is_file() and job.first_head.is_file()
        assert set(job.effects) == {pd.workload_of(m.benchmark) for m in job.rounds[0].head[0].measurements}
    size = sum(p.stat().st_size for p in pd.CORPUS.rglob("*") if p.is_file())
    assert size < 5_000_000


def test_labels_are_what_the_rounds_measure() -> None:
    """The slowdowns are exact by construction; the paired medians must show them."""
    measured = pd.calibration(list(pd.select("drift")))
    for effect, change in measured.items():
        assert abs(change - effect) < 0.04, (effect, change)
