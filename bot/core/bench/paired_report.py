"""A paired comparison for people and programs: the table, the notes under it, the JSON.

The table is ``bench compare``'s (``bot.core.bench.table``) with a Rounds column; the
notes say how many rounds ran and why they stopped, at what confidence the intervals
are drawn (and so how the false-alarm rate of the whole comparison is held), and the
noise report: how far the machine drifted during the job (each side's spread over the
rounds) and how much of that pairing removed. ``bench run --json``, ``bench compare``
of a paired file and the check run all use these, so they always agree.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.core.bench import table
from bot.core.bench.model import Verdict
from bot.core.bench.paired import FAMILY_ALPHA, Analysis, _confidence, noise
from bot.core.bench.paired_file import PairedRun

STOPPED = {
    "decided": "every benchmark was decided",
    "rounds": "the planned rounds ran",
    "time": "the time limit (--max-time) was reached",
    "interrupted": "the run was interrupted",
}
ROUNDS_NOTE = (
    "**Paired rounds:** {rounds} of {planned} (base {base}, head {head}, alternating "
    "{orders}){stopped}. Intervals at {confidence} confidence: the {family} false-alarm "
    "budget of this comparison split over {benchmarks} benchmark{s} and {looks} planned "
    "look{ls} (Bonferroni), so a change counts only when it is beyond the threshold and "
    "its interval excludes no change."
)
UNDECIDED_NOTE = (
    "**Undecided:** {count} benchmark{s} could not be decided in {rounds} "
    "round{rs} and {are} reported unchanged: {names}."
)
NOISE_NOTE = (
    "**Noise:** during the job each side's per-round values varied by {base} (base) and "
    "{head} (head), the machine's drift, as a median over {benchmarks} benchmark{s}; the "
    "paired per-round ratios varied by {paired}: pairing removed {removed} of the noise."
)
SHOWN_NAMES = 5


def render(analysis: Analysis, run: PairedRun, limit: int = table.GITHUB_LIMIT) -> str:
    """The table, then the notes (the notes are kept, the table shortened, within ``limit``)."""
    text_notes = notes(analysis, run)
    body = table.render(analysis.verdicts, limit=max(1000, limit - len(text_notes) - 2))
    return (body.rstrip("\n") + "\n\n" + text_notes)[:limit]


def notes(analysis: Analysis, run: PairedRun) -> str:
    lines = []
    orders = Counter(r.order.value for r in run.rounds[: analysis.rounds])
    benchmarks = sum(1 for c in analysis.changes if c.change.rounds and c.change.verdict
                     not in (Verdict.NEW, Verdict.MISSING))
    stopped = STOPPED.get(run.stopped, "")
    lines.append(ROUNDS_NOTE.format(
        rounds=analysis.rounds, planned=analysis.planned,
        base=f"`{run.base.sha[:12]}`", head=f"`{run.head.sha[:12]}`",
        orders=", ".join(f"{n} {o}" for o, n in sorted(orders.items())),
        stopped=f"; stopped because {stopped}" if stopped else "",
        confidence=_confidence(analysis.confidence),
        family=f"{FAMILY_ALPHA * 100:.0f} %", benchmarks=max(1, benchmarks),
        s="" if benchmarks == 1 else "s", looks=len(_planned_looks(analysis)),
        ls="" if len(_planned_looks(analysis)) == 1 else "s",
    ))
    undecided = analysis.undecided
    if undecided:
        names = ", ".join(table.code(c.change.benchmark) for c in undecided[:SHOWN_NAMES])
        if len(undecided) > SHOWN_NAMES:
            names += f" and {len(undecided) - SHOWN_NAMES} more"
        lines.append(UNDECIDED_NOTE.format(
            count=len(undecided), s="" if len(undecided) == 1 else "s",
            rounds=analysis.rounds, rs="" if analysis.rounds == 1 else "s",
            are="is" if len(undecided) == 1 else "are", names=names,
        ))
    report = noise(analysis)
    if report is not None:
        lines.append(NOISE_NOTE.format(
            base=_spread(report.base_spread), head=_spread(report.head_spread),
            paired=_spread(report.paired_spread), removed=f"{max(0.0, report.removed) * 100:.0f} %",
            benchmarks=report.benchmarks, s="" if report.benchmarks == 1 else "s",
        ))
    return "\n\n".join(lines) + "\n"


def _planned_looks(analysis: Analysis) -> tuple[int, ...]:
    from bot.core.bench.paired import looks

    return looks(analysis.planned)


def _spread(value: float) -> str:
    return f"±{value * 100:.1f} %"


def as_json(analysis: Analysis, run: PairedRun) -> dict[str, Any]:
    """``bench compare --json``'s shape, with each benchmark's rounds and per-round values,
    and the run's rounds, confidence and noise beside the counts."""
    tally = Counter(c.change.verdict.value for c in analysis.changes)
    ordered = sorted(analysis.changes, key=lambda c: table.severity_key(c.change))
    report = noise(analysis)
    return {
        "benchmarks": [
            {
                "name": c.change.benchmark,
                "metric": c.change.metric,
                "base": c.change.base,
                "head": c.change.head,
                "unit": c.change.unit,
                "change": c.change.change,
                "interval": list(c.change.interval) if c.change.interval is not None else None,
                "verdict": c.change.verdict.value,
                "direction": c.change.direction.value,
                "statistic": c.change.statistic,
                "reason": c.change.reason,
                "path": c.change.path,
                "line": c.change.line,
                "rounds": c.change.rounds,
                "decided": c.decided,
                "base_rounds": [_finite(v) for v in c.base_rounds],
                "head_rounds": [_finite(v) for v in c.head_rounds],
            }
            for c in ordered
        ],
        "counts": {v.value: tally.get(v.value, 0) for v in Verdict},
        "geometric_mean": table.geometric_mean(analysis.verdicts),
        "rounds": analysis.rounds,
        "rounds_planned": analysis.planned,
        "looks": list(analysis.looks),
        "confidence": analysis.confidence,
        "stopped": run.stopped,
        "undecided": [c.change.benchmark for c in analysis.undecided],
        "base": {"ref": run.base.ref, "sha": run.base.sha},
        "head": {"ref": run.head.ref, "sha": run.head.sha},
        "noise": None if report is None else {
            "base_spread": report.base_spread,
            "head_spread": report.head_spread,
            "paired_spread": report.paired_spread,
            "removed": report.removed,
        },
    }


def _finite(value: float) -> float | None:
    return value if value == value else None  # NaN: the round lacked the benchmark
