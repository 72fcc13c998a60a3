"""``/perf`` commands in pull request comments, parsed without surprises.

A command starts a line (outside code blocks and quotes, so an example or a quoted
reply is never run). Its arguments follow shell-like quoting: straight or typographic
quotes (phones and some editors turn ``"`` into ``“…”``), and a quoted value may span
lines, so a mitigation plan can be a list. An unquoted line break ends the command;
several commands may share one comment. What no reader can see does not count: text in
an HTML comment (``<!-- … -->``, over several lines too) is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.review import escape

PREFIX = "/perf"
MAX_TEXT = 2_000
USAGE = """\
perfbot commands (one per line, in a pull request comment):

- `/perf signoff <variance> --reason "…" --mitigation "…" [--owner @user|@org/team] \
[--due YYYY-MM-DD]`: accept a variance with a reason and a mitigation plan
- `/perf revoke <variance>`: withdraw a sign-off
- `/perf recheck`: evaluate the pull request again
- `/perf help`: show this help

`<variance>` is an id exactly as the checklist shows it (for example `design_record` or \
`benchmarks:tests/test_x.py::test_parse[small]:time`). Quote values with \
spaces; a quoted plan may span lines."""

# Opening quote → closing quote, typographic ones included (written as escapes for clarity).
_QUOTES = {
    '"': '"', "'": "'", "\u201c": "\u201d", "\u201e": "\u201c", "\u2018": "\u2019",
    "\u201a": "\u2018", "\u00ab": "\u00bb", "\u00bb": "\u00ab", "\u201d": "\u201d",
}
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT_OPEN, _COMMENT_CLOSE = "<!--", "-->"
_OWNER = re.compile(
    r"^@?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?:/([A-Za-z0-9][A-Za-z0-9._-]{0,99}))?$"
)
# Any one word: variance ids keep the benchmark tool's names (``path::test[param]``,
# ``BM_x<int>/8``), so the id the checklist shows is the id to type.
_VARIANCE = re.compile(r"^[^\s`]{1,500}$")


@dataclass(frozen=True, slots=True)
class SignOff:
    variance: str
    reason: str
    mitigation: str
    owner: str | None = None  # "@user" or "@org/team"
    due: date | None = None


@dataclass(frozen=True, slots=True)
class Revoke:
    variance: str


@dataclass(frozen=True, slots=True)
class Recheck:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Malformed:
    """A line that starts like a command but is not one; ``problem`` says why."""

    line: str
    problem: str


Command = SignOff | Revoke | Recheck | Help
Parsed = Command | Malformed


def parse(body: str) -> tuple[Parsed, ...]:
    """Every command in a comment body, in order; an empty tuple when there are none."""
    text = visible((body or "").replace("\r\n", "\n").replace("\r", "\n"))
    found: list[Parsed] = []
    pos = 0
    fence: str | None = None
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            pos = end + 1
            continue
        if opened:
            fence = opened.group(1)
            pos = end + 1
            continue
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) < 4 and _starts_command(stripped):
            start = pos + len(line) - len(stripped) + len(PREFIX)
            words, error, pos = _words(text, start)
            first = stripped.split("\n", 1)[0].strip()
            found.append(Malformed(first, error) if error else _command(first, words))
            continue
        pos = end + 1
    return tuple(found)


def visible(text: str) -> str:
    """``text`` as a reader of the rendered comment sees it: HTML comments blanked.

    A comment may span lines, and one never closed hides the rest, as GitHub renders it;
    inside a code fence ``<!--`` is shown as written. Line breaks are kept.
    """
    out: list[str] = []
    fence: str | None = None
    hidden = False
    for line in text.split("\n"):
        if hidden:
            end = line.find(_COMMENT_CLOSE)
            if end < 0:
                out.append("")
                continue
            hidden, line = False, line[end + len(_COMMENT_CLOSE) :]
        else:
            opened = _FENCE.match(line)
            if fence is not None or opened:
                if fence is None:
                    fence = opened.group(1) if opened else None
                elif opened and opened.group(1)[0] == fence[0] and len(
                        opened.group(1)) >= len(fence):
                    fence = None
                out.append(line)
                continue
        while (start := line.find(_COMMENT_OPEN)) >= 0:
            end = line.find(_COMMENT_CLOSE, start + 2)  # ``<!-->`` is a whole (empty) one
            if end < 0:
                line, hidden = line[:start], True
                break
            line = line[:start] + line[end + len(_COMMENT_CLOSE) :]
        out.append(line)
    return "\n".join(out)


def _starts_command(line: str) -> bool:
    if not line.startswith(PREFIX):
        return False
    rest = line[len(PREFIX) :]
    return rest == "" or rest[0] in " \t"


def _words(text: str, pos: int) -> tuple[list[str], str, int]:
    """Shell-like words from ``pos`` to the first unquoted line break; (words, error, next)."""
    words: list[str] = []
    word: list[str] | None = None
    while pos < len(text):
        ch = text[pos]
        if ch == "\n":
            pos += 1
            break
        if ch in " \t":
            if word is not None:
                words.append("".join(word))
                word = None
            pos += 1
            continue
        if word is None:
            word = []
        if ch in _QUOTES:
            close = _QUOTES[ch]
            end = _closing(text, pos + 1, close, ch)
            if end < 0:
                return words, f"unterminated quote {ch}…{close}", len(text)
            word.append(_unescape(text[pos + 1 : end]) if ch == '"' else text[pos + 1 : end])
            pos = end + 1
            continue
        if ch == "\\" and pos + 1 < len(text) and text[pos + 1] != "\n":
            word.append(text[pos + 1])
            pos += 2
            continue
        word.append(ch)
        pos += 1
    if word is not None:
        words.append("".join(word))
    return words, "", pos


def _closing(text: str, pos: int, close: str, opening: str) -> int:
    # Typographic quotes: accept the straight or curly closer people actually type.
    closers = {close, "\u201d", '"'} if opening in "\u201c\u201e\u201d" else {close}
    while pos < len(text):
        ch = text[pos]
        if ch == "\\" and opening == '"' and pos + 1 < len(text):
            pos += 2
            continue
        if ch in closers:
            return pos
        pos += 1
    return -1


def _unescape(text: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", text)


def _command(line: str, words: list[str]) -> Parsed:
    if not words:
        return Malformed(line, "no command given")
    name, args = words[0].lower(), words[1:]
    if name == "help":
        return Help()
    if name == "recheck":
        return Recheck() if not args else Malformed(line, "`recheck` takes no arguments")
    if name == "revoke":
        if len(args) != 1 or not _VARIANCE.match(args[0]):
            return Malformed(line, "`revoke` takes one variance id")
        return Revoke(args[0])
    if name in ("signoff", "sign-off"):
        return _signoff(line, args)
    return Malformed(line, f"unknown command {escape.code(name[:40])}")


def _signoff(line: str, args: list[str]) -> Parsed:
    variance: str | None = None
    options: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            key, eq, value = arg[2:].partition("=")
            if key not in ("reason", "mitigation", "owner", "due"):
                return Malformed(line, f"unknown option {escape.code('--' + key[:40])}")
            if not eq:
                if i + 1 >= len(args):
                    return Malformed(line, f"`--{key}` needs a value")
                value = args[i + 1]
                i += 1
            if key in options:
                return Malformed(line, f"`--{key}` given twice")
            options[key] = value.strip()
        elif variance is None:
            variance = arg
        else:
            return Malformed(line, f"unexpected {escape.code(arg[:40])} (quote values with spaces)")
        i += 1
    if variance is None or not _VARIANCE.match(variance):
        return Malformed(line, "`signoff` needs the id of the variance to sign off")
    for key in ("reason", "mitigation"):
        if not options.get(key):
            return Malformed(line, f"`signoff` needs `--{key} \"…\"`")
        if len(options[key]) > MAX_TEXT:
            return Malformed(line, f"`--{key}` is longer than {MAX_TEXT} characters")
    owner = None
    if "owner" in options:
        matched = _OWNER.match(options["owner"])
        if not matched:
            return Malformed(line, "`--owner` must be `@user` or `@org/team`")
        owner = "@" + options["owner"].lstrip("@")
    due = None
    if "due" in options:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", options["due"]):
            return Malformed(line, "`--due` must be a date written YYYY-MM-DD")
        try:
            due = date.fromisoformat(options["due"])
        except ValueError:  # written right, but no such day (2026-02-30)
            return Malformed(line, f"`--due` {escape.code(options['due'])} is not a day in "
                             "the calendar")
    return SignOff(variance, options["reason"], options["mitigation"], owner, due)
