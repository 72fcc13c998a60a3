"""The config's top-level scope: whether a pull request is evaluated at all.

Checked before any rule, so a skipped PR costs nothing and the check says why it
was skipped (by which label, author or draft state) instead of passing silently.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from bot.core.config import Config, Drafts
from bot.core.facts import PullRequest
from bot.core.globs import matching
from bot.core.results import Conclusion, Evaluation

SKIPPED_BY_LABEL = "Skipped: this PR is labelled `{label}`."
SKIPPED_BY_AUTHOR = "Skipped: PRs by `{author}` are not evaluated (`skip_authors: {pattern}`)."
SKIPPED_DRAFT = "Skipped: this PR is a draft (`drafts: skip`); it is evaluated once ready."
OUT_OF_SCOPE = "Skipped: this PR changes none of the configured `paths` and carries none of " \
    "the configured `labels`."


def skipped_evaluation(pr: PullRequest, config: Config, origin: str) -> Evaluation | None:
    """The verdict on a PR the top-level scope skips (None: evaluate it): concluded as
    ``out_of_scope`` says, titled and noted with why."""
    reason = skip_reason(pr, config)
    if reason is None:
        return None
    return Evaluation(
        check_name=config.check_name,
        conclusion=Conclusion(config.out_of_scope.value),
        title=reason.split(";")[0].rstrip("."),
        notes=(reason,),
        config_origin=origin,
    )


def skip_reason(pr: PullRequest, config: Config) -> str | None:
    """Why ``pr`` is not evaluated under ``config``'s top-level scope, or None."""
    label = next((name for name in sorted(pr.labels) if _labelled(name, config.skip_labels)),
                 None)
    if label is not None:
        return SKIPPED_BY_LABEL.format(label=label)
    pattern = next((p for p in config.skip_authors if author_matches(p, pr.author)), None)
    if pattern is not None:
        return SKIPPED_BY_AUTHOR.format(author=pr.author, pattern=pattern)
    if pr.draft and config.drafts is Drafts.SKIP:
        return SKIPPED_DRAFT
    if config.paths or config.labels:
        touched = matching(config.paths, (f.path for f in pr.files)) if config.paths else []
        labelled = [name for name in pr.labels if _labelled(name, config.labels)]
        if not touched and not labelled:
            return OUT_OF_SCOPE
    return None


def _labelled(name: str, labels: tuple[str, ...]) -> bool:
    """Whether the label ``name`` is one of ``labels``: GitHub ignores a label's case."""
    return name.casefold() in {label.casefold() for label in labels}


def author_matches(pattern: str, login: str) -> bool:
    """A login against a pattern where only ``*`` is special (``[bot]`` is literal)."""
    return bool(login) and bool(_author_pattern(pattern).fullmatch(login))


@lru_cache(maxsize=256)
def _author_pattern(pattern: str) -> regex.Pattern[str]:
    parts = (regex.escape(part) for part in pattern.split("*"))
    return regex.compile(".*".join(parts), regex.IGNORECASE)
