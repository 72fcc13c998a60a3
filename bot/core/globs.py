"""gitignore-style path matching, the pattern language teams already know.

Globs come from repository config, so a pathological one (``*a*a*a*a*b``, which
pathspec translates to nested ``[^/]*``) must not stall a check: the ``regex`` module's
timeout bounds every search. That bound costs about a third of the rules' CPU, and a
real glob never needs it, so a glob whose translation provably cannot backtrack
catastrophically runs on the stdlib ``re`` instead (``linear``).

Why the test in ``linear`` is enough. pathspec translates a glob into an anchored
sequence of literals, single-character atoms (``[^/]`` for ``?``, ``[...]``) and four
repeated atoms: ``[^/]*`` or ``[^/]+`` for ``*`` (never crossing a ``/``), and
``(?:.+/)?`` or ``(?:/.+)?`` for ``**`` and for the implicit leading ``**/`` of a glob
with no inner slash (crossing them); a trailing ``/**`` becomes the literal ``/``, and
the directory tail ``(?:(?P<ps_d>/)|$)`` repeats nothing. A backtracking engine's work
is the product of the choices its repeated atoms leave open:

- a ``[^/]*`` alone in its segment, between literals and the next ``/``, has at most
  the segment's length of end points to try, and only one can be followed by that
  segment's ``/``; segments cost in sum, so the path's length bounds them all;
- one ``**`` atom tries each ``/`` of the path once, and from each the rest (atoms
  confined to segments, as above) costs at most the pattern's segments' worth of path:
  linear in the path again;
- two repeated atoms that can end at the same characters (two ``*`` in one segment,
  ``*dashboard*.json``; or two ``**``) multiply: quadratic or worse in the path, the
  shape catastrophic backtracking takes. ``linearised`` rewrites the common ones so
  that all but one commit to their leftmost choice (atomic groups, which ``re`` has
  since Python 3.11), where that provably loses no match: several ``*`` in a segment,
  and ``**/NAME/**/...``. Any other shape (``a/**/b/**/c``) stays under the timeout.

``linear`` checks the translated regex itself, not the glob, so a pathspec release that
translated differently would fall back to the timeout rather than to ``re`` unchecked:
anything but the atoms above (another quantifier, group or alternation) is not linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import pairwise

import pathspec
import regex

_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
# The group pathspec's gitignore patterns name when they matched a directory.
_DIR_MARK = "ps_d"
# Per path and pattern set; a real glob takes microseconds.
TIMEOUT = 0.05
_STRIKES = 3


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


@lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One regex pass per path instead of one per pattern.

    A path no ``!pattern`` touches is selected exactly when some pattern matches it, so
    the includes and the excludes each become one alternation (one on ``re`` for the
    linear globs, one under the ``regex`` timeout for the rest); only a path an exclude
    matches needs the ordered walk (``_ordered``).
    """
    spec = _spec(patterns)
    rules = tuple(
        (p.include, _compiled(p.regex.pattern))
        for p in spec.patterns
        if p.include is not None and p.regex is not None
    )
    include = _either([p.regex for p in spec.patterns if p.include is True])
    exclude = _either([p.regex for p in spec.patterns if p.include is False])
    strikes = 0  # timeouts in a row: a pathological set keeps timing out, a real one never

    def selected(path: str) -> bool:
        nonlocal strikes
        if strikes >= _STRIKES:
            return False  # a set that keeps timing out selects nothing, at once
        try:
            if exclude is not None and _search(exclude, path):
                found = _ordered(rules, path)
            else:
                found = include is not None and _search(include, path)
        except TimeoutError:
            strikes += 1
            return False
        strikes = 0
        return found

    return selected


def _ordered(rules: tuple[tuple[bool, re.Pattern[str] | _Bounded], ...], path: str) -> bool:
    """pathspec's ``GitIgnoreSpec`` verdict: the last pattern matching ``path`` as a file
    decides; only when none does, the last matching it through a directory."""
    include = False
    priority = 0
    for included, pattern in reversed(rules):
        found = pattern.search(path)
        if found is None:
            continue
        rank = 1 if found.groupdict().get(_DIR_MARK) else 2
        if rank > priority:
            include, priority = included, rank
        if rank == 2:
            break
    return include


def _search(pattern: _Either, path: str) -> bool:
    return pattern.found(path)


class _Bounded:
    """A ``regex`` pattern whose every search is time-bounded (raises ``TimeoutError``)."""

    __slots__ = ("_pattern",)

    def __init__(self, source: str) -> None:
        self._pattern = regex.compile(source, regex.VERSION0)

    def search(self, path: str) -> regex.Match[str] | None:
        return self._pattern.search(path, timeout=TIMEOUT)


