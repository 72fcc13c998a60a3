"""Implementation stage: new entry points, and optionally other functions, come instrumented.

Which new definitions must be instrumented is ``functions``:

- ``entry-points`` (the default): where work enters the program, recognised per
  framework (see ``bot.core.languages``): request handlers, routes and endpoints, gRPC
  service methods, message consumers, scheduled jobs and CLI commands. These are where
  a reviewer wants a span first; a helper three calls down is covered by its caller's.
- ``exported``: those, and public functions and methods in the paths the objectives
  file gives a journey: the code a journey's SLI runs through.
- ``all``: every new function and method.

How "instrumented" is judged: per definition. A new function's region is its own
added lines, from its decorators or annotations to the end of its body (see
``bot.core.bodies``: by braces, or by indentation in Python). The function is
instrumented when a configured instrumentation pattern (a preset's or the team's own)
matches a line of that region, so one span in a file does not excuse its other new
functions, and a decorator such as ``@WithSpan``, ``@Timed`` or ``#[instrument]``
counts. The patterns are calls of a tracer, meter, profiler, or a log line reporting
elapsed time; a name alone (``Counter`` from ``collections``) is not instrumentation.

Never checked: tests, examples, scripts, docs, vendored and generated code (``exclude``),
definitions marked as tests by their signature (``*testing.T``, ``#[test]``,
``@pytest.fixture``) or inside a Rust ``#[cfg(test)]`` module, a definition nested in
one already checked (the outer one covers it), a definition whose name the same file's patch
also removes (a changed signature or a move, not a new function). Besides entry points,
also names matching ``ignore_names`` (option builders such as Go's ``WithX``, dunders,
``init``), closures inside unchanged functions and functions under
``min_function_lines`` non-blank lines (getters, one-line delegations). An entry point
whose body does nothing (a click group holding only a docstring) is not asked for.

Files in languages perfbot cannot read are named in the row, never passed over.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated

from bot.core import bodies, languages, patterns
from bot.core import objectives_file as objectives_doc
from bot.core.addedtext import Changed
from bot.core.binding import Count, Globs, OneOf, Regexes
from bot.core.corpus import Corpus, build
from bot.core.facts import FileStatus, PullRequest, Wants
from bot.core.globs import matches
from bot.core.languages import Definition, Kind, Language
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope, match
from bot.core.rules.sources import NOT_PRODUCTION, select

ID = "instrumentation"
TITLE = "Instrumentation"
STAGE = Stage.IMPLEMENTATION

UNSUPPORTED = languages.NOT_READ
SOURCE_PATHS = languages.READ_PATHS
UNSUPPORTED_PATHS = languages.NOT_READ_PATHS


class Functions(StrEnum):
    ENTRY_POINTS = "entry-points"
    EXPORTED = "exported"
    ALL = "all"


# Instrumentation presets, by ecosystem; ``presets`` in the config picks them by name.
# Each pattern is a call of an instrumentation API (or its decorator), never a bare
# name that other libraries share.
PRESETS: dict[str, tuple[str, ...]] = {
    "opentelemetry": (
        r"start_as_current_span\(",
        r"\bstart_span\(",
        r"\bstartSpan\(",
        r"\bstartActiveSpan\(",
        r"\btracer\.Start\(",
        r"\bspanBuilder\(",
        r"@WithSpan\b",
        r"\botel\w*\.",
        r"\bopentelemetry\b",
    ),
    "prometheus": (
        r"\.(?:observe|Observe)\(",
        r"\.(?:inc|Inc|dec|Dec)\(",
        r"\bprom(?:auto|etheus)\.New\w+\(",
        r"\.(?:labels|WithLabelValues)\(",
        r"(?:\bwith|@)[ \t]*[\w.]+\.time\(\)",
        r"\bprometheus\.NewTimer\(",
    ),
    "micrometer": (
        r"@(?:Timed|Counted)\b",
        r"\b(?:Timer|Counter|DistributionSummary|LongTaskTimer)\.builder\(",
        r"(?i)\bmeterRegistry\.",
        r"\bMetrics\.(?:timer|counter|gauge|summary)\(",
    ),
    "statsd": (
        r"(?i)\b(?:dog)?statsd\w*\.",
        r"@(?:statsd|metrics)\.timed?\b",
    ),
    "profiling": (
        r"\bpprof\.",
        r"\bpyroscope\.",
        r"@profile\b",
        r"\bcProfile\b",
        r"\bprofiler\.",
        r"\bconsole\.(?:profile|time)\(",
        r"\bperformance\.(?:mark|measure)\(",
    ),
    "tracing": (  # Rust's tracing crate
        r"#\[(?:tracing::)?instrument\b",
        r"\b(?:trace|debug|info|warn|error)_span!\(",
        r"\bspan!\(",
        r"\.instrument\(",
    ),
    "metrics": (  # Rust's metrics crate
        r"\b(?:counter|gauge|histogram)!\(",
    ),
    "timing": (  # APIs that time a block and log or record how long it took
        r"@(?:timed|timer|timeit|log_time|log_duration|log_execution_time)\b",
        r"\bconsole\.time(?:End|Log)?\(",
        r"\bcodetiming\.|\bStopwatch\.(?:StartNew|createStarted)\(",
        r"\bObserveDuration\(",
    ),
}

UNKNOWN_PRESET = "Unknown instrumentation preset {names} in `presets`; known presets: {known}."
NOTHING_NEW = "No new function, method, handler or endpoint in the changed source files."
NO_ENTRY_POINT = (
    "No new entry point (request handler, route, gRPC method, message consumer, scheduled "
    "job or CLI command) in the changed source files."
)
NOTHING_EXPORTED = (
    "No new entry point, nor public function in a journey's paths, in the changed source files."
)
NOT_REQUIRED = " {count:,} other new function{s} {verb} not required to be (`functions: {mode}`)."
ALL_INSTRUMENTED = "All {count:,} new {noun} in this PR are instrumented."
ONE_INSTRUMENTED = "The new {noun} in this PR is instrumented."
MISSING = "{count:,} new {noun} in this PR {verb} no instrumentation: {shown}"
FIX = (
    "Add a span, metric or profiling hook inside each one: a call matching the "
    "configured instrumentation patterns (presets {presets}{own}). Tests, examples, "
    "scripts, docs, vendored and generated code are not checked{least}."
)
FINDING = (
    "New {kind} `{name}` is not instrumented. To instrument it, {example}; "
    "a metric or profiling hook matching the configured patterns counts too."
)
NOT_READ = " Not checked: {files} (languages perfbot does not read yet)."
ONLY_UNREAD = "No changed file is in a language perfbot reads; not checked: {files}."
NO_OBJECTIVES = (
    " `functions: exported` found no journey paths in `{file}` ({why}), so only entry "
    "points were checked."
)


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=SOURCE_PATHS + UNSUPPORTED_PATHS)
    functions: Functions = Functions.ENTRY_POINTS
    """Which new functions must be instrumented: `entry-points` (request handlers, routes, gRPC methods, message consumers, scheduled jobs, CLI commands), `exported` (those, and public functions in the paths the objectives file gives a journey) or `all`."""  # noqa: E501
    objectives_file: str = objectives_doc.DEFAULT_PATH
    """Where `functions: exported` reads the journeys' paths."""
    exclude: Globs = NOT_PRODUCTION
    """Files not checked: tests, examples, scripts, docs, vendored and generated code."""
    presets: tuple[Annotated[str, OneOf(tuple(PRESETS))], ...] = tuple(PRESETS)
    """Instrumentation pattern sets: `opentelemetry`, `prometheus`, `micrometer`, `statsd`, `profiling`, `tracing`, `metrics`, `timing`."""  # noqa: E501
    patterns: Regexes = ()
    """Your own regexes that count as instrumentation, besides the presets."""
    min_function_lines: Count = 5
    """Plain functions shorter than this are not checked (entry points always are)."""
    ignore_names: Regexes = (
        r"^__\w+__$",
        r"^(?:main|init|String|Error|Len|Less|Swap)$",
        r"^(?:constructor|toString|hashCode|equals|render)$",
        r"^With[A-Z]\w*$",
    )
    """Regexes of function names never checked (dunders, option builders such as `WithTimeout`)."""


