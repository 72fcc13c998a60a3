"""Settings that name something else in the config, checked to refer to something.

The schema sees one value at a time; it cannot tell that ``review.checklist.required``
names an item no stage lists, which would leave the check waiting for a box that is never
drawn (or, misspelt, never require the box the team meant). These checks run on the
document after the schema, so every such mistake is reported at its line like the rest.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from bot.core import globs, yamldoc
from bot.core.binding import Problem, dotted
from bot.core.review.checklist import STAGE_FIELDS, split_item
from bot.core.yamldoc import Path

CHECKLIST = ("review", "checklist")

NO_SUCH_ITEM = "{key}: no manual checklist item has the id {id!r}{suggestion}; {known}"
NO_ITEMS = "there are none: list items under a stage as `\"<id>: <text>\"`"
KNOWN_IDS = "the ids are {ids}"
DUPLICATE_ID = (
    "{key}: the id {id!r} is already used by {first}; give each item its own id "
    "(`\"<id>: <text>\"`), or ticks on one would count for both"
)
ONLY_FOR_FORM = "{key}: write `\"<id>: <glob>\"`, not {value!r}"
ONLY_FOR_GLOB = "{key}: invalid path pattern {glob!r}: {why}"


def problems(doc: yamldoc.Document) -> tuple[Problem, ...]:
    """Every reference in ``doc`` that refers to nothing, at the line it is written on."""
    return tuple(_checklist(doc))


def _checklist(doc: yamldoc.Document) -> Iterator[Problem]:
    settings = _at(doc.data, CHECKLIST)
    if not isinstance(settings, dict):
        return
    ids: dict[str, Path] = {}
    for name in STAGE_FIELDS.values():
        for path, entry in _strings(settings, (*CHECKLIST, name)):
            item_id, _ = split_item(entry)
            if item_id in ids:
                yield _problem(doc, path, DUPLICATE_ID.format(
                    key=dotted(path), id=item_id, first=dotted(ids[item_id])))
            else:
                ids[item_id] = path
    for path, entry in _strings(settings, (*CHECKLIST, "required")):
        if entry.strip() not in ids:
            yield _problem(doc, path, _no_such_item(path, entry.strip(), list(ids)))
    for path, entry in _strings(settings, (*CHECKLIST, "only_for")):
        item_id, colon, glob = (part.strip() for part in entry.partition(":"))
        if not colon or not item_id or not glob:
            yield _problem(doc, path, ONLY_FOR_FORM.format(key=dotted(path), value=entry))
        elif item_id not in ids:
            yield _problem(doc, path, _no_such_item(path, item_id, list(ids)))
        elif (why := globs.syntax_problem(glob)) is not None:
            yield _problem(doc, path, ONLY_FOR_GLOB.format(key=dotted(path), glob=glob, why=why))


def _no_such_item(path: Path, item_id: str, known: list[str]) -> str:
    close = difflib.get_close_matches(item_id, known, n=1)
    suggestion = f" (did you mean {close[0]!r}?)" if close else ""
    listed = KNOWN_IDS.format(ids=", ".join(known)) if known else NO_ITEMS
    return NO_SUCH_ITEM.format(key=dotted(path), id=item_id, suggestion=suggestion, known=listed)


def _strings(settings: dict[str, Any], path: Path) -> Iterator[tuple[Path, str]]:
    """The strings of a list-or-one-string setting, each with its path."""
    value = settings.get(str(path[-1]))
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield (*path, i), item


def _at(data: Any, path: Path) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(str(part))
    return data


def _problem(doc: yamldoc.Document, path: Path, message: str) -> Problem:
    return Problem(message, doc.position(path), doc.file(path))
