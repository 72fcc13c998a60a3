"""The living checklist: one comment per pull request, grouped by workflow stage.

Automatic items mirror rule results; manual items come from config for reviewers to
tick. Each item line ends with a hidden id (``<!-- perfbot:item:ID -->``), so ticks are
read and merged by item, never by line position, and a rewrite keeps a tick someone
made a moment ago.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.globs import matching
from bot.core.results import Outcome, RuleResult, Stage
from bot.core.review import escape
from bot.core.review.settings import ChecklistSettings

MARKER = "<!-- perfbot:checklist -->"
COMMENT_LIMIT = 65_536  # GitHub refuses longer comment bodies
_ITEM = re.compile(r"^\s*[-*] \[( |x|X)\] .*<!-- perfbot:item:([\w/.:-]+) -->\s*$", re.M)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
STAGE_FIELDS = {
    Stage.PLANNING: "planning",
    Stage.DESIGN: "design",
    Stage.IMPLEMENTATION: "implementation",
    Stage.TESTING: "testing",
    Stage.LAUNCH: "launch",
    Stage.IMPROVEMENT: "improvement",
}


@dataclass(frozen=True, slots=True)
class ManualItem:
    id: str
    stage: Stage
    text: str
    required: bool
    paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    stage: Stage
    text: str  # Markdown, already escaped
    checked: bool
    automatic: bool
    required: bool = False
    note: str = ""  # Markdown after the text: evidence, who ticked it


@dataclass(frozen=True, slots=True)
class Edit:
    """Someone edited the checklist: ``sender`` changed ticks; may they tick required items?

    ``items`` are the ticks this edit flipped (its ``changes.body.from`` against its body);
    None when the event does not say. Only those are the sender's: by the time an edit is
    handled the comment may hold other reviewers' ticks, which their own events judge.
    """

    sender: str
    may_tick_required: bool
    items: frozenset[str] | None = None


def flipped(before: str, after: str) -> frozenset[str]:
    """Item ids whose box differs between two bodies of the checklist."""
    old, new = parse_ticks(before), parse_ticks(after)
    return frozenset(i for i, ticked in new.items() if ticked != old.get(i, False))


def manual_items(settings: ChecklistSettings) -> tuple[ManualItem, ...]:
    required = set(settings.required)
    scoped: dict[str, list[str]] = {}
    for entry in settings.only_for:
        key, _, glob = entry.partition(":")
        if glob.strip():
            scoped.setdefault(key.strip(), []).append(glob.strip())
    items = []
    for stage, name in STAGE_FIELDS.items():
        for entry in getattr(settings, name):
            item_id, text = split_item(entry)
            items.append(
                ManualItem(item_id, stage, text, item_id in required,
                           tuple(scoped.get(item_id, ())))
            )
    return tuple(items)


def applicable(items: Iterable[ManualItem], paths: Iterable[str]) -> tuple[ManualItem, ...]:
    changed = list(paths)
    return tuple(i for i in items if not i.paths or matching(i.paths, changed))


def automatic(results: Iterable[RuleResult], check_url: str) -> tuple[Item, ...]:
    items = []
    for r in results:
        if r.outcome is Outcome.SKIPPED:
            continue
        evidence = f"[check run]({check_url})" if check_url else ""
        items.append(
            Item(f"rule/{r.rule}", r.stage, f"**{escape.inline(r.title)}**: {r.reason}",
                 r.outcome is Outcome.PASSED, True, note=evidence)
        )
    return tuple(items)


def parse_ticks(body: str) -> dict[str, bool]:
    """Item id → ticked, for every item line in a checklist body."""
    return {m.group(2): m.group(1) != " " for m in _ITEM.finditer(body or "")}


def render_items(items: Iterable[Item]) -> str:
    by_stage: dict[Stage, list[Item]] = {}
    for item in items:
        by_stage.setdefault(item.stage, []).append(item)
    lines: list[str] = []
    for stage in Stage:
        if stage not in by_stage:
            continue
        lines += ["", f"#### {stage.value}", ""]
        for item in by_stage[stage]:
            box = "x" if item.checked else " "
            tags = " _(automatic)_" if item.automatic else (" **(required)**" if item.required
                                                            else "")
            note = f" · {item.note}" if item.note else ""
            text = item.text.replace("\n", " ")
            lines.append(f"- [{box}] {text}{tags}{note} <!-- perfbot:item:{item.id} -->")
    return "\n".join(lines)


def split_item(entry: str) -> tuple[str, str]:
    """``(id, text)`` of a manual item as written, `"<id>: <text>"`; an entry without an id
    gets one made of its words, so config validation and the checklist agree on ids."""
    key, sep, text = entry.partition(":")
    key = key.strip()
    if sep and _ID.match(key) and text.strip():
        return key, text.strip()
    slug = re.sub(r"[^a-z0-9]+", "-", entry.lower()).strip("-")[:64] or "item"
    return slug, entry.strip()


def tick_map(items: Iterable[Item]) -> Mapping[str, bool]:
    return {i.id: i.checked for i in items}