@dataclass(frozen=True, slots=True)
class Uninstrumented:
    path: str
    line: int
    definition: Definition
    language: Language


@dataclass(frozen=True, slots=True)
class _Tally:
    checked: int
    missing: list[Uninstrumented]
    not_required: int


def wants(pr: PullRequest, settings: Settings) -> Wants:
    """``functions: exported`` reads the objectives file for the journeys' paths."""
    if not settings.enabled or settings.functions is not Functions.EXPORTED:
        return Wants()
    if not match(settings.when, pr):
        return Wants()
    return Wants.of(head=[settings.objectives_file])


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    scope = scoped(result, settings.enabled, settings.when, pr, "No source file in scope changed.")
    if isinstance(scope, RuleResult):
        return scope
    unknown = [p for p in settings.presets if p not in PRESETS]
    if unknown:
        names = ", ".join(f"`{p}`" for p in unknown)
        known = ", ".join(f"`{p}`" for p in PRESETS)
        reason = UNKNOWN_PRESET.format(names=names, known=known)
        return result(Outcome.FAILED, reason, "Fix `presets` in the configuration.")
    wanted = set(scope.paths)
    kept = [f for f in pr.files if f.path in wanted and f.status is not FileStatus.REMOVED
            and not matches(settings.exclude, f.path)]
    unread = _unread(f.path for f in kept)
    selection = select(f for f in kept if languages.language_of(f.path))
    journeys, objectives_note = _journey_paths(pr, settings)
    searched = tuple(p for name in settings.presets for p in PRESETS[name]) + settings.patterns
    try:
        tally = _inspect(selection.files, searched, settings, journeys)
    except patterns.SlowPattern as slow:
        return result(Outcome.FAILED, f"Could not search the change: {slow}.",
                      "Simplify the pattern in the configuration.")

    note = selection.note() + objectives_note
    if tally.not_required:
        count = tally.not_required
        note = NOT_REQUIRED.format(count=count, s="" if count == 1 else "s",
                                   verb="is" if count == 1 else "are",
                                   mode=settings.functions.value) + note
    if unread:
        if not tally.checked and not selection.files:
            return result(Outcome.SKIPPED, ONLY_UNREAD.format(files=unread) + note)
        note += NOT_READ.format(files=unread)
    missing = tally.missing
    noun = _noun(settings.functions, 2)
    if not missing:
        if not tally.checked:
            nothing = {Functions.ENTRY_POINTS: NO_ENTRY_POINT, Functions.EXPORTED: NOTHING_EXPORTED,
                       Functions.ALL: NOTHING_NEW}[settings.functions]
            outcome = Outcome.SKIPPED if unread else Outcome.PASSED
            return result(outcome, nothing + note)
        reason = (ONE_INSTRUMENTED.format(noun=_noun(settings.functions, 1)) if tally.checked == 1
                  else ALL_INSTRUMENTED.format(count=tally.checked, noun=noun))
        return result(Outcome.PASSED, reason + note)
    shown = ", ".join(f"`{m.definition.name}` ({m.path}:{m.line})" for m in missing[:3])
    if len(missing) > 3:
        shown += f" and {len(missing) - 3:,} more"
    verb = "has" if len(missing) == 1 else "have"
    reason = MISSING.format(count=len(missing), noun=_noun(settings.functions, len(missing)),
                            verb=verb, shown=shown)
    reason += "."
    own = " and your own `patterns`" if settings.patterns else ""
    presets = ", ".join(f"`{p}`" for p in settings.presets) or "none"
    least = (f", nor functions under {settings.min_function_lines} lines"
             if settings.functions is not Functions.ENTRY_POINTS else "")
    fix = FIX.format(presets=presets, own=own, least=least)
    findings = tuple(_finding(m, settings.severity) for m in missing)
    return result(Outcome.FAILED, reason + note, fix, *findings)


