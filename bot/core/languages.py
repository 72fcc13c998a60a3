"""Where new functions, methods, handlers and endpoints begin, per language.

Pure and heuristic on purpose: perfbot sees diffs, not parse trees, so each language
is a few line-anchored patterns over added lines, searched as one text. What they
catch, per language:

- Python: ``def`` and ``async def`` (a method when indented and taking ``self`` or
  ``cls``); an endpoint when decorated with a route (``@app.get(...)``,
  ``@router.post(...)``, ``@bp.route(...)``).
- Go: ``func`` (a method with a receiver); a handler when it takes an
  ``http.ResponseWriter`` or a gin/echo/fiber context; an endpoint when a function
  literal is registered inline (``mux.HandleFunc("/x", func(...``, ``r.GET("/x", func``).
- JavaScript and TypeScript: ``function`` declarations, arrow functions and function
  expressions assigned to ``const``/``let``/``var`` or ``exports.x``, class and object
  methods; an
  endpoint for express-style ``app.get("/x", ...)`` and NestJS ``@Get()``.
- Java: method and constructor declarations; an endpoint when annotated with Spring's
  ``@GetMapping`` & co. or JAX-RS ``@GET``/``@Path``.

Indentation stands in for nesting (formatters make the two agree): a definition's body
runs to the next definition at the same or a lower indentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Kind(StrEnum):
    FUNCTION = "function"
    METHOD = "method"
    HANDLER = "handler"  # serves requests by its signature
    ENDPOINT = "endpoint"  # registered on a route


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    kind: Kind
    line: int  # 0-based index of the definition's line in the searched text
    indent: int  # columns of leading whitespace (a tab counts as 4)
    decorators: int = 0  # decorator or annotation lines directly above it


@dataclass(frozen=True, slots=True)
class Language:
    name: str
    extensions: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    endpoint_decorator: re.Pattern[str] | None
    # How to instrument a function named {name}, as the message shows it.
    example: str
    # What opens a line comment, and what opens and closes a multi-line string: such
    # lines may start at column 0 inside a body (editors comment out there; SQL in a
    # string), so they say nothing about where the body ends.
    comments: tuple[str, ...] = ("//", "/*", "*")
    fences: tuple[str, ...] = ()


_M = re.MULTILINE
_GO_HANDLER_PARAMS = re.compile(
    r"http\.ResponseWriter|\*gin\.Context|echo\.Context|\*fiber\.Ctx|\*http\.Request"
)
_MAX_PARAMS = 500  # characters of a wrapped parameter list read for its kind
_MAX_DECORATOR_LINES = 20  # lines one wrapped decorator may take
_NOT_NAMES = frozenset(
    {
        "if", "for", "while", "switch", "catch", "with", "function", "return", "else", "do",
        "try", "new", "await", "typeof", "synchronized", "throw", "case", "yield", "super",
        "this",
    }
)

PYTHON = Language(
    name="Python",
    extensions=(".py",),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)[ \t]*\((?P<params>[^)\n]*)",
            _M,
        ),
    ),
    endpoint_decorator=re.compile(
        r"^[ \t]*@[\w.]+\.(?:get|post|put|patch|delete|head|options|route|api_route|websocket)\("
    ),
    example='open a span at its top: `with tracer.start_as_current_span("{name}"):`',
    comments=("#",),
    fences=('"""', "'''"),
)

GO = Language(
    name="Go",
    extensions=(".go",),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)func[ \t]+(?:\((?P<recv>[^)\n]*)\)[ \t]*)?(?P<name>\w+)"
            r"[ \t]*(?:\[[^\]\n]*\][ \t]*)?\((?P<params>[^)\n]*)",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]*)[\w.]+\.(?P<verb>HandleFunc|Handle|GET|POST|PUT|PATCH|DELETE|"
            r"Get|Post|Put|Patch|Delete|Any)\([ \t]*\"(?P<route>[^\"\n]*)\"[ \t]*,[ \t]*func\b",
            _M,
        ),
    ),
    endpoint_decorator=None,
    example=(
        'start a span first thing: `ctx, span := otel.Tracer("…").Start(ctx, "{name}")` '
        "then `defer span.End()`"
    ),
    fences=("`",),
)

