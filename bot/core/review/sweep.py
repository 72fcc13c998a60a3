"""The periodic sweep: reminders for overdue mitigations, expired temporary instrumentation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.review import escape

_REMINDER = re.compile(r"<!-- perfbot:reminder (\d{4}-\d{2}-\d{2}) -->")
_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")
TEMPORARY_MARKER = "<!-- perfbot:temporary {path} {due} -->"
REMINDER_TEXT = (
    "{marker}\nThis mitigation was due on {due}. {owners}please post an update, finish the "
    "plan, or close this issue with the reason it no longer applies."
)


@dataclass(frozen=True, slots=True)
class Temporary:
    path: str
    line: int
    due: date
    text: str


def temporaries(path: str, text: str, marker: str) -> list[Temporary]:
    """Every ``<marker> YYYY-MM-DD`` in a file, with its line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        at = line.find(marker)
        if at < 0:
            continue
        matched = _DATE.match(line, at + len(marker))
        if matched is None:
            continue
        try:
            due = date.fromisoformat(matched.group(1))
        except ValueError:
            continue
        found.append(Temporary(path, number, due, line.strip()[:200]))
    return found


UNDATED = (
    "{path}:{line}: warning: temporary-instrumentation marker without a date the sweep "
    "can read, so it never expires: write `{marker} YYYY-MM-DD`: {text}"
)


def undated(path: str, text: str, marker: str) -> list[Temporary]:
    """Markers whose date is missing or no real day (``remove by someday``), which the
    sweep would otherwise pass over in silence; ``due`` is ``date.min`` for them."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        at = line.find(marker)
        if at < 0:
            continue
        matched = _DATE.match(line, at + len(marker))
        try:
            if matched is not None:
                date.fromisoformat(matched.group(1))
                continue
        except ValueError:
            pass
        found.append(Temporary(path, number, date.min, line.strip()[:200]))
    return found


# How the sweep finds markers without reading a whole monorepo: text files only, each at
# most MAX_FILE_BYTES, and at most MAX_FILES of them (the first by path), per sweep.
MAX_FILES = 300
MAX_FILE_BYTES = 512 * 1024
TEXT_SUFFIXES = (
    ".py", ".go", ".rs", ".java", ".kt", ".scala", ".js", ".jsx", ".ts", ".tsx", ".rb", ".php",
    ".c", ".cc", ".cpp", ".h", ".hpp", ".cs", ".swift", ".m", ".sh", ".yml", ".yaml", ".toml",
    ".sql", ".tf", ".lua", ".ex", ".exs", ".erl", ".clj", ".dart", ".r", ".pl",
)


def candidates(paths: list[tuple[str, int]], globs: tuple[str, ...]) -> list[str]:
    """Which files (path, size) the sweep reads: ``globs`` if set, else source-like files."""
    from bot.core.globs import matching

    small = [p for p, size in sorted(paths) if size <= MAX_FILE_BYTES]
    chosen = matching(globs, small) if globs else [
        p for p in small if p.lower().endswith(TEXT_SUFFIXES)]
    return list(chosen)[:MAX_FILES]


def expired(items: list[Temporary], today: date) -> list[Temporary]:
    return [t for t in items if t.due < today]


def last_reminder(bodies: list[str]) -> date | None:
    dates = []
    for found in (d for b in bodies for d in _REMINDER.findall(b or "")):
        try:
            dates.append(date.fromisoformat(found))
        except ValueError:  # a hand-edited marker naming no real day
            continue
    return max(dates, default=None)


def reminder_due(due: date, today: date, last: date | None, period_days: int) -> bool:
    if today <= due:
        return False
    return last is None or today - last >= timedelta(days=max(period_days, 1))


def reminder(due: date, today: date, owners: tuple[str, ...]) -> str:
    who = " ".join(escape.login(o) for o in owners)
    return REMINDER_TEXT.format(marker=f"<!-- perfbot:reminder {today.isoformat()} -->",
                                due=due.isoformat(), owners=f"{who}: " if who else "")


def temporary_issue(item: Temporary, blob_url: str) -> tuple[str, str]:
    """Title and body of the issue asking to retire expired instrumentation."""
    title = f"Retire temporary instrumentation in {item.path}:{item.line} (expired {item.due})"
    body = (f"Temporary instrumentation was marked for removal by {item.due}, and that date "
            f"has passed.\n\n- File: {escape.code(item.path)}, line {item.line}"
            f"{f' ([view]({blob_url}))' if blob_url else ''}\n- Marker: {escape.code(item.text)}"
            "\n\nRemove it, or move the date with a reason in the commit message.\n\n"
            + TEMPORARY_MARKER.format(path=item.path, due=item.due.isoformat()))
    return title, body