def _unread(paths: Iterable[str]) -> str:
    """The changed files in languages perfbot does not read, counted by language, or ''."""
    counts: Counter[str] = Counter()
    for path in paths:
        dot = path.rfind(".")
        if dot > path.rfind("/"):
            name = UNSUPPORTED.get(path[dot:].lower())
            if name is not None:
                counts[name] += 1
    return ", ".join(f"{n:,} {name} file{'' if n == 1 else 's'}"
                     for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _journey_paths(pr: PullRequest, settings: Settings) -> tuple[tuple[str, ...], str]:
    """The globs of every journey's paths, for ``functions: exported``; and a note when
    the objectives file gives none."""
    if settings.functions is not Functions.EXPORTED:
        return (), ""
    file = settings.objectives_file
    text = pr.head.text(file)
    if text is None:
        why = pr.head.unreadable.get(file, "not found at the head")
        return (), NO_OBJECTIVES.format(file=file, why=why)
    found, _ = objectives_doc.parse(text, file)
    paths = tuple(p for journey in found.journeys for p in journey.paths)
    if not paths:
        return (), NO_OBJECTIVES.format(file=file, why="no journey lists `paths`")
    return paths, ""


def _inspect(
    files: Sequence[tuple[str, Changed]], searched: tuple[str, ...], settings: Settings,
    journeys: tuple[str, ...],
) -> _Tally:
    """How many new definitions were checked, those that lack instrumentation, and how
    many others the mode does not require."""
    by_language: dict[Language, list[tuple[str, Changed]]] = defaultdict(list)
    for path, lines in files:
        language = languages.language_of(path)
        if language is not None:
            by_language[language].append((path, lines))
    checked = 0
    not_required = 0
    missing: list[Uninstrumented] = []
    ignored: dict[str, bool] = {}
    on_journey: dict[str, bool] = {}
    for language, group in by_language.items():
        corpus = build(group)
        instrumented = bytearray(len(corpus.lines))
        for pattern in searched:
            for found in patterns.find_all(pattern, corpus.text):
                instrumented[corpus.line_at(found.start())] = 1
        changed_names = _removed_names(language, group)
        found_definitions = languages.definitions(language, corpus.text)
        test_from = _test_modules(corpus) if language is languages.RUST else {}
        regions = _regions(corpus, found_definitions, language)
        jobs = _rq_jobs(corpus, regions) if language is languages.PYTHON else set()
        for definition, start, end in regions:
            owner = corpus.owners[definition.line]
            path = corpus.paths[owner]
            definition = _promoted(definition, path, language)
            if definition.line in jobs and not definition.entry_point:
                definition = replace(definition, kind=Kind.CONSUMER)
            name = definition.name
            if definition.test or definition.line > test_from.get(owner, len(corpus.lines)):
                continue
            if (owner, name) in changed_names:
                continue
            if name not in ignored:
                ignored[name] = patterns.first(settings.ignore_names, name) is not None
            if ignored[name] and not definition.entry_point:
                continue
            required = _required(definition, path, corpus, end, settings, journeys, on_journey)
            if required is not True:
                not_required += required is None
                continue
            checked += 1
            if instrumented.find(1, start, end) != -1:
                continue
            path, line = corpus.where(definition.line)
            missing.append(Uninstrumented(path, line, definition, language))
    missing.sort(key=lambda m: (m.path, m.line))
    return _Tally(checked, missing, not_required)


def _required(
    definition: Definition, path: str, corpus: Corpus, end: int, settings: Settings,
    journeys: tuple[str, ...], on_journey: dict[str, bool],
) -> bool | None:
    """Whether this definition must be instrumented: True; False when it is trivial (a
    closure in unchanged code, too short); None when only ``functions`` leaves it out."""
    if definition.entry_point:
        return not _empty(corpus, definition, end)
    if definition.inner or _too_small(corpus, definition, end, settings.min_function_lines):
        return False
    if settings.functions is Functions.ALL:
        return True
    if settings.functions is Functions.ENTRY_POINTS or not definition.public:
        return None
    if path not in on_journey:
        on_journey[path] = matches(journeys, path) if journeys else False
    return True if on_journey[path] else None


# Django views by where they live; class-based views and DRF viewsets by their methods.
_VIEW_FILES = ("**/views.py", "**/views/**", "**/viewsets.py")
_VIEW_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "dispatch", "list",
     "create", "retrieve", "update", "partial_update", "destroy"}
)


