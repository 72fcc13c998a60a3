"""The rule set. Each rule is a module with settings and a pure ``evaluate``.

Adding a rule: write the module, add its settings to ``RuleSettings`` and its
entry to ``RULES``. Nothing outside ``bot.core`` needs to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.facts import PullRequest
from bot.core.results import RuleResult
from bot.core.rules import design_record


@dataclass(frozen=True, slots=True)
class RuleSettings:
    design_record: design_record.Settings = design_record.Settings()


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    evaluate: Callable[[PullRequest, Any], RuleResult]


RULES: tuple[Rule, ...] = (Rule(design_record.ID, design_record.evaluate),)
