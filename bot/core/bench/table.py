"""The comparison as a Markdown table, shared by ``perfbot bench compare`` and the check run.

Rows go worst first so the regressions are read before anything else; unchanged
benchmarks fold into ``<details>``; the whole fits ``limit`` characters (GitHub caps a
check run's summary and text at 65 535), dropping the least important rows first.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from bot.core.bench.model import Change, Direction, Verdict

SEVERITY = (Verdict.REGRESSED, Verdict.MISSING, Verdict.NEW, Verdict.IMPROVED, Verdict.UNCHANGED)
MARK = {
    Verdict.REGRESSED: "🔴 regressed",
    Verdict.MISSING: "⚪ missing",
    Verdict.NEW: "🆕 new",
    Verdict.IMPROVED: "🟢 improved",
    Verdict.UNCHANGED: "unchanged",
}
HEADER = "| Benchmark | Metric | Base | Head | Change (CI) | Verdict |\n|---|---|--:|--:|--:|---|\n"
# Paired results (``perfbot bench run``) also say how many rounds each verdict rests on.
PAIRED_HEADER = (
    "| Benchmark | Metric | Base | Head | Change (CI) | Rounds | Verdict |\n"
    "|---|---|--:|--:|--:|--:|---|\n"
)
TRUNCATED = "\n_{count} more rows not shown: the table is limited to {limit} characters._\n"
GITHUB_LIMIT = 65_535
# Longer benchmark names are shortened in the middle; annotations and ids keep them whole.
NAME_LIMIT = 160
# A run-wide shift: at least this many benchmarks of one metric, nearly all moved the
# same way by more than their threshold. On shared CI machines a whole run is often
# 10-90 % slower for a while, which from one base run and one head run looks exactly
# like a change that slows everything; the reader should know which it may be.
SHIFT_MIN_BENCHMARKS = 4
SHIFT_SHARE = 0.75
SHIFT_NOTE = (
    "> **The benchmarks moved together:** {moved} of {total} `{metric}` results changed "
    "{way} (median {median}). That is what a slower or busier machine looks like, as well "
    "as a change that slows everything: re-run the benchmarks before acting on it.\n\n"
)

_TIME_STEPS = ((1e-9, "ns"), (1e-6, "µs"), (1e-3, "ms"), (1.0, "s"))
_SIZE_STEPS = ((1.0, "B"), (1024.0, "KiB"), (1024.0**2, "MiB"), (1024.0**3, "GiB"))


def geometric_mean(changes: Sequence[Change]) -> float | None:
    """The geometric mean of the changes, signed so that positive is worse.

    Each change enters as its ratio (head / base, inverted for higher-is-better
    metrics), so +10 % and -10 % on two benchmarks do not cancel to a false zero as
    an arithmetic mean would. ``None`` when no benchmark was measured on both sides.
    """
    logs = []
    for change in changes:
        if change.change is None or change.change <= -1.0 or not math.isfinite(change.change):
            continue
        ratio = math.log1p(change.change)
        logs.append(ratio if change.direction is Direction.LOWER else -ratio)
    if not logs:
        return None
    return math.expm1(math.fsum(logs) / len(logs))


def severity_key(change: Change) -> tuple[int, float, str, str]:
    worse = change.worse if change.worse is not None else 0.0
    return (SEVERITY.index(change.verdict), -worse, change.benchmark, change.metric)


def value(number: float | None, unit: str) -> str:
    """A measured value in the unit a reader expects: 1.23 ms, not 0.00123 s."""
    if number is None:
        return "—"
    steps = _TIME_STEPS if unit == "s" else _SIZE_STEPS if unit == "B" else None
    if steps is None:
        return f"{number:.4g} {unit}".rstrip()
    scale, name = steps[0]
    for step, step_name in steps:
        if abs(number) >= step:
            scale, name = step, step_name
    return f"{number / scale:.3g} {name}"


def percent(fraction: float) -> str:
    return f"{fraction * 100:+.1f} %"


def change_text(change: Change) -> str:
    if change.change is None:
        return "—"
    text = percent(change.change)
    if change.interval is not None:
        low, high = change.interval
        text += f" ({low * 100:+.1f} … {high * 100:+.1f})"
    return text


def cell(text: str) -> str:
    """Text that stays in its table cell: one line, pipes escaped."""
    return " ".join(text.split("\n")).replace("\r", " ").replace("|", "\\|")


def code(text: str) -> str:
    """A code span for ``text``, fenced with more backticks than it holds in a row."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    if not longest:
        return f"`{text}`"
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def shortened(name: str, limit: int = NAME_LIMIT) -> str:
    """A name that fits a table row: its start and its end (where parameters differ)."""
    if len(name) <= limit:
        return name
    keep = (limit - 1) // 2
    return name[:keep] + "…" + name[-keep:]