def _promoted(definition: Definition, path: str, language: Language) -> Definition:
    """Entry points only a file's place tells: Django views, management commands."""
    if language is not languages.PYTHON or definition.entry_point:
        return definition
    if definition.first_param == "request":
        if definition.kind is Kind.METHOD and definition.name in _VIEW_METHODS:
            return replace(definition, kind=Kind.ENDPOINT)
        if definition.kind is Kind.FUNCTION and not definition.inner and matches(
            _VIEW_FILES, path
        ):
            return replace(definition, kind=Kind.ENDPOINT)
    if definition.name == "handle" and "/management/commands/" in f"/{path}":
        return replace(definition, kind=Kind.COMMAND)
    return definition


def _rq_jobs(corpus: Corpus, regions: list[tuple[Definition, int, int]]) -> set[int]:
    """Lines of the public top-level Python functions of a module that calls RQ's
    ``get_current_job()``: background jobs a queue runs, with no decorator to tell them by."""
    modules = {corpus.owners[i] for i, line in enumerate(corpus.lines)
               if "get_current_job(" in line}
    return {
        definition.line for definition, _, _ in regions
        if corpus.owners[definition.line] in modules and definition.indent == 0
        and definition.public
    }


_PLACEHOLDER = re.compile(r"""^(?:pass|\.\.\.|#.*|"[^"]*"|'[^']*')$""")


