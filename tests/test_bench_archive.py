"""CI artifacts are zips anyone with a pull request can shape: refuse the dangerous ones."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from benchfiles import zipped

from bot.core.bench.archive import ArchiveError, Limits, extract

LIMITS = Limits(max_bytes=1_000_000, max_entries=5)


def test_a_plain_artifact_is_unpacked():
    files = extract(zipped({"results.json": "{}", "sub/more.json": "[]"}), LIMITS)
    assert files == {"results.json": b"{}", "sub/more.json": b"[]"}


@pytest.mark.parametrize("name", ["../escape.json", "/etc/passwd", "a/../../b.json",
                                  "C:/x.json", "dir\\x.json"])
def test_names_that_climb_out_are_refused(name: str):
    with pytest.raises(ArchiveError, match="unsafe file name"):
        extract(zipped({name: "{}"}), LIMITS)


def test_too_many_entries_are_refused():
    with pytest.raises(ArchiveError, match="holds 6 files"):
        extract(zipped({f"r{i}.json": "{}" for i in range(6)}), LIMITS)


def test_a_large_compressed_artifact_is_refused_before_opening():
    with pytest.raises(ArchiveError, match="above the limit"):
        extract(b"PK" + b"\0" * 1_000_001, LIMITS)


def test_the_sum_of_declared_sizes_is_checked_before_inflating():
    data = zipped({"a.json": b"1" * 600_000, "b.json": b"2" * 600_000})
    with pytest.raises(ArchiveError, match="unpacks to 1,200,000 bytes"):
        extract(data, LIMITS)


def test_a_high_compression_ratio_is_called_a_zip_bomb():
    data = zipped({"bomb.json": b"0" * 5_000_000})
    with pytest.raises(ArchiveError, match="zip bombs"):
        extract(data, Limits(max_bytes=10_000_000))


def test_an_entry_that_lies_about_its_size_is_caught():
    data = bytearray(zipped({"r.json": b"x" * 1000}))
    # Shrink the size the central directory declares; the data still inflates to 1000 bytes.
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    with pytest.raises(ArchiveError):
        extract(bytes(data), LIMITS)


def test_not_a_zip_says_so():
    with pytest.raises(ArchiveError, match="not a readable zip"):
        extract(b"{\"benchmarks\": []}", LIMITS)


def test_directories_are_skipped():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dir/", "")
        archive.writestr("dir/r.json", "{}")
    assert extract(buffer.getvalue(), LIMITS) == {"dir/r.json": b"{}"}