JAVASCRIPT = Language(
    name="JavaScript/TypeScript",
    extensions=(".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)(?:export[ \t]+)?(?:default[ \t]+)?(?:async[ \t]+)?"
            r"function\b[ \t]*\*?[ \t]*(?P<name>[\w$]+)[ \t]*[<(]",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]*)(?:export[ \t]+)?(?:const|let|var)[ \t]+(?P<name>[\w$]+)"
            r"[ \t]*(?::[^=\n]+)?=[ \t]*(?:async[ \t]+)?"
            r"(?:function\b|(?:(?:<[^>\n]*>[ \t]*)?\([^)\n]*\)|[\w$]+)"
            r"[ \t]*(?::[^=\n]*)?=>)",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]*)(?:module\.)?exports\.(?P<name>[\w$]+)[ \t]*=[ \t]*"
            r"(?:async[ \t]+)?(?:function\b|(?:\([^)\n]*\)|[\w$]+)[ \t]*=>)",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]+)(?:(?:public|private|protected|static|async|override|readonly|"
            r"get|set)[ \t]+)*\*?(?P<name>[\w$]+)[ \t]*(?:<[^>\n]*>)?"
            r"\((?:[^()\n]|\([^()\n]*\))*\)[ \t]*"  # parameter decorators: @Param('id')
            r"(?::[^{\n]+)?\{[ \t]*$",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]*)(?:app|router|server|api|routes|\w*[Rr]outer|\w*[Aa]pp)\."
            r"(?P<verb>get|post|put|patch|delete|all|head|options)\([ \t]*"
            r"(?P<q>['\"`])(?P<route>/[^'\"`\n]*)(?P=q)",
            _M,
        ),
    ),
    endpoint_decorator=re.compile(r"^[ \t]*@(?:Get|Post|Put|Patch|Delete|All|Head|Options)\("),
    example=(
        'wrap its body in a span: `return tracer.startActiveSpan("{name}", (span) => '
        "{{ try {{ … }} finally {{ span.end(); }} }})`"
    ),
    fences=("`",),
)

JAVA = Language(
    name="Java",
    extensions=(".java",),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)(?:@[\w$.]+(?:\([^()\n]*\))?[ \t]+)*"  # annotations inline
            r"(?:(?:public|protected|private|static|final|abstract|"
            r"synchronized|default|native)[ \t]+)*(?:<[^>\n]*>[ \t]+)?"
            r"(?P<type>[\w$][\w$.]*(?:<[^=;\n]*>)?(?:\[\])*)[ \t]+(?P<name>[\w$]+)[ \t]*"
            r"\((?P<params>[^;{}]{0,2000}?)\)\s{0,100}(?:throws\s{1,100}[\w$.,\s]{1,500}?)?\{",
            _M,
        ),
    ),
    endpoint_decorator=re.compile(
        r"^[ \t]*@(?:(?:Get|Post|Put|Patch|Delete|Request)Mapping|GET|POST|PUT|PATCH|DELETE|Path)\b"
    ),
    example='annotate it `@WithSpan("{name}")` (OpenTelemetry) or `@Timed("{name}")` (Micrometer)',
    fences=('"""',),
)

LANGUAGES = (PYTHON, GO, JAVASCRIPT, JAVA)
_BY_EXTENSION = {ext: lang for lang in LANGUAGES for ext in lang.extensions}


def language_of(path: str) -> Language | None:
    """The language of a file, by its extension; None for anything else (``.d.ts``: types only)."""
    if path.endswith(".d.ts"):
        return None
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    return _BY_EXTENSION.get(path[dot:].lower())


