"""Which changes a rule looks at."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.binding import Globs
from bot.core.facts import PullRequest
from bot.core.globs import matching


@dataclass(frozen=True, slots=True)
class Scope:
    """A change is in scope when it touches one of ``paths`` or carries one of ``labels``."""

    paths: Globs = ()
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScopeMatch:
    paths: tuple[str, ...]
    labels: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.paths or self.labels)

    def describe(self) -> str:
        parts = []
        if self.paths:
            shown = ", ".join(f"`{p}`" for p in self.paths[:3])
            more = f" and {len(self.paths) - 3} more" if len(self.paths) > 3 else ""
            parts.append(f"changes {shown}{more}")
        if self.labels:
            parts.append("is labelled " + ", ".join(f"`{label}`" for label in self.labels))
        return " and ".join(parts)


def match(scope: Scope, pr: PullRequest) -> ScopeMatch:
    return ScopeMatch(
        paths=tuple(matching(scope.paths, (f.path for f in pr.files))),
        labels=tuple(sorted(pr.labels & set(scope.labels))),
    )
