"""Staged rollout: a change to what ships declares its plan by label or description."""

from dataclasses import replace
from pathlib import Path

import pytest
from gitchange import run_rule

from bot.core.results import Outcome
from bot.core.rules import rollout
from bot.core.rules.scope import Scope

BASE = {"deploy/api.yaml": "".join(f"line{i}: {i}\n" for i in range(1, 21))}
HEAD = {"deploy/api.yaml": "".join(f"line{i}: {i if i != 14 else 99}\n" for i in range(1, 21)),
        "README.md": "more\n"}


def run(tmp_path: Path, *, body: str = "", pr_labels: tuple[str, ...] = (),
        head: dict | None = None, **settings: object):
    configured = replace(rollout.Settings(), **settings)
    return run_rule(tmp_path, rollout, configured, BASE, head or HEAD, body=body,
                    labels=pr_labels)


def test_no_plan_fails_on_the_first_changed_line_and_says_what_to_add(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert (finding.path, finding.start_line) == ("deploy/api.yaml", 14)
    for words in ("`rollout:canary`", "`rollout:flag`", "`rollout:staged`", "`## Rollout`"):
        assert words in result.fix and words in finding.message
    assert "deploy/api.yaml" in result.reason


@pytest.mark.parametrize("label", ["rollout:canary", "Rollout:Flag"])
def test_a_rollout_label_declares_the_plan(tmp_path: Path, label: str) -> None:
    result = run(tmp_path, pr_labels=(label, "perf"))
    assert result.outcome is Outcome.PASSED
    assert label in result.reason


def test_a_rollout_section_in_the_description_declares_the_plan(tmp_path: Path) -> None:
    body = "Speeds up the API.\n\n## Rollout plan\nCanary at 5% for a day, then 50%, then all.\n"
    result = run(tmp_path, body=body)
    assert result.outcome is Outcome.PASSED
    assert "Rollout plan" in result.reason


def test_an_empty_template_section_does_not_count(tmp_path: Path) -> None:
    body = "## Rollout\n<!-- How will this reach production? -->\n\n## Testing\nunit tests\n"
    result = run(tmp_path, body=body)
    assert result.outcome is Outcome.FAILED
    assert "section is empty" in result.reason


def test_labels_sections_and_paths_are_configurable(tmp_path: Path) -> None:
    settings = {"labels": ("ship:canary",), "sections": ("Deployment",),
                "when": Scope(paths=("services/**",))}
    head = {"services/api.py": "def f():\n    return 1\n"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    failed = run(tmp_path / "a", head=head, pr_labels=("rollout:canary",), **settings)
    assert failed.outcome is Outcome.FAILED
    assert "`ship:canary`" in failed.fix and "`## Deployment`" in failed.fix
    assert failed.findings[0].start_line == 1
    passed = run(tmp_path / "b", head=head, body="# Deployment\nBehind flag `fast_api`.\n",
                 **settings)
    assert passed.outcome is Outcome.PASSED


def test_changes_outside_deployment_paths_are_skipped(tmp_path: Path) -> None:
    result = run(tmp_path, head={"src/app.py": "x = 1\n"})
    assert result.outcome is Outcome.SKIPPED


def test_the_first_changed_line_is_counted_as_git_counts_lines(tmp_path: Path) -> None:
    # A form feed or a Unicode line separator in an unchanged line is not a line break.
    base = {"deploy/api.yaml": "".join(f"line{i}: {i}\f # \u2028 x\n" for i in range(1, 21))}
    head = {"deploy/api.yaml": "".join(
        f"line{i}: {i if i != 14 else 99}\f # \u2028 x\n" for i in range(1, 21))}
    result = run_rule(tmp_path, rollout, rollout.Settings(), base, head)
    [finding] = result.findings
    assert (finding.path, finding.start_line) == ("deploy/api.yaml", 14)
