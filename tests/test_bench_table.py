"""The shared table: worst first, unchanged folded, counts and geometric mean, size-limited."""

from bot.core.bench.model import Change, Direction, Verdict
from bot.core.bench.table import render, value


def change(name: str, verdict: Verdict, ratio: float | None = 1.0) -> Change:
    moved = None if ratio is None else ratio - 1.0
    return Change(
        name,
        "time",
        "s",
        Direction.LOWER,
        verdict,
        0.002,
        None if ratio is None else 0.002 * ratio,
        moved,
    )


def test_regressions_lead_and_unchanged_fold_into_details() -> None:
    text = render(
        [
            change("steady", Verdict.UNCHANGED, 1.01),
            change("faster", Verdict.IMPROVED, 0.8),
            change("slightly_slower", Verdict.REGRESSED, 1.12),
            change("much_slower", Verdict.REGRESSED, 1.5),
            change("added", Verdict.NEW, None),
        ]
    )
    order = [text.index(f"`{n}`") for n in ("much_slower", "slightly_slower", "added", "faster")]
    assert order == sorted(order)
    assert text.index("<details>") < text.index("`steady`")
    assert "2 regressed · 0 missing · 1 new · 1 improved · 1 unchanged" in text
    assert "geometric mean of changes" in text
    assert "+50.0 %" in text and "2 ms" in text and "3 ms" in text


def test_the_table_fits_the_size_limit_and_says_what_it_left_out() -> None:
    changes = [change(f"bench_{i:05d}", Verdict.UNCHANGED) for i in range(2000)]
    changes.append(change("the_regression", Verdict.REGRESSED, 1.3))
    text = render(changes, limit=4000)
    assert len(text) <= 4000
    assert "`the_regression`" in text
    assert "more rows not shown" in text


def test_values_read_in_human_units() -> None:
    assert value(0.0000012, "s") == "1.2 µs"
    assert value(3 * 1024 * 1024, "B") == "3 MiB"
    assert value(1234.0, "ops/s") == "1234 ops/s"
    assert value(None, "s") == "—"


def test_a_run_where_everything_moved_together_is_called_out() -> None:
    slower = [change(f"b{i}", Verdict.REGRESSED, 1.4 + i / 100) for i in range(5)]
    text = render([*slower, change("steady", Verdict.UNCHANGED, 1.02)])
    assert "The benchmarks moved together" in text
    assert "5 of 6 `time` results changed for the worse (median 42.0 % worse)" in text
    assert "re-run the benchmarks" in text


def test_one_regression_among_steady_benchmarks_is_not_called_a_shift() -> None:
    steady = [change(f"b{i}", Verdict.UNCHANGED, 1.0 + i / 100) for i in range(5)]
    text = render([*steady, change("slower", Verdict.REGRESSED, 1.3)])
    assert "moved together" not in text


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row, as GitHub splits it (``\\|`` stays in its cell)."""
    import re

    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_odd_names_stay_in_their_cells() -> None:
    odd = [
        Change("test_quote[`a`|b]", "time", "s", Direction.LOWER, Verdict.REGRESSED,
               1.0, 2.0, 1.0),
        Change("generic\nname", "latency|p99", "s", Direction.LOWER, Verdict.REGRESSED,
               1.0, 2.0, 1.0),
    ]
    rows = [line for line in render(odd).splitlines() if "regressed |" in line]
    assert len(rows) == 2
    second, first = (cells(r) for r in rows)  # sorted by name
    assert len(first) == 6 and len(second) == 6
    # A code span holding a backtick needs a longer fence, or the name spills out of it.
    assert first[0] == "`` test_quote[`a`\\|b] ``"
    assert second[0] == "`generic name`" and second[1] == "latency\\|p99"


def test_very_long_names_are_shortened_so_every_row_still_fits() -> None:
    # pytest ids carry their parameters: a long input string makes a name of thousands of
    # characters, and forty of them must not push the other rows out of the table.
    prefix = "tests/test_parse.py::test_parse[" + "x" * 3000
    changes = [Change(f"{prefix}-case{i:02}]", "time", "s", Direction.LOWER,
                      Verdict.REGRESSED, 1.0, 2.0, 1.0) for i in range(40)]
    text = render(changes, limit=40_000)
    assert "not shown" not in text
    rows = [line for line in text.splitlines() if "regressed |" in line]
    assert len(rows) == 40
    assert all(len(r) < 400 for r in rows)
    assert all(f"-case{i:02}]" in text for i in range(40))  # the part that tells them apart
    assert "tests/test_parse.py::test_parse[" in rows[0]
