"""Implementation stage: a new tuning knob is documented in the same PR.

A knob (a timeout, a pool or concurrency limit, a batch size, a retry count, a cache
TTL) is where operators tune performance; undocumented, nobody knows it exists.

Finding knobs takes two cheap steps: ``patterns`` find candidate names in added code
(env reads, flags, constants set to a number) and ``config_patterns`` in added lines
of ``config_files`` (keys set to a number), each naming the candidate with its group
``knob`` (or ``name``; else its first group, else the whole match); a candidate is a knob when its
name contains one of ``knob_words``. (One pattern per kind of knob with the words
inside would backtrack at every line of a large change.)

A knob counts as documented when the added lines of a documentation file this PR
changes mention its name (case-insensitively, as a whole word); a documentation file
GitHub sent without a diff (too large) is read whole at the head instead. Left at its
default, ``when.paths`` follows ``config_files``, so setting ``config_files`` alone is enough.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated

import regex

from bot.core import patterns
from bot.core.addedtext import Changed, changed
from bot.core.binding import Globs, Regex, Regexes, captures
from bot.core.corpus import build
from bot.core.facts import ChangedFile, FileStatus, PullRequest, Wants
from bot.core.globs import matches
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules import sources
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope

ID = "tuning_knobs"
TITLE = "Tuning knobs documented"
STAGE = Stage.IMPLEMENTATION

# A name the patterns find is a knob when it contains one of these (case-insensitively):
# DB_POOL_SIZE, cache.ttl, batch-size, maxConnections; PORT or NAME_PREFIX are not.
KNOB_WORDS = (
    "timeout",
    "ttl",
    "retr(?:y|ies)",
    "backoff",
    "pool",
    "concurren",
    "parallelism",
    "workers",
    "threads",
    "batch",
    "buffer",
    r"(?:rate|conn\w*|request|queue)[_.-]?limit",
    "max[_.-]?(?:conn|retr|work|thread|in[_.-]?flight|idle|open|size|pool|batch|queue)",
    "queue[_.-]?(?:size|depth)",
    "interval",
    "deadline",
    "cache",
)
DEFAULT_PATTERNS = (
    # Environment variables: Python, Go, Node, Java.
    r"""\bos\.(?:getenv|environ\.get|environ\[|Getenv|LookupEnv)\(?\s*["'](?P<knob>\w+)""",
    r"""\bprocess\.env(?:\.|\[["'])(?P<knob>\w+)""",
    r'\bSystem\.getenv\(\s*"(?P<knob>\w+)"',
    # Command-line flags (Go's flag package) and Spring properties.
    r'\bflag\.\w+\(\s*(?:&[\w.]+,\s*)?"(?P<knob>[\w.-]+)"',
    r'@Value\(\s*"\$\{(?P<knob>[\w.-]+)',
    # Constants set to a number: REQUEST_TIMEOUT = 30, static final int MAX_RETRIES = 3.
    r"\b(?P<knob>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)[ \t]*(?::[^=\n]+)?:?=[ \t]*\d",
    # Go (or JavaScript) top-level constants: const defaultBatchSize = 500.
    r"^const[ \t]+(?P<knob>[a-z]\w*)[ \t]*(?:[\w.]+[ \t]*)?=[ \t]*\d",
)
CONFIG_FILES = (
    "**/*.yml",
    "**/*.yaml",
    "**/*.properties",
    "**/*.toml",
    "**/*.ini",
    "**/*.conf",
    "**/*.env",
    "**/.env*",
)
# Keys set to a number or duration, in config files only: YAML "max_connections: 100" at
# any depth; properties, TOML, INI and .env "pool.size = 10" at the start of a line.
CONFIG_PATTERNS = (
    r"""^[ \t]*(?P<knob>[\w.-]+)[ \t]*:[ \t]*["']?\d""",
    r"""^(?P<knob>[\w.-]+)[ \t]*=[ \t]*["']?\d""",
)
DOC_PATHS = ("docs/**", "README*", "**/*.md", "**/*.rst", "CONFIGURATION*")
SOURCE_PATHS = (
    "**/*.py", "**/*.go", "**/*.js", "**/*.mjs", "**/*.cjs", "**/*.ts", "**/*.tsx",
    "**/*.java", "**/*.kt", *CONFIG_FILES,
)

NONE_FOUND = "No new tuning knob in the changed code."
DOCUMENTED = (
    "Every new tuning knob ({count:,}) is mentioned in the documentation this PR changes: "
    "{shown}."
)
UNDOCUMENTED = "{count:,} new tuning knob{s} {verb} not documented: {shown}."
FIX = (
    "Describe each knob (its name, default, unit and what raising or lowering it trades off) "
    "in {docs}, in this PR."
)
FINDING = (
    "`{knob}` is a new tuning knob. Document it in {docs}: mention `{knob}` by name with its "
    "default and what it trades off."
)
WORD = re.compile(r"[\w.-]+")


# A knob pattern names what it finds: without the group it would report its whole match
# (`os.getenv("POOL`) as the knob.
KnobPatterns = Annotated[tuple[str, ...], Regex, captures("knob", "name")]


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=SOURCE_PATHS)
    exclude: Globs = (*sources.TESTS_AND_GENERATED, *sources.CI_FILES)
    """Files whose knobs are not checked."""
    patterns: KnobPatterns = DEFAULT_PATTERNS
    """Regexes finding knob candidates in code; the group `(?P<knob>…)` (or `(?P<name>…)`) captures the knob's name."""  # noqa: E501
    config_files: Globs = CONFIG_FILES
    """Config files whose numeric keys are knob candidates."""
    config_patterns: KnobPatterns = CONFIG_PATTERNS
    """Regexes finding knob candidates in those config files (group `(?P<knob>…)` or `(?P<name>…)`)."""  # noqa: E501
    knob_words: Regexes = KNOB_WORDS
    """A candidate is a knob only if its name contains one of these words."""
    docs: Globs = DOC_PATHS
    """Documentation files; one changed in the PR must mention each new knob by name."""


@dataclass(frozen=True, slots=True)
class Knob:
    name: str
    path: str
    line: int


def wants(pr: PullRequest, settings: Settings) -> Wants:
    """Documentation files changed without a diff: their text at the head stands in."""

    if not settings.enabled:
        return Wants()
    return Wants.of(head=(f.path for f in _docs(pr, settings) if f.patch is None))


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    scope = scoped(result, settings.enabled, _when(settings), pr,
                   "No source or config file in scope changed.")
    if isinstance(scope, RuleResult):
        return scope
    wanted = set(scope.paths)
    selection = sources.select(
        (f for f in pr.files if f.path in wanted and not matches(settings.docs, f.path)),
        exclude=settings.exclude,
    )
    try:
        config = [f for f in selection.files if matches(settings.config_files, f[0])]
        code = [f for f in selection.files if not matches(settings.config_files, f[0])]
        knobs = sorted(
            _knobs(code, settings.patterns, settings.knob_words)
            + _knobs(config, settings.config_patterns, settings.knob_words),
            key=lambda k: (k.path, k.line),
        )
    except patterns.SlowPattern as slow:
        return result(Outcome.FAILED, f"Could not search the change: {slow}.",
                      "Simplify the pattern in the configuration.")
    note = selection.note()
    if not knobs:
        return result(Outcome.PASSED, NONE_FOUND + note)

    docs = _docs(pr, settings)
    words, unread = _documented_words(pr, docs)
    missing = [k for k in knobs if k.name.lower() not in words]
    if not missing:
        reason = DOCUMENTED.format(count=len(knobs), shown=_named(knobs))
        return result(Outcome.PASSED, reason + note)

    where = _where(tuple(d.path for d in docs if d.path not in unread), settings.docs)
    if unread:
        note += f" Could not read {', '.join(f'`{p}`' for p in unread)} at the head."
    shown = ", ".join(f"`{k.name}` ({k.path}:{k.line})" for k in missing[:3])
    if len(missing) > 3:
        shown += f" and {len(missing) - 3:,} more"
    plural = len(missing) != 1
    reason = UNDOCUMENTED.format(count=len(missing), s="s" if plural else "",
                                 verb="are" if plural else "is", shown=shown)
    findings = tuple(
        Finding(path=k.path, start_line=k.line, severity=settings.severity,
                title=f"Document tuning knob `{k.name}`",
                message=FINDING.format(knob=k.name, docs=where))
        for k in missing
    )
    return result(Outcome.FAILED, reason + note, FIX.format(docs=where), *findings)


def _named(knobs: Sequence[Knob], limit: int = 10) -> str:
    """The knobs by name, each once, so a passing row says which knobs it found."""
    names = list(dict.fromkeys(k.name for k in knobs))
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


def _when(settings: Settings) -> Scope:
    """The scope, its paths following ``config_files`` unless set themselves."""
    if settings.when.paths == SOURCE_PATHS and settings.config_files != CONFIG_FILES:
        code = tuple(p for p in SOURCE_PATHS if p not in CONFIG_FILES)
        return replace(settings.when, paths=code + settings.config_files)
    return settings.when


def _knobs(
    files: Sequence[tuple[str, Changed]], searched: tuple[str, ...], words: tuple[str, ...]
) -> list[Knob]:
    corpus = build(files)
    knob_word = "(?i:" + "|".join(words) + ")"
    seen: dict[tuple[str, str], Knob] = {}
    is_knob: dict[str, bool] = {}
    for pattern in searched:
        for found in patterns.find_all(pattern, corpus.text):
            name = _name(found)
            if name not in is_knob:
                is_knob[name] = bool(name) and patterns.search(knob_word, name) is not None
            if not is_knob[name]:
                continue
            path, line = corpus.where(corpus.line_at(found.start()))
            key = (path, name)
            if key not in seen or seen[key].line > line:
                seen[key] = Knob(name, path, line)
    return sorted(seen.values(), key=lambda k: (k.path, k.line))


def _name(found: regex.Match[str]) -> str:
    groups = found.groupdict()
    for group in ("knob", "name"):  # `name` is what the configuration reference says
        if groups.get(group):
            return str(groups[group])
    if found.re.groups and found.group(1):
        return str(found.group(1))
    return str(found.group(0)).strip()


def _docs(pr: PullRequest, settings: Settings) -> list[ChangedFile]:
    return [
        f
        for f in pr.files
        if f.status is not FileStatus.REMOVED and not f.binary and matches(settings.docs, f.path)
    ]


def _documented_words(
    pr: PullRequest, docs: list[ChangedFile]
) -> tuple[set[str], list[str]]:
    """Lower-cased words of the docs' added lines (whole text when GitHub sent no diff)."""
    texts: list[str] = []
    unread: list[str] = []
    for doc in docs:
        if doc.patch is not None:
            texts.append(changed(doc.patch).text)
        elif pr.head.text(doc.path) is not None:
            texts.append(pr.head.text(doc.path) or "")
        else:
            unread.append(doc.path)
    words = {w.strip(".-").lower() for w in WORD.findall("\n".join(texts))}
    return words, unread


def _where(changed_docs: tuple[str, ...], globs: tuple[str, ...]) -> str:
    if changed_docs:
        shown = ", ".join(f"`{p}`" for p in changed_docs[:3])
        return shown + (f" (or another of the {len(changed_docs)} docs changed)"
                        if len(changed_docs) > 3 else "")
    return "a documentation file (" + ", ".join(f"`{g}`" for g in globs) + ")"