def _empty(corpus: Corpus, definition: Definition, end: int) -> bool:
    """A Python command whose body is only ``pass``, ``...``, a docstring or comments (a
    click group whose subcommands do the work): nothing runs there to measure."""
    if definition.kind is not Kind.COMMAND:
        return False
    fence = ""
    for line in corpus.lines[definition.line + 1:end]:
        text = line.strip()
        if fence:
            fence = "" if text.endswith(fence) else fence
            continue
        if not text or (text.startswith(")") and text.endswith(":")):
            continue
        if text.startswith(('"""', "'''")):
            if len(text) < 6 or not text.endswith(text[:3]):
                fence = text[:3]
            continue
        if not _PLACEHOLDER.match(text):
            return False
    return True


def _test_modules(corpus: Corpus) -> dict[int, int]:
    """Per file, the first added line of a Rust ``#[cfg(test)]`` module: what follows is tests."""
    found: dict[int, int] = {}
    for index, line in enumerate(corpus.lines):
        if line.lstrip().startswith("#[cfg(test)]"):
            found.setdefault(corpus.owners[index], index)
    return found


def _regions(
    corpus: Corpus, definitions: list[Definition], language: Language
) -> list[tuple[Definition, int, int]]:
    """Definitions with their regions, [first decorator line, end of body); one nested in
    an earlier one's body is left out (the outer one covers it), as is one without a body."""
    runs = corpus.runs()
    out: list[tuple[Definition, int, int]] = []
    outer_end = -1
    for definition, end in zip(definitions, bodies.ends(corpus, definitions, language),
                               strict=True):
        if end is None or definition.line < outer_end:
            continue
        run = bisect_right(runs, definition.line) - 1
        start = max(definition.line - definition.decorators, runs[run])
        end = max(end, definition.line + 1)
        outer_end = end
        out.append((definition, start, end))
    return out


def _removed_names(
    language: Language, group: Sequence[tuple[str, Changed]]
) -> set[tuple[int, str]]:
    """(file index, name) of definitions the patches remove: those are changed, not new."""
    if not any(lines.removed for _, lines in group):
        return set()
    removed = build(group, removed=True)
    return {
        (removed.owners[d.line], d.name) for d in languages.definitions(language, removed.text)
    }


def _too_small(corpus: Corpus, definition: Definition, end: int, least: int) -> bool:
    """Fewer than ``least`` non-blank lines from the signature on."""
    count = 0
    for index in range(definition.line, end):
        if corpus.lines[index].strip():
            count += 1
            if count >= least:
                return False
    return True


def _finding(missing: Uninstrumented, severity: Severity) -> Finding:
    definition = missing.definition
    example = languages.example(missing.language.name, definition.name)
    return Finding(
        path=missing.path,
        start_line=missing.line,
        severity=severity,
        title=f"Instrument {definition.kind.value} `{definition.name}`",
        message=FINDING.format(kind=definition.kind.value, name=definition.name, example=example),
    )


def _noun(functions: Functions, count: int) -> str:
    if functions is Functions.ENTRY_POINTS:
        return "entry point" if count == 1 else "entry points"
    return "function" if count == 1 else "functions"
