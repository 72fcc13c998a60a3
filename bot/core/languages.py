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
- Rust: ``fn`` (a method when indented, in an ``impl`` or ``trait``); an endpoint under
  actix-web's or Rocket's ``#[get("/x")]``; a handler taking axum or actix extractors
  (``Json<…>``, ``State<…>``, ``web::Path<…>``); a gRPC method taking tonic's ``Request<…>``.

Besides routes and handlers, entry points are gRPC service methods, message consumers
(Celery tasks, ``@KafkaListener``, NestJS ``@MessagePattern``, Go functions taking a
sarama claim or an AMQP delivery), scheduled jobs (``@Scheduled``, ``@Cron``, APScheduler,
``cron.AddFunc``) and CLI commands (click/Typer, cobra, urfave/cli). Where a body ends is
``bot.core.bodies``' business.
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
    SERVICE = "gRPC method"  # implements a generated gRPC service interface
    CONSUMER = "message consumer"  # called per message of a queue or topic
    JOB = "scheduled job"  # run by a scheduler
    COMMAND = "CLI command"  # run as a command of the program


ENTRY_POINTS = frozenset(
    {Kind.HANDLER, Kind.ENDPOINT, Kind.SERVICE, Kind.CONSUMER, Kind.JOB, Kind.COMMAND}
)
"""Kinds where work enters the program: what a reviewer wants a span on first."""


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    kind: Kind
    line: int  # 0-based index of the definition's line in the searched text
    indent: int  # columns of leading whitespace (a tab counts as 4)
    decorators: int = 0  # decorator or annotation lines directly above it
    public: bool = True  # exported from its module by the language's convention
    inner: bool = False  # by its shape, defined inside another function (a closure)
    test: bool = False  # a test, benchmark or test helper by its signature or attributes
    opening: int = 0  # offset in the text from which its body's opening brace is looked for
    first_param: str = ""  # the first parameter's name after self/cls (Python: request?)

    @property
    def entry_point(self) -> bool:
        return self.kind in ENTRY_POINTS


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
    # Whether bodies are delimited by braces (else by indentation, as in Python).
    braces: bool = True
    # What opens a decorator, annotation or attribute line above a definition.
    decorator: str = "@"
    # Decorators (or attributes) that make a definition an entry point, by kind.
    entry_decorators: tuple[tuple[Kind, re.Pattern[str]], ...] = ()
    # Parameter lists that make a definition an entry point, by kind.
    entry_params: tuple[tuple[Kind, re.Pattern[str]], ...] = ()
    # Decorators, attributes or parameters that mark a test, benchmark or test helper.
    test_marks: re.Pattern[str] | None = None


_M = re.MULTILINE
_MAX_PARAMS = 500  # characters of a wrapped parameter list read for its kind
_MAX_DECORATOR_LINES = 40  # lines one wrapped decorator may take (utoipa's run long)
_NOT_NAMES = frozenset(
    {
        "if", "for", "while", "switch", "catch", "with", "function", "return", "else", "do",
        "try", "new", "await", "typeof", "synchronized", "throw", "case", "yield", "super",
        "this", "match", "loop", "unsafe",
    }
)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})


def _entries(*pairs: tuple[Kind, str]) -> tuple[tuple[Kind, re.Pattern[str]], ...]:
    return tuple((kind, re.compile(pattern)) for kind, pattern in pairs)


