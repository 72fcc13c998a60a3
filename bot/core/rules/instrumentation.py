"""Implementation stage: new functions, handlers and endpoints come instrumented.

How "instrumented" is judged: per definition. A new function's region is its own
added lines, from its decorators or annotations through its body, which ends at the
first line back at the definition's indentation (after it, if that line closes a
brace), at the next definition at the same or a lower indentation, or where the run
of added lines ends. The function is instrumented when a configured instrumentation pattern (a
preset's or the team's own) matches a line of that region, so one span in a file
does not excuse its other new functions, and a decorator such as ``@WithSpan``,
``@Timed`` or ``@tracer.start_as_current_span(...)`` counts.

What is checked (see ``bot.core.languages``): outermost new definitions only (a
closure or callback is covered by its enclosing function); endpoints and request
handlers always; other functions and methods only from ``min_function_lines``
non-blank lines (default 5), so getters, one-line helpers and ``__repr__`` do not
nag; names matching ``ignore_names`` never. A definition whose name the same file's
patch also removes was changed, not added (a new signature, a move), and is skipped.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from bot.core import languages, patterns
from bot.core.addedtext import Changed
from bot.core.binding import Count, Globs, OneOf, Regexes
from bot.core.corpus import Corpus, build
from bot.core.facts import PullRequest
from bot.core.languages import Definition, Kind, Language
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope
from bot.core.rules.sources import TESTS_AND_GENERATED, select

ID = "instrumentation"
TITLE = "Instrumentation"
STAGE = Stage.IMPLEMENTATION

SOURCE_PATHS = tuple(f"**/*{ext}" for lang in languages.LANGUAGES for ext in lang.extensions)

# Instrumentation presets, by ecosystem; ``presets`` in the config picks them by name.
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
        r"\b(?:Counter|Histogram|Gauge|Summary)\(",
        r"\.(?:observe|Observe)\(",
        r"\.(?:inc|Inc|dec|Dec)\(",
        r"\bprom(?:auto|etheus)\.New\w+\(",
        r"\.(?:labels|WithLabelValues)\(",
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
}

UNKNOWN_PRESET = "Unknown instrumentation preset {names} in `presets`; known presets: {known}."
NOTHING_NEW = "No new function, method, handler or endpoint in the changed source files."
ALL_INSTRUMENTED = "All {count:,} new functions in this PR are instrumented."
ONE_INSTRUMENTED = "The new function in this PR is instrumented."
MISSING = "{count:,} new {noun} in this PR {verb} no instrumentation: {shown}"
FIX = (
    "Add a span, metric or profiling hook inside each one: a line matching the "
    "configured instrumentation patterns (presets {presets}{own}). Tests, generated code "
    "and functions under {least} lines are not checked."
)
FINDING = (
    "New {kind} `{name}` is not instrumented. To instrument it, {example}; "
    "a metric or profiling hook matching the configured patterns counts too."
)


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=SOURCE_PATHS)
    exclude: Globs = TESTS_AND_GENERATED
    """Files not checked: tests, generated code, vendored code."""
    presets: tuple[Annotated[str, OneOf(tuple(PRESETS))], ...] = tuple(PRESETS)
    """Instrumentation pattern sets: `opentelemetry`, `prometheus`, `micrometer`, `statsd`, `profiling`."""  # noqa: E501
    patterns: Regexes = ()
    """Your own regexes that count as instrumentation, besides the presets."""
    min_function_lines: Count = 5
    """Plain functions shorter than this are not checked (handlers and endpoints always are)."""
    ignore_names: Regexes = (
        r"^__\w+__$",
        r"^(?:main|init|String|Error|Len|Less|Swap)$",
        r"^(?:constructor|toString|hashCode|equals|render)$",
    )
    """Regexes of function names never checked."""


@dataclass(frozen=True, slots=True)
class Uninstrumented:
    path: str
    line: int
    definition: Definition
    language: Language


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
    selection = select(
        (f for f in pr.files if f.path in wanted and languages.language_of(f.path)),
        exclude=settings.exclude,
    )
    searched = tuple(p for name in settings.presets for p in PRESETS[name]) + settings.patterns
    try:
        checked, missing = _inspect(selection.files, searched, settings)
    except patterns.SlowPattern as slow:
        return result(Outcome.FAILED, f"Could not search the change: {slow}.",
                      "Simplify the pattern in the configuration.")

    note = selection.note()
    if not missing:
        if not checked:
            return result(Outcome.PASSED, NOTHING_NEW + note)
        reason = (ONE_INSTRUMENTED if checked == 1 else ALL_INSTRUMENTED.format(count=checked))
        return result(Outcome.PASSED, reason + note)
    shown = ", ".join(f"`{m.definition.name}` ({m.path}:{m.line})" for m in missing[:3])
    if len(missing) > 3:
        shown += f" and {len(missing) - 3:,} more"
    verb = "has" if len(missing) == 1 else "have"
    reason = MISSING.format(count=len(missing), noun=_noun(len(missing)), verb=verb, shown=shown)
    reason += "."
    own = " and your own `patterns`" if settings.patterns else ""
    presets = ", ".join(f"`{p}`" for p in settings.presets) or "none"
    fix = FIX.format(presets=presets, own=own, least=settings.min_function_lines)
    findings = tuple(_finding(m, settings.severity) for m in missing)
    return result(Outcome.FAILED, reason + note, fix, *findings)


def _inspect(
    files: Sequence[tuple[str, Changed]], searched: tuple[str, ...], settings: Settings
) -> tuple[int, list[Uninstrumented]]:
    """How many new definitions were checked, and those that lack instrumentation."""
    by_language: dict[Language, list[tuple[str, Changed]]] = defaultdict(list)
    for path, lines in files:
        language = languages.language_of(path)
        if language is not None:
            by_language[language].append((path, lines))
    checked = 0
    missing: list[Uninstrumented] = []
    ignored: dict[str, bool] = {}
    for language, group in by_language.items():
        corpus = build(group)
        instrumented = bytearray(len(corpus.lines))
        for pattern in searched:
            for found in patterns.find_all(pattern, corpus.text):
                instrumented[corpus.line_at(found.start())] = 1
        changed_names = _removed_names(language, group)
        found_definitions = languages.definitions(language, corpus.text)
        for definition, start, end in _regions(corpus, found_definitions, language):
            owner = corpus.owners[definition.line]
            name = definition.name
            if (owner, name) in changed_names:
                continue
            if _too_small(corpus, definition, end, settings.min_function_lines):
                continue
            if instrumented.find(1, start, end) != -1:
                checked += 1
                continue
            if name not in ignored:
                ignored[name] = patterns.first(settings.ignore_names, name) is not None
            if ignored[name]:
                continue
            checked += 1
            path, line = corpus.where(definition.line)
            missing.append(Uninstrumented(path, line, definition, language))
    missing.sort(key=lambda m: (m.path, m.line))
    return checked, missing


def _regions(
    corpus: Corpus, definitions: list[Definition], language: Language
) -> list[tuple[Definition, int, int]]:
    """Outermost definitions with their regions: [first decorator line, end of body)."""
    runs = corpus.runs()
    out: list[tuple[Definition, int, int]] = []
    open_: list[tuple[Definition, int, int, bool]] = []  # definition, start, run end, outermost

    def close(until: int) -> None:
        definition, start, run_end, outermost = open_.pop()
        if outermost:
            end = _body_end(corpus.lines, definition, min(run_end, until), language)
            out.append((definition, start, end))

    for definition in definitions:
        run = _run_index(runs, definition.line)
        start = max(definition.line - definition.decorators, runs[run])
        while open_ and _closes(open_[-1], definition):
            close(start)
        open_.append((definition, start, runs[run + 1], not open_))
    while open_:
        close(len(corpus.lines))
    out.sort(key=lambda item: item[0].line)
    return out


def _body_end(lines: list[str], definition: Definition, limit: int, language: Language) -> int:
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


def _closes(top: tuple[Definition, int, int, bool], definition: Definition) -> bool:
    """Whether ``definition`` ends the open one: a later run, or no deeper indentation."""
    return top[2] <= definition.line or top[0].indent >= definition.indent


def _run_index(runs: list[int], line: int) -> int:
    return bisect_right(runs, line) - 1


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
    """Fewer than ``least`` non-blank lines from the signature on; endpoints never are."""
    if definition.kind in (Kind.ENDPOINT, Kind.HANDLER):
        return False
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


def _noun(count: int) -> str:
    return "function" if count == 1 else "functions"
