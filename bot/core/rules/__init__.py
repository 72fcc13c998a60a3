"""The rule set. Each rule is a module with settings and a pure ``evaluate``.

Adding a rule: write the module, add its settings to ``RuleSettings`` and its
entry to ``RULES``. Nothing outside ``bot.core`` needs to change.

A rule that reads whole files (a design record, an alerting-rule file, benchmark
results) names them in ``wants``; the front reads them at the head and at the merge
base into ``PullRequest.head`` and ``PullRequest.base`` before ``evaluate`` runs, so
rules stay pure and each front fetches in its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.facts import PullRequest, Wants
from bot.core.results import RuleResult
from bot.core.rules import (
    alerts,
    benchmarks,
    dashboards,
    design_record,
    instrumentation,
    objectives,
    performance_tests,
    rollout,
    tuning_knobs,
)


def _nothing(pr: PullRequest, settings: Any) -> Wants:
    return Wants()


@dataclass(frozen=True, slots=True)
class RuleSettings:
    objectives: objectives.Settings = objectives.Settings()
    design_record: design_record.Settings = design_record.Settings()
    instrumentation: instrumentation.Settings = instrumentation.Settings()
    tuning_knobs: tuning_knobs.Settings = tuning_knobs.Settings()
    performance_tests: performance_tests.Settings = performance_tests.Settings()
    benchmarks: benchmarks.Settings = benchmarks.Settings()
    alerts: alerts.Settings = alerts.Settings()
    dashboards: dashboards.Settings = dashboards.Settings()
    rollout: rollout.Settings = rollout.Settings()


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    evaluate: Callable[[PullRequest, Any], RuleResult]
    wants: Callable[[PullRequest, Any], Wants] = _nothing


RULES: tuple[Rule, ...] = (
    Rule(objectives.ID, objectives.evaluate, objectives.wants),
    Rule(design_record.ID, design_record.evaluate, design_record.wants),
    Rule(instrumentation.ID, instrumentation.evaluate, instrumentation.wants),
    Rule(tuning_knobs.ID, tuning_knobs.evaluate, tuning_knobs.wants),
    Rule(performance_tests.ID, performance_tests.evaluate),
    Rule(benchmarks.ID, benchmarks.evaluate, benchmarks.wants),
    Rule(alerts.ID, alerts.evaluate, alerts.wants),
    Rule(dashboards.ID, dashboards.evaluate, dashboards.wants),
    Rule(rollout.ID, rollout.evaluate),
)
