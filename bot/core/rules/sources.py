"""Which changed files the code-reading rules read, and what they could not read.

Tests and generated code are nobody's production code: the instrumentation and tuning
knob rules skip them by default (``TESTS_AND_GENERATED``; instrumentation also skips
examples, scripts and docs, ``NOT_PRODUCTION``), and also any file whose
first added lines say a tool wrote it ("Code generated ... DO NOT EDIT", ``@generated``).
A file GitHub sent without a diff (it does so for large diffs) cannot be read; rules
say so rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.addedtext import Changed, changed
from bot.core.facts import ChangedFile, FileStatus
from bot.core.globs import matches

TESTS = (
    "**/test_*.py",
    "**/*_test.py",
    "**/*_tests.py",
    "**/conftest.py",
    "**/tests/**",
    "**/test/**",
    "**/*_test.go",
    "**/testdata/**",
    "**/*.test.js",
    "**/*.test.jsx",
    "**/*.test.mjs",
    "**/*.test.cjs",
    "**/*.test.ts",
    "**/*.test.tsx",
    "**/*.spec.js",
    "**/*.spec.jsx",
    "**/*.spec.mjs",
    "**/*.spec.ts",
    "**/*.spec.tsx",
    "**/__tests__/**",
    "**/__mocks__/**",
    "**/src/test/**",
    "**/testutil/**",
    "**/testutils/**",
    "**/testhelpers/**",
    "**/testing/**",
    "**/mocks/**",
    "**/e2e/**",
)
GENERATED = (
    "**/*_pb2.py",
    "**/*_pb2_grpc.py",
    "**/*.pb.go",
    "**/*.pb.gw.go",
    "**/genproto/**",
    "**/*_pb.js",
    "**/*_pb.ts",
    "**/*_gen.go",
    "**/zz_generated*",
    "**/generated/**",
    "**/*.generated.*",
    "**/*.min.js",
    "**/vendor/**",
    "**/node_modules/**",
    "**/third_party/**",
    "**/third-party/**",
    # Go modules copied in by import path (``exp/internal/github.com/…``).
    "**/github.com/**",
    "**/golang.org/x/**",
    "**/gopkg.in/**",
)
TESTS_AND_GENERATED = TESTS + GENERATED
# Code that runs on a developer's machine, in CI or in the docs, never in production:
# examples, scripts, docs (Sphinx's ``docs/conf.py``), benchmarks, build and packaging
# files, a repository's own GitHub Action (and, in ``NOT_PRODUCTION``, database
# migrations: significant for a design record, but nothing to put a span on).
NOT_SERVED = (
    "**/examples/**",
    "**/example/**",
    "**/_examples/**",
    "**/scripts/**",
    "**/script/**",
    "hack/**",
    "**/docs/**",
    "**/doc/**",
    "**/benchmarks/**",
    "**/benches/**",
    "**/bench/**",
    "action/**",
    ".github/**",
    "**/setup.py",
    "**/noxfile.py",
    "**/build.rs",
    "**/*.config.js",
    "**/*.config.ts",
    "**/*.config.mjs",
    "**/*.stories.*",
)
NOT_PRODUCTION = (*TESTS_AND_GENERATED, *NOT_SERVED, "**/migrations/**")
# CI pipeline definitions: their timeout, retry and parallelism keys tune the build, not
# the service, so they are not tuning knobs a team documents.
CI_FILES = (
    ".github/**",
    ".gitlab-ci.yml",
    ".gitlab/**",
    ".circleci/**",
    "Jenkinsfile",
    "azure-pipelines.yml",
    ".buildkite/**",
    ".drone.yml",
    "bitbucket-pipelines.yml",
)

GENERATED_SKIPPED = "Skipped {count:,} generated file{s} ({paths})."
TOO_LARGE = "GitHub sent no diff for {paths} (too large to show), so {it} could not be inspected."


@dataclass(frozen=True, slots=True)
class Selection:
    files: tuple[tuple[str, Changed], ...]  # readable files and their changed lines
    too_large: tuple[str, ...]  # changed text files that came without a diff
    generated: tuple[str, ...]  # files whose first added lines say a tool wrote them

    def note(self) -> str:
        """Sentences for the rule's reason about files it skipped or could not read, or ''."""
        note = ""
        if self.generated:
            count = len(self.generated)
            note += " " + GENERATED_SKIPPED.format(
                count=count, s="" if count == 1 else "s", paths=_listed(self.generated))
        if self.too_large:
            it = "it" if len(self.too_large) == 1 else "they"
            note += " " + TOO_LARGE.format(paths=_listed(self.too_large), it=it)
        return note


def _listed(paths: tuple[str, ...]) -> str:
    shown = ", ".join(f"`{p}`" for p in paths[:3])
    return shown + (f" and {len(paths) - 3:,} more" if len(paths) > 3 else "")


def select(
    files: Iterable[ChangedFile], *, exclude: tuple[str, ...] = (), keep_generated: bool = False
) -> Selection:
    """The files among ``files`` that still exist, are text and are not excluded."""
    chosen: list[tuple[str, Changed]] = []
    too_large: list[str] = []
    generated: list[str] = []
    for f in files:
        if f.status is FileStatus.REMOVED or f.binary or matches(exclude, f.path):
            continue
        if f.patch is None:
            if f.additions or f.deletions:
                too_large.append(f.path)
            continue
        lines = changed(f.patch)
        if not keep_generated and lines.generated:
            generated.append(f.path)
            continue
        chosen.append((f.path, lines))
    return Selection(tuple(chosen), tuple(too_large), tuple(generated))