class _Either:
    """An alternation in two parts: the linear sources on ``re``, the rest bounded."""

    __slots__ = ("_fast", "_slow")

    def __init__(self, fast: re.Pattern[str] | None, slow: _Bounded | None) -> None:
        self._fast, self._slow = fast, slow

    def found(self, path: str) -> bool:
        if self._fast is not None and self._fast.match(path) is not None:
            return True
        return self._slow is not None and self._slow.search(path) is not None


def _compiled(source: str) -> re.Pattern[str] | _Bounded:
    fast = linearised(source)
    return re.compile(fast) if fast is not None else _Bounded(source)


def _either(regexes: Iterable[re.Pattern[str] | None]) -> _Either | None:
    fast: list[str] = []
    slow: list[str] = []
    for r in regexes:
        if r is None:
            continue
        written = linearised(r.pattern)
        # Every translation starts with ``^``, so ``match`` (used on the fast part) finds
        # what ``search`` would without trying every later start for nothing.
        if written is not None and written.startswith("^"):
            fast.append(_NAMED_GROUP.sub("(?:", written))
        else:
            slow.append(_NAMED_GROUP.sub("(?:", r.pattern))
    if not fast and not slow:
        return None
    return _Either(
        re.compile("|".join(f"(?:{s})" for s in fast)) if fast else None,
        _Bounded("|".join(f"(?:{s})" for s in slow)) if slow else None,
    )


# The repeated atoms of pathspec's translations (see the module docstring).
_DEEP = ("(?:.+/)?", "(?:/.+)?")
_STAR, _PLUS = "[^/]*", "[^/]+"
_DIR_TAILS = ("(?:(?P<ps_d>/)|$)", "(?P<ps_d>/)")
_UNSAFE = frozenset("*+?{}()|.$")


def linear(source: str) -> bool:
    """Whether a translated glob's regex can run on ``re`` (see ``linearised``)."""
    return linearised(source) is not None


@lru_cache(maxsize=1024)
def linearised(source: str) -> str | None:
    """``source`` (a pathspec translation) rewritten to match the same paths in time
    linear in the path on a backtracking engine, or None when that cannot be shown.

    Linear as written: at most one ``**`` atom, at most one ``*`` atom a segment, and
    nothing else repeated, grouped or alternated. A segment with more ``*`` atoms
    (``*.generated.*``, ``*dashboard*.json``) is made linear by committing each ``*``
    but its last to the leftmost place the fixed-length piece after it matches:
    ``[^/]*P`` becomes the atomic ``(?>[^/]*?P)``. That loses no match: if ``P`` matched
    later, at ``q``, in some match, the leftmost place ``q' <= q`` leaves the next ``*``
    the characters from ``q'`` on, all within the segment and none of them ``/`` (a
    piece here holds only literals and ``[^/]``), so it can still reach wherever the
    match went on. The reasoning for the rest is in the module docstring.
    """
    body, tail = source, ""
    for candidate in _DIR_TAILS:
        if body.endswith(candidate):
            body, tail = body[: -len(candidate)], candidate
            break
    tokens = _tokens(body)
    if tokens is None:
        return None
    out: list[str] = []
    committed = _first_of_two_deep(tokens)
    if committed is not None:
        head, tokens = committed
        out.append(head)
    if sum(kind == "deep" for kind, _ in tokens) > 1:
        return None
    segment: list[tuple[str, str]] = []
    for kind, text in [*tokens, ("end", "")]:
        if kind in ("one", "class", "star", "plus"):
            segment.append((kind, text))
            continue
        written = _segment(segment)
        if written is None:
            return None
        out += [written, text]
        segment = []
    return "".join(out) + tail


def _first_of_two_deep(
    tokens: list[tuple[str, str]]
) -> tuple[str, list[tuple[str, str]]] | None:
    """``**/NAME/**/REST`` (``^(?:.+/)?NAME(?:/.+)?/REST``) as the atomic head
    ``^(?>(?:.+?/)??NAME/)`` and the tokens of ``(?:.+/)?REST``, or None for other shapes.

    ``(?:/.+)?/`` and ``/(?:.+/)?`` match the same strings, so the glob is
    ``^(?:.+/)?NAME/(?:.+/)?REST``. Committing the first ``**`` to the leftmost segment
    that is ``NAME`` loses no match: if a match used a later one, the second ``**`` can
    cover what lies between, since none of it is a newline (the first ``**`` covered it
    in that match, and ``NAME`` is literal characters, never a newline) and it ends with
    the ``/`` before ``REST``. One ``**`` is then left, and linear as above.
    """
    kinds = [kind for kind, _ in tokens]
    if kinds[:2] != ["anchor", "deep"] or tokens[1][1] != _DEEP[0]:
        return None
    end = 2
    while end < len(tokens) and tokens[end][0] == "one" and "\n" not in tokens[end][1]:
        end += 1
    if end == 2 or tokens[end : end + 2] != [("deep", _DEEP[1]), ("slash", "/")]:
        return None
    name = "".join(text for _, text in tokens[2:end])
    return f"^(?>(?:.+?/)??{name}/)", [("deep", _DEEP[0]), *tokens[end + 2 :]]


