"""The objectives file: journeys, targets with units, owners, each problem at its line."""

import pytest

from bot.core.bench.model import Direction
from bot.core.objectives_file import Op, parse, parse_target
from bot.core.units import Kind

GOOD = """\
journeys:
  - name: checkout
    sli: Server-side latency of POST /checkout
    targets:
      - p95 latency <= 250ms
      - throughput >= 1200 rps
      - rss <= 512MiB
    paths: ["services/checkout/**", "!services/checkout/docs/**"]
    owners: ["@octo-org/payments", alice]
    benchmarks: ["benchmarks/bench_checkout.py::*"]
  - name: search
    targets: [p99 latency < 1s]
    paths: services/search/**
    owners: [bob]
"""


def test_a_valid_file_reads_into_journeys_with_normalised_targets() -> None:
    objectives, problems = parse(GOOD, "docs/performance/objectives.yml")
    assert problems == ()
    checkout, search = objectives.journeys
    assert checkout.name == "checkout"
    assert checkout.owners == ("@octo-org/payments", "alice")
    assert checkout.benchmarks == ("benchmarks/bench_checkout.py::*",)
    latency, throughput, rss = checkout.targets
    assert (latency.statistic, latency.metric, latency.op, latency.value, latency.unit) == (
        "p95", "latency", Op.LE, 0.25, "s")
    assert latency.position.line == 5
    assert latency.direction is Direction.LOWER
    assert (throughput.statistic, throughput.value, throughput.unit) == (None, 1200, "ops/s")
    assert throughput.direction is Direction.HIGHER
    assert rss.value == 512 * 2**20 and rss.kind is Kind.SIZE
    assert search.paths == ("services/search/**",)
    assert search.position.line == 11


def test_journeys_at_stake_follow_their_paths_with_negation() -> None:
    objectives, _ = parse(GOOD)
    stake = objectives.at_stake(["services/checkout/cart.py", "services/checkout/docs/x.md"])
    assert [(j.name, paths) for j, paths in stake] == [
        ("checkout", ("services/checkout/cart.py",))]
    assert objectives.at_stake(["services/checkout/docs/x.md"]) == ()


@pytest.mark.parametrize(
    ("text", "statistic", "metric", "op", "value", "unit"),
    [
        ("p99.9 latency < 1.5 s", "p99.9", "latency", Op.LT, 1.5, "s"),
        ("avg query time <= 800us", "mean", "query time", Op.LE, 0.0008, "s"),
        ("max rss ≤ 1GiB", "max", "rss", Op.LE, 2**30, "B"),
        ("error rate < 1%", None, "error rate", Op.LT, 1, "%"),
        ("throughput > 50 MB/s", None, "throughput", Op.GT, 50e6, "B/s"),
    ],
)
def test_targets(text, statistic, metric, op, value, unit) -> None:
    target = parse_target(text)
    assert (target.statistic, target.metric, target.op, target.unit) == (
        statistic, metric, op, unit)
    assert target.value == pytest.approx(value)


def test_a_target_holds_or_not() -> None:
    target = parse_target("p95 latency <= 250ms")
    assert target.holds(0.25) and not target.holds(0.26)
    assert target.describe() == "p95 latency <= 250 ms"
    assert parse_target("throughput > 10 rps").holds(11)


BAD = """\
journeys:
  - name: checkout
    targets:
      - p95 latency <= 250 parsecs
      - fast please
    paths: ["services/**"]
    owners: ["not an owner"]
    colour: blue
  - name: checkout
    paths: [x]
"""


def test_every_problem_is_reported_at_its_line_and_column() -> None:
    objectives, problems = parse(BAD)
    found: dict[tuple[int, int], str] = {}
    for p in problems:
        found[(p.position.line, p.position.column)] = found.get(
            (p.position.line, p.position.column), "") + p.message
    assert "unknown unit 'parsecs'" in found[(4, 9)]
    assert "[statistic] metric op value" in found[(5, 9)]
    assert "not a GitHub user" in found[(7, 14)]
    assert "unknown key" in found[(8, 5)]
    assert "already listed" in found[(9, 11)]
    assert "needs `targets:`" in found[(9, 5)]
    assert "needs `owners:`" in found[(9, 5)]
    # What could be read still is.
    assert [j.name for j in objectives.journeys] == ["checkout", "checkout"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("journeys: [\n  {name: x\n", 3, "YAML syntax error"),
        ("- just a list\n", 1, "mapping with a `journeys:` list"),
        ("journeys: []\n", 1, "must be a list of journeys"),
        ("journeys:\n  - 3\n", 2, "must be a mapping"),
    ],
)
def test_malformed_files_say_where(text: str, line: int, words: str) -> None:
    _, [problem, *_] = parse(text)
    assert problem.position.line == line
    assert words in problem.message


def test_an_oversized_file_is_refused_without_parsing() -> None:
    _, [problem] = parse("#" * (2 * 1024 * 1024))
    assert "larger than" in problem.message


def test_a_target_without_a_metric_asks_for_one() -> None:
    with pytest.raises(ValueError, match="no metric"):
        parse_target("p95 <= 250ms")


@pytest.mark.parametrize(
    "text",
    [
        # Targets come from a file any PR may change: lines built to make a backtracking
        # pattern go quadratic (minutes for a 1 MB file before) must read in one pass.
        "a" + " " * 60_000 + "b",
        "latency <= 5" + " " * 60_000 + "x",
    ],
)
def test_crafted_targets_are_refused_in_one_pass(text: str) -> None:
    with pytest.raises(ValueError, match="target"):
        parse_target(text)


def test_spacing_inside_a_target_is_free() -> None:
    target = parse_target("  p95   query   time  <=  250 ms  ")
    assert (target.statistic, target.metric, target.value, target.text) == (
        "p95", "query time", 0.25, "p95   query   time  <=  250 ms")