PYTHON = Language(
    name="Python",
    extensions=(".py",),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)[ \t]*\((?P<params>[^)\n]*)",
            _M,
        ),
    ),
    # Flask, FastAPI, aiohttp route tables, Quart, Sanic; DRF's @api_view and @action.
    endpoint_decorator=re.compile(
        r"^[ \t]*@(?!(?:mock|patch|unittest\.mock|mocker)\.)[\w.]+\."
        r"(?:get|post|put|patch|delete|head|options|route|api_route|websocket)\("
        r"|^[ \t]*@(?:rest_framework\.decorators\.)?(?:api_view|action)\b"
    ),
    example='open a span at its top: `with tracer.start_as_current_span("{name}"):`',
    comments=("#",),
    fences=('"""', "'''"),
    braces=False,
    entry_decorators=_entries(
        # Celery, Dramatiq, Huey, RQ, Faust agents, FastStream subscribers, Kafka consumers.
        (Kind.CONSUMER, r"^[ \t]*@(?:[\w.]+\.)?(?:task|shared_task|actor|agent|subscriber"
                        r"|consumer|job)\b"),
        # APScheduler, Celery beat, Huey periodic tasks, fastapi-utils' repeat_every.
        (Kind.JOB, r"^[ \t]*@(?:[\w.]+\.)?(?:scheduled_job|periodic_task|periodic|cron"
                   r"|repeat_every|timer)\b"),
        # click and Typer commands and groups.
        (Kind.COMMAND, r"^[ \t]*@(?:[\w.]+\.)?(?:command|group)\b"),
    ),
    test_marks=re.compile(r"^[ \t]*@(?:pytest\.fixture|pytest\.mark|fixture)\b"),
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
        # robfig/cron and gocron registrations of a function literal.
        re.compile(
            r"^(?P<indent>[ \t]*)[\w.]+\.(?P<job>AddFunc|AddJob)\([ \t]*\"(?P<spec>[^\"\n]*)\""
            r"[ \t]*,[ \t]*func\b",
            _M,
        ),
    ),
    endpoint_decorator=None,
    example=(
        'start a span first thing: `ctx, span := otel.Tracer("…").Start(ctx, "{name}")` '
        "then `defer span.End()`"
    ),
    fences=("`",),
    entry_params=_entries(
        # net/http (and chi, gorilla/mux, which take it), gin, echo, fiber, fasthttp.
        (Kind.HANDLER, r"http\.ResponseWriter|\*gin\.Context|echo\.Context|\*fiber\.Ctx"
                       r"|\*fasthttp\.RequestCtx"),
        # Kafka (sarama, confluent, segmentio), AMQP, NATS, NSQ, SQS, Pub/Sub.
        (Kind.CONSUMER, r"sarama\.ConsumerGroupClaim|\*sarama\.ConsumerMessage|amqp\w*\.Delivery"
                        r"|\*nats\.Msg|jetstream\.Msg|\*nsq\.Message|\*kafka\.Message"
                        r"|\*pubsub\.Message"),
        # cobra and urfave/cli commands.
        (Kind.COMMAND, r"\*cobra\.Command|\*cli\.Context|\*cli\.Command"),
    ),
    test_marks=re.compile(r"\*testing\.[TBMF]\b|testing\.TB\b"),
)