def _tokens(body: str) -> list[tuple[str, str]] | None:
    """The translation as atoms: ``deep``, ``star``, ``plus``, ``slash``, ``anchor``,
    ``one`` (a literal), ``class`` (``[...]``); None for anything else."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        deep = next((a for a in _DEEP if body.startswith(a, i)), None)
        if deep is not None:
            tokens.append(("deep", deep))
            i += len(deep)
        elif body.startswith(_STAR, i) or body.startswith(_PLUS, i):
            tokens.append(("star" if body.startswith(_STAR, i) else "plus", body[i : i + 5]))
            i += 5
        elif body[i] == "\\":
            if i + 1 >= len(body) or body[i + 1].isalnum():
                return None  # a class escape such as \d, not an escaped literal
            tokens.append(("one", body[i : i + 2]))
            i += 2
        elif body[i] == "[":
            first = i + 2 if body.startswith("^", i + 1) else i + 1
            end = body.find("]", first + 1)
            if end < 0:
                return None
            tokens.append(("class", body[i : end + 1]))
            i = end + 1
        elif body[i] == "^" and i == 0:
            tokens.append(("anchor", "^"))
            i += 1
        elif body[i] == "/":
            tokens.append(("slash", "/"))
            i += 1
        elif body[i] in _UNSAFE or body[i] == "^":
            return None
        else:
            tokens.append(("one", body[i]))
            i += 1
    return tokens


def _segment(atoms: list[tuple[str, str]]) -> str | None:
    """One segment's atoms written linear, or None."""
    stars = [i for i, (kind, _) in enumerate(atoms) if kind in ("star", "plus")]
    if len(stars) <= 1:
        return "".join(text for _, text in atoms)
    if any(kind == "plus" for kind, _ in atoms):
        return None
    if any(kind == "class" and text != _STAR[:-1] for kind, text in atoms):
        return None  # a class that might match "/" would break the argument
    out = "".join(text for _, text in atoms[: stars[0]])
    for star, following in pairwise(stars):
        piece = "".join(text for _, text in atoms[star + 1 : following])
        out += f"(?>[^/]*?{piece})"
    return out + "".join(text for _, text in atoms[stars[-1] :])


def matches(patterns: tuple[str, ...], path: str) -> bool:
    """Whether ``path`` is selected by ``patterns`` (later ``!pattern`` lines exclude)."""
    return bool(patterns) and _matcher(patterns)(path)


def matching(patterns: tuple[str, ...], paths: Iterable[str]) -> list[str]:
    if not patterns:
        return []
    selected = _matcher(patterns)
    return [p for p in paths if selected(p)]


UNCLOSED_CLASS = "`[` opens a character class that is never closed (write `\\[` for a bracket)"
BRACES = (
    "braces are not expanded in gitignore-style patterns: write one pattern per "
    "alternative (`deploy/{a,b}/**` is `deploy/a/**` and `deploy/b/**`)"
)
STARS = "`***` is no pattern: `*` matches within a path segment, `**` across segments"
NOTHING = "`!` alone excludes nothing: write the pattern to exclude after it"
DANGLING_ESCAPE = "a trailing `\\` escapes nothing"


def syntax_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not the glob its author meant, or None.

    pathspec quietly turns ``src/[abc`` into a pattern that matches nothing, and reads
    ``deploy/{a,b}`` literally and ``**/***`` as ``*``: the config would validate and select
    nothing (or everything) without a word, so these are refused where they are written.
    """
    text = pattern[1:] if pattern.startswith("!") else pattern
    if not text.strip():
        return NOTHING if pattern.startswith("!") else None
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text):
                return DANGLING_ESCAPE
            i += 2
            continue
        if char == "[":
            end = _class_end(text, i)
            if end is None:
                return UNCLOSED_CLASS
            i = end + 1
            continue
        if char in "{}":
            return BRACES
        if text.startswith("***", i):
            return STARS
        i += 1
    return None


def _class_end(text: str, start: int) -> int | None:
    """The index of the ``]`` closing the class opened at ``start`` (``[]a]``, ``[!]a]``)."""
    i = start + 1
    if i < len(text) and text[i] in "!^":
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1  # a leading ] is a member, as in fnmatch
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "]":
            return i
        if text[i] == "/":
            return None  # a class never spans segments
        i += 1
    return None