def definitions(language: Language, text: str) -> list[Definition]:
    """Definitions in ``text`` (lines joined by ``\\n``), in order, one per line at most."""
    found: dict[int, Definition] = {}
    starts = _LineStarts(text)
    for pattern in language.patterns:
        for m in pattern.finditer(text):
            line = starts.line_of(m.start())
            if line in found:
                continue
            definition = _definition(language, m, line, text)
            if definition is not None:
                found[line] = definition
    return [found[line] for line in sorted(found)]


def _definition(language: Language, m: re.Match[str], line: int, text: str) -> Definition | None:
    groups = m.groupdict()
    name = groups["name"] if groups.get("name") else _route_name(groups)
    if name in _NOT_NAMES or groups.get("type") in _NOT_NAMES:
        return None
    indent = _width(groups["indent"])
    decorators = _decorators_above(text, m.start())
    kind = Kind.FUNCTION
    if groups.get("route") is not None or (language.endpoint_decorator is not None and any(
        language.endpoint_decorator.match(d) for d in (*decorators, m.group(0))
    )):
        kind = Kind.ENDPOINT
    elif language is GO and _GO_HANDLER_PARAMS.search(_params(m, text)):
        kind = Kind.HANDLER
    elif groups.get("recv"):
        kind = Kind.METHOD
    elif language is PYTHON:
        first = _params(m, text).split(",")[0].split(":")[0].split(")")[0].strip()
        if indent and first in ("self", "cls"):
            kind = Kind.METHOD
    elif indent and language in (JAVASCRIPT, JAVA):
        kind = Kind.METHOD
    return Definition(name=name, kind=kind, line=line, indent=indent, decorators=len(decorators))


def _params(m: re.Match[str], text: str) -> str:
    """The parameter list, also when a formatter wrapped it onto the following lines."""
    if "params" not in m.re.groupindex or m.group("params") is None:
        return ""
    start = m.start("params")
    end = text.find(")", start, start + _MAX_PARAMS)
    return text[start:end if end >= 0 else start + _MAX_PARAMS]


def _route_name(groups: dict[str, str]) -> str:
    verb = groups.get("verb") or ""
    route = groups.get("route") or ""
    if verb.lower() in ("handlefunc", "handle", "any", "all", "use"):
        return route
    return f"{verb.upper()} {route}"


def _decorators_above(text: str, start: int) -> list[str]:
    """Decorator lines directly above the line at ``start``, nearest first.

    A decorator opens with ``@``; its arguments may wrap onto lines of their own
    (``@GetMapping(`` then ``value = "/x")``), which count when its parentheses close there.
    """
    found: list[str] = []
    pending: list[str] = []  # lines above that only a wrapped decorator can explain
    end = start - 1
    while end > 0 and len(pending) <= _MAX_DECORATOR_LINES:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end]
        end = begin - 1
        if not line.lstrip().startswith("@"):
            if not pending and line.count(")") <= line.count("("):
                break  # a wrapped decorator's last line closes its parenthesis
            pending.append(line)
            continue
        if pending and not _wraps(line, pending):
            break
        found.append(line)
        found.extend(pending)
        pending = []
    return found


def _wraps(decorator: str, below: list[str]) -> bool:
    """Whether ``decorator`` opens a parenthesis that the lines ``below`` it close."""
    opened = decorator.count("(") - decorator.count(")")
    return opened > 0 and opened == sum(b.count(")") - b.count("(") for b in below)


def _width(indent: str) -> int:
    return len(indent.expandtabs(4))


class _LineStarts:
    """Offset → line index for matches met in increasing order (one pattern's finditer)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 0

    def line_of(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 0
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


@lru_cache(maxsize=64)
def example(language_name: str, name: str) -> str:
    """How to instrument ``name`` in the language called ``language_name``."""
    for language in LANGUAGES:
        if language.name == language_name:
            return language.example.format(name=name)
    return ""
