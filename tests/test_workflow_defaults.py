"""config/default.yml documents the new rules' defaults; they must not drift from the code."""

from dataclasses import replace

import pytest

from bot.core.config import builtin_source, load
from bot.core.results import Severity
from bot.core.rules import dashboards, instrumentation, performance_tests, tuning_knobs


@pytest.mark.parametrize("rule", [instrumentation, tuning_knobs, performance_tests, dashboards],
                         ids=lambda r: r.ID)
def test_documented_defaults_are_the_code_defaults_but_advise(rule) -> None:
    documented = getattr(load(builtin_source()).rules, rule.ID)
    assert documented.severity is Severity.WARNING
    assert replace(documented, severity=Severity.FAILURE) == rule.Settings()
