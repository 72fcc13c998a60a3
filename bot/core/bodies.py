"""Where each new definition's body ends, so nesting follows the code, not the indentation.

A definition's region runs from its decorators to the end of its body, and a later
definition is nested in it only when it starts before that end: a method after a
top-level function is a method, not a closure of that function.

- Brace languages (Go, JavaScript/TypeScript, Java, Rust): the body is the first ``{``
  after the signature at parenthesis depth 0 (Go's ``interface{}``/``struct{}`` types
  skipped), to its matching ``}``. Strings, characters and comments are skipped by one
  tokenising pattern, so a ``}`` in a string closes nothing. A signature that reaches a
  ``;`` first has no body of its own (an interface or trait method, an arrow function
  with an expression body): its region ends at that line.
- Python, and a brace language when no brace opens before the next definition: the
  body ends at the first line back at the definition's indentation (a line opening with
  ``)`` or ``]`` ends a wrapped signature, not the body; comments and lines of a
  multi-line string end nothing).

Both are bounded by the run of added lines the definition stands in: perfbot sees
diffs, not files, and the lines after a run are not new.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from bot.core.corpus import Corpus
from bot.core.languages import Definition, Language

_SIGNATURE_LINES = 40  # lines a wrapped signature may take before its body opens


@lru_cache(maxsize=8)
def _tokens(language: Language) -> re.Pattern[str]:
    """Strings, characters and comments to skip, and the punctuation that matters."""
    parts = [r"//[^\n]*", r"/\*.*?(?:\*/|\Z)", r'"(?:[^"\\\n]|\\.)*"']
    if language.name.startswith("JavaScript"):
        parts += [r"'(?:[^'\\\n]|\\.)*'", r"`(?:[^`\\]|\\.)*`"]
    else:
        parts += [r"'(?:[^'\\\n]|\\.)'"]  # a character; Rust's lifetimes 'a are left alone
        if "`" in language.fences:
            parts += [r"`[^`]*`"]
    if language.name == "Rust":
        parts.insert(0, r'r#+".*?"#+')
    return re.compile("|".join(parts) + r"|(?P<p>[{}();])", re.DOTALL)


def ends(corpus: Corpus, found: list[Definition], language: Language) -> list[int | None]:
    """For each definition, the index of the line after its body (None: it has no body,
    such as an interface method), bounded by the run of added lines it stands in."""
    runs = corpus.runs()
    out: list[int | None] = []
    scanned: dict[int, _Braces] = {}
    for index, definition in enumerate(found):
        run = bisect_right(runs, definition.line) - 1
        run_end = runs[run + 1]
        end: int | None = None
        if language.braces:
            braces = scanned.get(run)
            if braces is None:
                braces = scanned[run] = _Braces(corpus, runs[run], run_end, language)
            following = found[index + 1].line if index + 1 < len(found) else run_end
            end = braces.body_end(definition, min(following, run_end))
            if end == -1:
                out.append(None)
                continue
        out.append(end if end is not None else indented_end(corpus.lines, definition, run_end,
                                                           language))
    return out


class _Braces:
    """The punctuation of one run of added lines, with each ``{`` paired to its ``}``."""

    def __init__(self, corpus: Corpus, first: int, last: int, language: Language) -> None:
        self.corpus = corpus
        self.last = last
        base = corpus.starts[first]
        text = "\n".join(corpus.lines[first:last])
        self.offsets: list[int] = []
        self.chars: list[str] = []
        for m in _tokens(language).finditer(text):
            char = m.group("p")
            if char:
                self.offsets.append(base + m.start())
                self.chars.append(char)
        self.partner = [-1] * len(self.chars)
        stack: list[int] = []
        for i, char in enumerate(self.chars):
            if char == "{":
                stack.append(i)
            elif char == "}" and stack:
                self.partner[stack.pop()] = i
        self.go = language.name == "Go"
        self.js = language.name.startswith("JavaScript")

    def body_end(self, definition: Definition, before: int) -> int | None:
        """The line after the body's ``}``; -1 for a signature without a body; None when
        no brace opens the body before line ``before`` (the caller falls back to indentation)."""
        corpus = self.corpus
        limit_line = min(before, definition.line + _SIGNATURE_LINES, self.last)
        limit = corpus.starts[limit_line] if limit_line < len(corpus.starts) else 1 << 62
        start = corpus.starts[definition.line] if definition.opening == 0 else definition.opening
        start = max(start, corpus.starts[definition.line])
        i = bisect_left(self.offsets, start)
        depth = 0
        while i < len(self.chars) and self.offsets[i] < limit:
            char = self.chars[i]
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:  # the call the definition is an argument of ends: no body
                    return corpus.line_at(self.offsets[i]) + 1
            elif char == ";" and depth == 0:
                # JavaScript: an arrow function's expression body ends here; elsewhere a
                # signature ending in ";" declares a method without a body.
                return corpus.line_at(self.offsets[i]) + 1 if self.js else -1
            elif char == "{" and depth == 0:
                if self.go and self._type_literal(self.offsets[i]):
                    i = self.partner[i] if self.partner[i] > 0 else i
                else:
                    close = self.partner[i]
                    if close < 0:
                        return self.last
                    return corpus.line_at(self.offsets[close]) + 1
            i += 1
        return None

    def _type_literal(self, offset: int) -> bool:
        """Whether the ``{`` at ``offset`` opens Go's ``interface{…}`` or ``struct{…}``."""
        text = self.corpus.text
        before = text[max(0, offset - 12):offset].rstrip()
        return before.endswith(("interface", "struct"))


def indented_end(lines: list[str], definition: Definition, limit: int, language: Language) -> int:
    """Where the body ends, before ``limit``: at the first line back at the definition's
    indentation, or just after it if that line closes a brace (``}``, ``});``). A line
    opening with ``)`` or ``]`` there ends a multi-line signature, not the body; a
    comment, or a line of a multi-line string, ends nothing."""
    fence = _fence_after(lines[definition.line], language.fences, None)
    for index in range(definition.line + 1, limit):
        line = lines[index]
        inside = fence is not None
        fence = _fence_after(line, language.fences, fence)
        text = line.lstrip()
        if not text or inside or text.startswith(language.comments):
            continue
        lead = line[: len(line) - len(text)]
        indent = len(lead.expandtabs(4)) if "\t" in lead else len(lead)
        if indent > definition.indent or text[0] in ")]":
            continue
        return index + 1 if text[0] == "}" else index
    return limit


def _fence_after(line: str, fences: tuple[str, ...], fence: str | None) -> str | None:
    """The multi-line string still open after ``line``, given the one open before it."""
    if fence is not None:
        return None if line.count(fence) % 2 else fence
    for candidate in fences:
        if line.count(candidate) % 2:
            return candidate
    return None
