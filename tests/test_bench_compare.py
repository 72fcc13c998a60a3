"""compare: verdicts a PR author would read, direction-aware, from samples or summaries."""

import pytest

from bot.core.bench.compare import compare, geometric_mean
from bot.core.bench.model import Change, Direction, Measurement, Results, Summary, Verdict
from bot.core.bench.policy import DirectionChoice, Override, Policy, Statistic


def timing(
    name: str, base: float, n: int = 30, spread: float = 0.01, metric: str = "time"
) -> Measurement:
    samples = tuple(base * (1 + spread * ((i * 7919) % 13 - 6) / 6) for i in range(n))
    return Measurement(name, metric, "s", Direction.LOWER, samples=samples)


def throughput(name: str, base: float) -> Measurement:
    samples = tuple(base * (1 + 0.01 * ((i * 31) % 7 - 3) / 3) for i in range(30))
    return Measurement(name, "throughput", "ops/s", Direction.HIGHER, samples=samples)


def results(path: str, *measurements: Measurement) -> Results:
    return Results(path, "generic", measurements)


def verdicts(changes: tuple[Change, ...]) -> dict[str, Verdict]:
    return {c.benchmark: c.verdict for c in changes}


def test_slower_faster_and_steady_benchmarks_get_their_verdicts() -> None:
    base = results("base.json", timing("parse", 1.0), timing("render", 1.0), timing("save", 1.0))
    head = results("head.json", timing("parse", 1.3), timing("render", 0.7), timing("save", 1.01))
    changes = compare([base], [head], Policy())
    assert verdicts(changes) == {
        "parse": Verdict.REGRESSED,
        "render": Verdict.IMPROVED,
        "save": Verdict.UNCHANGED,
    }
    parse = changes[0]
    assert parse.change == pytest.approx(0.3, abs=0.01)
    assert parse.interval is not None and parse.interval[0] > 0.2
    assert "beyond the 10.0 % threshold" in parse.reason
    assert parse.path == "head.json"


def test_more_throughput_is_an_improvement_never_a_regression() -> None:
    changes = compare(
        [results("b", throughput("qps", 1000.0))],
        [results("h", throughput("qps", 1500.0))],
        Policy(),
    )
    assert changes[0].verdict is Verdict.IMPROVED
    assert changes[0].worse is not None and changes[0].worse < 0
    fewer = compare(
        [results("b", throughput("qps", 1000.0))],
        [results("h", throughput("qps", 600.0))],
        Policy(),
    )
    assert fewer[0].verdict is Verdict.REGRESSED


def test_direction_override_turns_the_reading_around() -> None:
    policy = Policy(overrides=(Override(benchmarks=("score*",), direction=DirectionChoice.HIGHER),))
    changes = compare(
        [results("b", timing("score_a", 1.0))], [results("h", timing("score_a", 1.5))], policy
    )
    assert changes[0].direction is Direction.HIGHER
    assert changes[0].verdict is Verdict.IMPROVED


def test_new_and_missing_benchmarks_are_named_not_dropped() -> None:
    changes = compare(
        [results("base.json", timing("old", 1.0), timing("kept", 1.0))],
        [results("head.json", timing("kept", 1.0), timing("fresh", 1.0))],
        Policy(),
    )
    by_name = {c.benchmark: c for c in changes}
    assert by_name["fresh"].verdict is Verdict.NEW and by_name["fresh"].head is not None
    assert by_name["old"].verdict is Verdict.MISSING and by_name["old"].path == "base.json"
    assert "renamed" in by_name["old"].reason


def test_benchmarks_pair_across_files_and_repeated_runs_pool() -> None:
    base = [results("a.json", timing("x", 1.0)), results("b.json", timing("y", 1.0))]
    head = [results("c.json", timing("y", 1.0), timing("x", 1.0))]
    assert set(verdicts(compare(base, head, Policy())).values()) == {Verdict.UNCHANGED}
    # One drifted run of three does not make a regression: the median run decides.
    runs = [results(f"h{i}.json", timing("x", v)) for i, v in enumerate((1.0, 1.6, 1.02))]
    bases = [results(f"b{i}.json", timing("x", 1.0)) for i in range(3)]
    assert compare(bases, runs, Policy())[0].verdict is Verdict.UNCHANGED


def test_summary_only_needs_the_threshold_plus_the_reported_spread() -> None:
    def summary(mean: float, stddev: float) -> Measurement:
        return Measurement(
            "op",
            "time",
            "s",
            Direction.LOWER,
            summary=Summary(count=3, mean=mean, minimum=mean, stddev=stddev),
        )

    noisy = compare(
        [results("b", summary(1.0, 0.2))], [results("h", summary(1.25, 0.25))], Policy()
    )
    assert noisy[0].verdict is Verdict.UNCHANGED
    assert "Fewer than" in noisy[0].reason
    quiet = compare(
        [results("b", summary(1.0, 0.01))], [results("h", summary(1.25, 0.01))], Policy()
    )
    assert quiet[0].verdict is Verdict.REGRESSED
    assert quiet[0].interval is None
    # One sentence, one capital: "compared the reported min", not "the reported Min".
    assert "compared the reported min against" in quiet[0].reason


