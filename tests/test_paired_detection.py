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
        names = {pd.workload_of(m.benchmark) for m in job.rounds[0].head[0].measurements}
        assert set(job.effects) == names
    size = sum(p.stat().st_size for p in pd.CORPUS.rglob("*") if p.is_file())
    assert size < 5_000_000


def test_labels_are_what_the_rounds_measure() -> None:
    """The slowdowns are exact by construction; the paired medians must show them."""
    measured = pd.calibration(list(pd.select("drift")))
    for effect, change in measured.items():
        assert abs(change - effect) < 0.04, (effect, change)


def test_paired_verdicts_under_drift_hold_their_measured_rates(drift) -> None:
    tally, _, _ = drift
    assert tally.total[0.0] >= 100 and tally.total[0.25] >= 40 and tally.improvements >= 30
    assert tally.false_alarms <= 0.02  # measured 0.0 % of 115
    assert tally.improvement_regressed == 0.0  # measured 0 of 30
    assert tally.rate(0.25) >= 0.30  # measured 37.8 %: far from the 99 % target
    assert tally.rate(0.10) >= 0.05  # measured 11.1 %: far from the 95 % target


def test_pairing_removes_the_false_alarms_of_one_run_a_side_on_the_same_jobs(
    drift, drift_single
) -> None:
    tally, _, _ = drift
    assert drift_single.false_alarms >= 0.15  # measured 25.2 %
    assert tally.false_alarms < drift_single.false_alarms - 0.15


def test_the_paired_estimate_is_right_where_the_interval_is_too_wide_to_decide() -> None:
    """The median per-round change finds most +10 % changes on the same rounds, which is
    what says the sign test's corrected interval, not the pairing, loses them."""
    chosen = list(pd.select("drift"))
    estimate = pd.tally_fixed(chosen, pd.by_estimate(0.05))
    assert estimate.rate(0.10) >= 0.80  # measured 86.7 %
    assert estimate.improvement_regressed == 0.0


def test_bench_runs_own_verdicts_match_the_offline_recomputation() -> None:
    agree, total = pd.bench_run_agreement(list(pd.jobs()))
    if total == 0:
        pytest.skip("no job in the corpus was recorded through perfbot bench run")
    assert agree == total
