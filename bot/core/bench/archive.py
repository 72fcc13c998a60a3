"""Open a CI artifact (a zip anyone with a pull request can shape) without trusting it.

Everything is checked from the central directory before a byte is inflated: the
number of entries, each name (no absolute paths, no ``..``, no drive letters), the
sum of the sizes the entries declare, and the compression ratio, so a zip bomb is
refused rather than unpacked. Inflating then reads at most the declared size plus
one byte per entry, so an entry that lies about its size is caught too.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

MAX_ENTRIES = 1_000
# JSON and text results compress well, rarely beyond 30:1; zip bombs reach 1000:1 and more.
MAX_RATIO = 200


class ArchiveError(ValueError):
    """An artifact perfbot refuses to open; the message says why, for the check run."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int  # compressed, and the sum uncompressed, each
    max_entries: int = MAX_ENTRIES
    max_ratio: int = MAX_RATIO


def extract(data: bytes, limits: Limits) -> dict[str, bytes]:
    """The files in the zip ``data``, by their names inside it."""
    if len(data) > limits.max_bytes:
        raise ArchiveError(f"the artifact is {len(data):,} bytes, above the limit of "
                           f"{limits.max_bytes:,} (`max_bytes`)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ArchiveError(f"the artifact is not a readable zip archive ({exc})") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        _check(entries, len(data), limits)
        files: dict[str, bytes] = {}
        for info in entries:
            try:
                with archive.open(info) as stream:
                    content = stream.read(info.file_size + 1)
            except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
                raise ArchiveError(f"`{info.filename}` cannot be unpacked ({exc})") from None
            if len(content) > info.file_size:
                raise ArchiveError(f"`{info.filename}` is larger than its declared size; "
                                   "the artifact looks crafted and was not unpacked")
            files[info.filename] = content
    return files


def _check(entries: list[zipfile.ZipInfo], compressed: int, limits: Limits) -> None:
    if len(entries) > limits.max_entries:
        raise ArchiveError(f"the artifact holds {len(entries):,} files, above the limit of "
                           f"{limits.max_entries:,}")
    for info in entries:
        problem = _unsafe_name(info.filename)
        if problem:
            raise ArchiveError(f"the artifact holds an unsafe file name {info.filename!r} "
                               f"({problem})")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"`{info.filename}` is encrypted")
    total = sum(info.file_size for info in entries)
    if total > limits.max_bytes:
        raise ArchiveError(f"the artifact unpacks to {total:,} bytes, above the limit of "
                           f"{limits.max_bytes:,} (`max_bytes`)")
    packed = max(sum(info.compress_size for info in entries), 1)
    if total > 1_000_000 and total / packed > limits.max_ratio:
        raise ArchiveError(f"the artifact unpacks to {total / packed:,.0f} times its size "
                           f"(above {limits.max_ratio}:1), which is how zip bombs look")


def _unsafe_name(name: str) -> str:
    if not name or "\0" in name:
        return "empty or NUL"
    if "\\" in name:
        return "backslash"
    path = PurePosixPath(name)
    if path.is_absolute():
        return "absolute path"
    if ".." in path.parts:
        return "climbs out with `..`"
    if len(path.parts[0]) >= 2 and path.parts[0][1] == ":":
        return "drive letter"
    return ""
