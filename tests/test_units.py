import pytest

from bot.core.units import (
    Kind,
    Quantity,
    UnitError,
    describe,
    normalise,
    normalise_or_keep,
    parse,
)


@pytest.mark.parametrize(
    ("text", "value", "unit", "kind"),
    [
        ("250ms", 0.25, "s", Kind.TIME),
        ("1.5 s", 1.5, "s", Kind.TIME),
        ("800us", 0.0008, "s", Kind.TIME),
        ("800µs", 0.0008, "s", Kind.TIME),
        ("2m", 120.0, "s", Kind.TIME),
        ("1h", 3600.0, "s", Kind.TIME),
        ("120 ns/op", 1.2e-7, "s", Kind.TIME),
        ("512MiB", 512 * 2**20, "B", Kind.SIZE),
        ("1.5GB", 1.5e9, "B", Kind.SIZE),
        ("100KB", 100_000, "B", Kind.SIZE),  # KB is 1000 bytes
        ("100KiB", 102_400, "B", Kind.SIZE),  # KiB is 1024
        ("64 bytes", 64, "B", Kind.SIZE),
        ("1200 rps", 1200, "ops/s", Kind.RATE),
        ("1200 req/s", 1200, "ops/s", Kind.RATE),
        ("600 ops/min", 10, "ops/s", Kind.RATE),
        ("50 MB/s", 50e6, "B/s", Kind.RATE),
        ("5%", 5, "%", Kind.PERCENT),
        ("42", 42, "", Kind.NUMBER),
        ("1_000", 1000, "", Kind.NUMBER),
    ],
)
def test_quantities_normalise_to_one_unit_per_kind(text, value, unit, kind) -> None:
    assert parse(text) == Quantity(pytest.approx(value), unit, kind)


@pytest.mark.parametrize("text", ["fast", "250 parsecs", "ms", "", "1e999 s", "12 MB/op/s"])
def test_unreadable_quantities_say_what_is_accepted(text: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse(text)
    assert "250ms" in str(caught.value) or "use times" in str(caught.value) or "finite" in str(
        caught.value)


def test_a_tools_value_and_unit_normalise_the_same_way() -> None:
    assert normalise(3.2, "ms") == Quantity(pytest.approx(0.0032), "s", Kind.TIME)
    assert normalise(2, "KiB") == Quantity(2048, "B", Kind.SIZE)


@pytest.mark.parametrize(
    ("text", "shown"),
    [("250ms", "250 ms"), ("512MiB", "512 MiB"), ("1.5GB", "1.5 GB"), ("1200 rps", "1200 ops/s"),
     ("50 MB/s", "50 MB/s"), ("2m", "2 min"), ("5%", "5%"), ("3", "3")],
)
def test_quantities_are_described_for_people(text: str, shown: str) -> None:
    assert describe(parse(text)) == shown == str(parse(text))


def test_a_tools_own_unit_can_be_kept_as_written() -> None:
    assert normalise_or_keep(12, "allocs/op") == Quantity(12, "allocs/op", Kind.CUSTOM)
    assert normalise_or_keep(12, "ms") == Quantity(pytest.approx(0.012), "s", Kind.TIME)
    assert describe(Quantity(12, "allocs/op", Kind.CUSTOM)) == "12 allocs/op"


def test_a_crafted_unit_is_refused_in_one_pass() -> None:
    # Quadratic in the blanks inside the unit before (seconds for 60k characters).
    with pytest.raises(UnitError):
        parse("5 a" + " " * 60_000 + "b")