def test_overrides_set_threshold_and_statistic_per_benchmark_glob() -> None:
    policy = Policy(
        overrides=(
            Override(benchmarks=("io_*",), threshold=0.5),
            Override(benchmarks=("io_disk",), statistic=Statistic.MEDIAN),
        )
    )
    base = results("b", timing("io_net", 1.0), timing("io_disk", 1.0), timing("cpu", 1.0))
    head = results("h", timing("io_net", 1.3), timing("io_disk", 1.3), timing("cpu", 1.3))
    changes = {c.benchmark: c for c in compare([base], [head], policy)}
    assert changes["cpu"].verdict is Verdict.REGRESSED
    assert changes["io_net"].verdict is Verdict.UNCHANGED
    assert changes["io_disk"].statistic == "median"
    assert policy.resolve("io_disk").threshold == 0.5


def test_too_few_samples_fall_back_to_the_reported_statistics() -> None:
    few = Measurement(
        "op",
        "time",
        "s",
        Direction.LOWER,
        samples=(1.0, 1.0),
        summary=Summary(minimum=1.0, mean=1.0, stddev=0.0),
    )
    head = Measurement(
        "op",
        "time",
        "s",
        Direction.LOWER,
        samples=(1.5, 1.5),
        summary=Summary(minimum=1.5, mean=1.5, stddev=0.0),
    )
    change = compare([results("b", few)], [results("h", head)], Policy())[0]
    assert change.verdict is Verdict.REGRESSED
    assert change.interval is None


def test_drift_control_never_turns_a_slower_machine_into_a_verdict() -> None:
    names = [f"b{i}" for i in range(6)]
    base = results("b", *(timing(n, 1.0) for n in names))
    # The whole run 40 % slower, one benchmark really 25 % faster.
    head = results("h", *(timing(n, 1.4 * (0.75 if n == "b0" else 1.0)) for n in names))
    plain = verdicts(compare([base], [head], Policy()))
    assert plain["b1"] is Verdict.REGRESSED
    guarded = verdicts(compare([base], [head], Policy(drift_control=True)))
    assert guarded["b1"] is Verdict.UNCHANGED
    assert guarded["b0"] is not Verdict.REGRESSED


def test_geometric_mean_is_signed_so_positive_is_worse() -> None:
    def change(ratio: float, direction: Direction) -> Change:
        return Change("x", "m", "s", direction, Verdict.UNCHANGED, 1.0, ratio, ratio - 1.0)

    assert geometric_mean(
        [change(1.21, Direction.LOWER), change(1.0, Direction.LOWER)]
    ) == pytest.approx(0.1)
    assert geometric_mean([change(2.0, Direction.HIGHER)]) == pytest.approx(-0.5)
    assert geometric_mean([]) is None


def test_a_rate_is_judged_by_its_best_sample_the_maximum() -> None:
    def rate(values: tuple[float, ...]) -> Measurement:
        return Measurement("qps", "throughput", "ops/s", Direction.HIGHER, samples=values)

    steady = (1000.0, 1001.0, 999.0, 1000.5, 1000.2, 999.8)
    # One disturbed sample (a busy moment) in head: the best sample has not moved.
    disturbed = (1000.0, 1001.0, 999.0, 1000.5, 1000.2, 400.0)
    change = compare([results("b", rate(steady))], [results("h", rate(disturbed))], Policy())[0]
    assert change.statistic == "max"
    assert change.verdict is Verdict.UNCHANGED


def allocations(name: str, value: float) -> Measurement:
    return Measurement(name, "allocs/op", "allocs", Direction.LOWER, samples=(value,) * 10)


def test_allocations_appearing_where_there_were_none_are_a_regression() -> None:
    # Go's "0 allocs/op" is exact; a change that starts allocating is what the metric is for.
    changes = compare(
        [results("b", allocations("BenchmarkParse", 0.0), allocations("BenchmarkSave", 0.0))],
        [results("h", allocations("BenchmarkParse", 2.0), allocations("BenchmarkSave", 0.0))],
        Policy(),
    )
    assert verdicts(changes) == {
        "BenchmarkParse": Verdict.REGRESSED,
        "BenchmarkSave": Verdict.UNCHANGED,
    }
    parse, save = changes
    assert parse.change is None  # no finite relative change from zero; never inf or NaN
    assert "from zero" in parse.reason
    assert "No min reported" not in save.reason and save.change == 0.0


def test_go_runs_on_one_cpu_and_on_several_pair_up() -> None:
    # With GOMAXPROCS=1 Go adds no -N suffix, so a run of one sub-benchmark whose own name
    # ends in a number cannot show which suffix is GOMAXPROCS; the same benchmark on two
    # CPUs must still be compared with it, not called missing and new.
    from bot.core.bench import readers

    one_cpu = b"pkg: x\n" + b"BenchmarkFib/n-20  100  1000 ns/op\n" * 5
    two_cpus = b"pkg: x\n" + b"BenchmarkFib/n-20-2  100  1300 ns/op\n" * 5
    changes = compare([readers.read("base.txt", one_cpu)], [readers.read("head.txt", two_cpus)],
                      Policy())
    assert [c.verdict for c in changes] == [Verdict.REGRESSED]
    assert changes[0].change == pytest.approx(0.3)