JAVASCRIPT = Language(
    name="JavaScript/TypeScript",
    extensions=(".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)(?P<export>export[ \t]+)?(?:default[ \t]+)?(?:async[ \t]+)?"
            r"function\b[ \t]*\*?[ \t]*(?P<name>[\w$]+)[ \t]*[<(](?P<params>[^)\n]*)",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]*)(?P<export>export[ \t]+)?(?:const|let|var)[ \t]+(?P<name>[\w$]+)"
            r"[ \t]*(?::[^=\n]+)?=[ \t]*(?:async[ \t]+)?"
            r"(?:function\b|(?:(?:<[^>\n]*>[ \t]*)?\((?P<params>[^)\n]*)\)|[\w$]+)"
            r"[ \t]*(?::[^=\n]*)?=>)",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]*)(?P<export>(?:module\.)?exports\.)(?P<name>[\w$]+)[ \t]*=[ \t]*"
            r"(?:async[ \t]+)?(?:function\b|(?:\((?P<params>[^)\n]*)\)|[\w$]+)[ \t]*=>)",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]+)(?P<mods>(?:(?:public|private|protected|static|async|override|"
            r"readonly|get|set)[ \t]+)*)\*?(?P<name>[\w$#]+)[ \t]*(?:<[^>\n]*>)?"
            r"\((?P<params>(?:[^()\n]|\([^()\n]*\))*)\)[ \t]*"  # parameter decorators: @Param('id')
            r"(?::[^{\n]+)?\{[ \t]*$",
            _M,
        ),
        re.compile(
            r"^(?P<indent>[ \t]*)(?:app|router|server|api|routes|fastify|\w*[Rr]outer|\w*[Aa]pp)\."
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
    entry_decorators=_entries(
        (Kind.SERVICE, r"^[ \t]*@Grpc(?:Stream)?Method\("),
        # NestJS microservices, Bull queues, event emitters, SQS and RabbitMQ handlers.
        (Kind.CONSUMER, r"^[ \t]*@(?:MessagePattern|EventPattern|Process|OnEvent"
                        r"|SqsMessageHandler|RabbitSubscribe|RabbitRPC|OnQueue\w*)\("),
        (Kind.JOB, r"^[ \t]*@(?:Cron|Interval|Timeout)\("),
        (Kind.COMMAND, r"^[ \t]*@(?:Command|SubCommand)\("),
    ),
    entry_params=_entries(
        # Express, Koa, Fastify and Next.js API handlers by their parameters.
        (Kind.HANDLER, r"^\s*(?:req|request)\b[^,]*,\s*(?:res|response|reply)\b"
                       r"|^\s*ctx\b[^,]*,\s*next\b"),
    ),
)

JAVA = Language(
    name="Java",
    extensions=(".java",),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)(?:@[\w$.]+(?:\([^()\n]*\))?[ \t]+)*"  # annotations inline
            r"(?P<mods>(?:(?:public|protected|private|static|final|abstract|"
            r"synchronized|default|native)[ \t]+)*)(?:<[^>\n]*>[ \t]+)?"
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
    entry_decorators=_entries(
        (Kind.CONSUMER, r"^[ \t]*@(?:KafkaListener|RabbitListener|JmsListener|SqsListener"
                        r"|StreamListener|Incoming|ServiceActivator|KafkaHandler)\b"),
        (Kind.JOB, r"^[ \t]*@(?:Scheduled|Schedule|SchedulerLock)\b"),
    ),
    entry_params=_entries(
        (Kind.SERVICE, r"\bStreamObserver<"),
        (Kind.HANDLER, r"\bHttpServletResponse\b|\bServerRequest\b|\bHttpExchange\b"),
    ),
    test_marks=re.compile(r"^[ \t]*@(?:Test|ParameterizedTest|BeforeEach|AfterEach|Benchmark)\b"),
)

RUST = Language(
    name="Rust",
    extensions=(".rs",),
    patterns=(
        re.compile(
            r"^(?P<indent>[ \t]*)(?P<mods>(?:pub(?:[ \t]*\([^)\n]*\))?[ \t]+)?"
            r"(?:(?:default|const|async|unsafe|extern(?:[ \t]+\"[^\"\n]*\")?)[ \t]+)*)"
            r"fn[ \t]+(?P<name>\w+)[ \t]*(?:<[^(\n]*>)?[ \t]*\((?P<params>[^)\n]*)",
            _M,
        ),
    ),
    # actix-web and Rocket route attributes; poem's and salvo's #[handler]; an OpenAPI
    # operation documented with utoipa's #[utoipa::path(get, path = "/x")].
    endpoint_decorator=re.compile(
        r"^[ \t]*#\[(?:actix_web::|rocket::)?(?:get|post|put|patch|delete|head|options|route"
        r"|handler)\b|^[ \t]*#\[utoipa::path\b"
    ),
    example=(
        "annotate it `#[tracing::instrument]`, or enter a span first thing: "
        '`let _span = tracing::info_span!("{name}").entered();`'
    ),
    decorator="#[",
    entry_params=_entries(
        # tonic service implementations (also `Request<…>` returning `Result<Response<…>,
        # Status>`, below).
        (Kind.SERVICE, r"\btonic::(?:Request|Streaming)<"),
        # axum's extractors and actix-web's.
        (Kind.HANDLER, r"\b(?:Json|Path|Query|State|Extension|Form|TypedHeader|ConnectInfo"
                       r"|web::Json|web::Path|web::Query|web::Data|web::Form)\s*[<(]"
                       r"|\bWebSocketUpgrade\b|\bMultipart\b|\bHttpRequest\b"),
    ),
    test_marks=re.compile(r"^[ \t]*#\[(?:\w+::)?(?:test|bench|rstest|quickcheck|proptest)\b"),
)

LANGUAGES = (PYTHON, GO, JAVASCRIPT, JAVA, RUST)
_BY_EXTENSION = {ext: lang for lang in LANGUAGES for ext in lang.extensions}
# Source languages perfbot does not read yet, by extension: the instrumentation rule names
# them when they change, rather than pass over them.
NOT_READ: dict[str, str] = {
    ".c": "C", ".h": "C/C++", ".cc": "C++", ".cpp": "C++", ".cxx": "C++", ".hpp": "C++",
    ".hh": "C++", ".cs": "C#", ".kt": "Kotlin", ".kts": "Kotlin", ".scala": "Scala",
    ".rb": "Ruby", ".php": "PHP", ".swift": "Swift", ".m": "Objective-C",
    ".mm": "Objective-C", ".ex": "Elixir", ".exs": "Elixir", ".erl": "Erlang",
    ".hs": "Haskell", ".clj": "Clojure", ".dart": "Dart", ".lua": "Lua", ".zig": "Zig",
    ".fs": "F#", ".ml": "OCaml", ".cr": "Crystal", ".groovy": "Groovy", ".pl": "Perl",
}
READ_PATHS = tuple(f"**/*{ext}" for lang in LANGUAGES for ext in lang.extensions)
NOT_READ_PATHS = tuple(f"**/*{ext}" for ext in NOT_READ)


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
    decorators = _decorators_above(text, m.start(), language.decorator)
    params = _params(m, text)
    own = (*decorators, m.group(0))
    signature = (text[m.start("params"):m.start("params") + _MAX_PARAMS]
                 if language in (RUST, GO) and groups.get("params") is not None else "")
    kind = _kind(language, groups, own, params, name, indent, signature)
    first = ""
    inner = False
    if language is PYTHON:
        names = [p.split(":")[0].split("=")[0].strip() for p in params.split(",")]
        method = bool(indent) and names[0] in ("self", "cls")
        rest = names[1:] if method else names
        first = rest[0] if rest else ""
        if kind is Kind.FUNCTION and method:
            kind = Kind.METHOD
        static = any(d.lstrip().startswith(("@staticmethod", "@classmethod")) for d in decorators)
        inner = bool(indent) and not method and not static
    elif language is JAVASCRIPT:
        # A class method has its own pattern; a `const f = () =>` or a `function` indented
        # under something else is a closure or callback.
        inner = bool(indent) and groups.get("mods") is None and groups.get("route") is None
    test = language.test_marks is not None and any(
        language.test_marks.search(d) for d in (*decorators, params)
    )
    return Definition(
        name=name,
        kind=kind,
        line=line,
        indent=indent,
        decorators=len(decorators),
        public=_public(language, groups, name),
        inner=inner,
        test=test,
        opening=m.end() if groups.get("route") or groups.get("job") else m.start(),
        first_param=first,
    )


def _kind(
    language: Language, groups: dict[str, str], own: tuple[str, ...], params: str, name: str,
    indent: int, signature: str = "",
) -> Kind:
    """Entry points first: by route, decorator or signature; then method or function."""
    if groups.get("route") is not None or (language.endpoint_decorator is not None and any(
        language.endpoint_decorator.match(d) for d in own
    )):
        return Kind.ENDPOINT
    if groups.get("job"):
        return Kind.JOB
    for kind, pattern in language.entry_decorators:
        if any(pattern.match(d) for d in own):
            return kind
    for kind, pattern in language.entry_params:
        if pattern.search(params) and not (language is GO and _go_helper(kind, params, signature)):
            return kind
    if language is GO:
        if name == "ServeHTTP":
            return Kind.HANDLER
        if groups.get("recv") and _GO_GRPC.search(params):
            return Kind.SERVICE
        return Kind.METHOD if groups.get("recv") else Kind.FUNCTION
    if language is PYTHON and _PY_GRPC.match(params):
        return Kind.SERVICE
    if language is PYTHON and _PY_REQUEST.match(params):
        return Kind.ENDPOINT
    if language is RUST and _RUST_GRPC.search(signature):
        return Kind.SERVICE
    if indent and language in (JAVASCRIPT, JAVA, RUST):
        return Kind.METHOD
    return Kind.FUNCTION


# gRPC servicers: Python's (self, request, context); Go's (ctx context.Context, req *pb.XRequest)
# or a streaming (req *pb.X, stream pb.Svc_MethodServer).
_PY_GRPC = re.compile(r"\s*self\s*,\s*request\b[^,]*,\s*context\b")
# aiohttp and Django handlers by the request they take.
_PY_REQUEST = re.compile(r"\s*(?:self\s*,\s*)?\w+\s*:\s*(?:web\.Request|HttpRequest)\b")
_RUST_GRPC = re.compile(
    r"&self\s*,\s*\w+\s*:\s*Request<[^)]*\)\s*->\s*Result<\s*Response<[^{;]*Status\s*>"
)
_GO_GRPC = re.compile(
    r"^\s*\w+\s+context\.Context\s*,\s*\w+\s+\*[\w.]*(?:Request|Req)\b"
    r"|\b\w+\s+[\w.]+_\w+Server\s*$"
)


_GO_VOID_HANDLER = re.compile(r"http\.ResponseWriter|\*gin\.Context|\*fasthttp\.RequestCtx")
_GO_RESULTS = re.compile(r"^[^)]*\)[ \t]*([^{\n]*)\{")


def _go_helper(kind: Kind, params: str, signature: str) -> bool:
    """A Go function taking a net/http, gin or fasthttp request that returns something is
    a helper a handler calls (``Bind(c *gin.Context) error``), not a handler: those
    frameworks' handlers return nothing."""
    if kind is not Kind.HANDLER or not _GO_VOID_HANDLER.search(params):
        return False
    results = _GO_RESULTS.match(signature)
    return results is not None and bool(results.group(1).strip())


def _public(language: Language, groups: dict[str, str], name: str) -> bool:
    """Exported from its module by the language's convention."""
    if language is PYTHON:
        return not name.startswith("_")
    if language is GO:
        return name[:1].isupper()
    if language is JAVASCRIPT:
        if groups.get("mods") is not None:  # a class method
            return "private" not in groups["mods"] and not name.startswith(("#", "_"))
        return bool(groups.get("export")) or groups.get("route") is not None
    mods = groups.get("mods") or ""
    if language is RUST:
        return mods.startswith("pub") and not mods.startswith("pub(") and "pub (" not in mods
    return "public" in mods or "protected" in mods


def _params(m: re.Match[str], text: str) -> str:
    """The parameter list, also when a formatter wrapped it onto the following lines."""
    if "params" not in m.re.groupindex or m.group("params") is None:
        return ""
    start = m.start("params")
    end = text.find(")", start, start + _MAX_PARAMS)
    return text[start:end if end >= 0 else start + _MAX_PARAMS]


def _route_name(groups: dict[str, str]) -> str:
    if groups.get("job"):
        return f"{groups['job']} {groups.get('spec') or ''}".strip()
    verb = groups.get("verb") or ""
    route = groups.get("route") or ""
    if verb.lower() in ("handlefunc", "handle", "any", "all", "use"):
        return route
    return f"{verb.upper()} {route}"


def _decorators_above(text: str, start: int, prefix: str = "@") -> list[str]:
    """Decorator lines directly above the line at ``start``, nearest first.

    A decorator opens with ``prefix`` (``@``; Rust's attributes ``#[``); its arguments
    may wrap onto lines of their own (``@GetMapping(`` then ``value = "/x")``), which
    count when its parentheses close there.
    """
    found: list[str] = []
    pending: list[str] = []  # lines above that only a wrapped decorator can explain
    end = start - 1
    while end > 0 and len(pending) <= _MAX_DECORATOR_LINES:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end]
        end = begin - 1
        if not line.lstrip().startswith(prefix):
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
