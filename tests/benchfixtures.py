"""The recorded result files under tests/fixtures/bench, read as perfbot reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.bench.model import BenchFileError, Measurement, Results
from bot.core.bench.readers import read

FIXTURES = Path(__file__).parent / "fixtures" / "bench"


def load(relative: str, format: str = "auto") -> Results:
    return read(relative, (FIXTURES / relative).read_bytes(), format)


def find(results: Results, benchmark: str, metric: str = "time") -> Measurement:
    [found] = [m for m in results.measurements if m.key == (benchmark, metric)]
    return found


def problem(relative: str, data: bytes, format: str = "auto") -> BenchFileError:
    """The error reading ``data`` raises, after checking it names the file first."""
    with pytest.raises(BenchFileError) as caught:
        read(relative, data, format)
    assert caught.value.path == relative
    assert str(caught.value).startswith(relative)
    return caught.value