def row(change: Change, paired: bool = False) -> str:
    name = code(cell(shortened(change.benchmark)))
    rounds = f" {change.rounds if change.rounds is not None else '—'} |" if paired else ""
    return (
        f"| {name} | {cell(change.metric)} | {value(change.base, change.unit)} | "
        f"{value(change.head, change.unit)} | {change_text(change)} |{rounds} "
        f"{MARK[change.verdict]} |\n"
    )


def counts(changes: Sequence[Change]) -> str:
    tally = Counter(c.verdict for c in changes)
    return " · ".join(f"{tally[v]} {v.value}" for v in SEVERITY)


def shift_notes(changes: Sequence[Change]) -> str:
    """A warning per metric whose benchmarks nearly all moved the same way together."""
    notes = []
    for metric in sorted({c.metric for c in changes}):
        worse = [c.worse for c in changes if c.metric == metric and c.worse is not None]
        if len(worse) < SHIFT_MIN_BENCHMARKS:
            continue
        moved = [c for c in changes if c.metric == metric and c.verdict in
                 (Verdict.REGRESSED, Verdict.IMPROVED)]
        up = sum(1 for c in moved if c.verdict is Verdict.REGRESSED)
        down = len(moved) - up
        dominant = max(up, down)
        if dominant < SHIFT_SHARE * len(worse):
            continue
        ordered = sorted(worse)
        middle = ordered[len(ordered) // 2]
        notes.append(SHIFT_NOTE.format(
            moved=dominant, total=len(worse), metric=metric,
            way="for the worse" if up >= down else "for the better",
            median=f"{abs(middle) * 100:.1f} % " + ("worse" if middle >= 0 else "better"),
        ))
    return "".join(notes)


def render(changes: Sequence[Change], limit: int = GITHUB_LIMIT) -> str:
    """Counts, geometric mean, the table worst first, unchanged folded, within ``limit``."""
    ordered = sorted(changes, key=severity_key)
    head = f"**{counts(ordered)}**"
    mean = geometric_mean(ordered)
    if mean is not None:
        head += f" · geometric mean of changes {percent(mean)} (positive is worse)"
    paired = any(c.rounds is not None for c in ordered)
    # Paired rounds already cancel a machine's drift; the shift warning is for single runs.
    head += "\n\n" + ("" if paired else shift_notes(ordered))
    header = PAIRED_HEADER if paired else HEADER
    notable = [row(c, paired) for c in ordered if c.verdict is not Verdict.UNCHANGED]
    quiet = [row(c, paired) for c in ordered if c.verdict is Verdict.UNCHANGED]

    def assemble(n_notable: int, n_quiet: int) -> str:
        text = head
        if n_notable:
            text += header + "".join(notable[:n_notable])
        if n_quiet:
            text += (
                f"\n<details><summary>{len(quiet)} unchanged</summary>\n\n"
                + header
                + "".join(quiet[:n_quiet])
                + "\n</details>\n"
            )
        left = len(notable) - n_notable + len(quiet) - n_quiet
        if left:
            text += TRUNCATED.format(count=left, limit=limit)
        return text

    n_notable, n_quiet = len(notable), len(quiet)
    text = assemble(n_notable, n_quiet)
    # Drop unchanged rows first, then the least severe notable ones, until it fits.
    while len(text) > limit and (n_quiet or n_notable):
        excess = len(text) - limit
        if n_quiet:
            n_quiet = max(0, n_quiet - max(1, excess // 80))
        else:
            n_notable = max(0, n_notable - max(1, excess // 80))
        text = assemble(n_notable, n_quiet)
    return text[:limit]
