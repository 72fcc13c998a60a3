"""Detection quality on the committed corpus of real runs: rates, with margins, no timing.

The figures in README "Detection quality" come from ``benchmarks/detection.py``; these
tests hold the default to them so a change to the rule cannot quietly make it worse.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import detection  # noqa: E402


@pytest.fixture(scope="module")
def single() -> dict[str, detection.Tally]:
    rules = {**detection.REFERENCES, **detection.ALTERNATIVES}
    return {name: detection.measure(rule, detection.single_pairs()) for name, rule in rules.items()}


def test_corpus_is_real_labelled_and_small() -> None:
    corpus = detection.labels()
    files = {p for pair in corpus["pairs"] for p in (pair["base"], pair["head"])}
    assert len(corpus["pairs"]) >= 500
    assert all((detection.CORPUS / f).is_file() for f in files)
    assert {r["tool"] for r in corpus["runs"]} == {"pytest-benchmark", "pyperf", "go"}
    size = sum(p.stat().st_size for p in detection.CORPUS.rglob("*") if p.is_file())
    assert size < 3_000_000


def test_default_beats_both_references_on_false_alarms_at_no_loss_of_25_percent(single) -> None:
    default = single["perfbot default"]
    for reference in ("5 % threshold on medians", "Mann-Whitney U, alpha 0.05"):
        assert default.false_alarms < single[reference].false_alarms - 0.05
        assert default.rate(0.25) >= single[reference].rate(0.25)


def test_default_rates_hold_their_measured_values(single) -> None:
    default = single["perfbot default"]
    assert default.false_alarms <= 0.18  # measured 15.6 %
    assert default.rate(0.25) >= 0.84  # measured 86.6 %
    assert default.rate(0.10) >= 0.42  # measured 47.3 %
    assert default.improvement_regressed <= 0.10  # measured 7.9 %: the honest gap


def test_short_quiet_runs_never_call_an_improvement_a_regression() -> None:
    tally = detection.measure(
        detection.REFERENCES["perfbot default"], detection.single_pairs("pytest-benchmark")
    )
    assert tally.improvements > 50
    assert tally.improvement_regressed == 0.0
    assert tally.improvements_found / tally.improvements >= 0.9


def test_spread_margin_trades_detection_for_fewer_wrong_calls(single) -> None:
    spread, default = single["min > 5 %, + 1x within-run spread"], single["perfbot default"]
    assert spread.improvement_regressed <= 0.03  # measured 1.6 %
    assert spread.improvement_regressed < default.improvement_regressed
    assert spread.false_alarms < default.false_alarms
