"""Values of the right type that perfbot still could not use: out of range, no pattern, a
reference to nothing. Each is an error at its line, in the file it is written in, and the
schema editors read states the same ranges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.core import globs
from bot.core.config import ConfigError, ConfigSource, load
from bot.core.schema import reference_table
from bot.core.validation import published_schema

ROOT = Path(__file__).parents[1]


def problems(text: str, parent: str | None = None) -> list[tuple[str, int, int, str]]:
    source = ConfigSource(text=text, origin="test")
    base = ConfigSource(parent, "org", path="org.yml", in_repo=False) if parent else None
    with pytest.raises(ConfigError) as caught:
        load(source, parent=base, owner="octo-org")
    return [(p.file, p.position.line, p.position.column, p.message)
            for p in caught.value.problems]


# The same class of hole as the list, found by reading the whole reference.
@pytest.mark.parametrize(
    ("text", "line", "column", "says"),
    [
        ("rules:\n  design_record:\n    when:\n      min_changed_lines: -1\n", 4, 26,
         "rules.design_record.when.min_changed_lines: must be a whole number of at least 0"),
        ("rules:\n  benchmarks:\n    policy:\n      noise_margin: -1\n", 4, 21,
         "rules.benchmarks.policy.noise_margin: must be a number of at least 0, not -1"),
        ("rules:\n  benchmarks:\n    policy:\n      overrides:\n        - benchmarks: [a]\n"
         "          spread_margin: -0.5\n", 6, 26,
         "rules.benchmarks.policy.overrides[0].spread_margin: must be a number of at least 0"),
        ("rules:\n  benchmarks:\n    policy:\n      overrides:\n        - benchmarks: [a]\n"
         "          min_samples: 0\n", 6, 24,
         "rules.benchmarks.policy.overrides[0].min_samples: must be a whole number of at least 1"),
        ("rules:\n  benchmarks:\n    policy:\n      confidence: 0\n", 4, 19,
         "rules.benchmarks.policy.confidence: must be a number greater than 0 and less than 1"),
        ("rules:\n  benchmarks:\n    policy:\n      threshold: 1\n", 4, 18,
         "rules.benchmarks.policy.threshold: must be a number greater than 0 and less than 1"),
        ("review:\n  sweep:\n    reminder_days: 0\n", 3, 20,
         "review.sweep.reminder_days: must be a whole number of at least 1, not 0"),
        ("review:\n  mitigation:\n    milestone: 0\n", 3, 16,
         "review.mitigation.milestone: must be a whole number of at least 1, not 0"),
        ("rules:\n  benchmarks:\n    format: pytest-benchmarks\n", 3, 13,
         "rules.benchmarks.format: must be one of auto, pytest-benchmark, google-benchmark"),
        ("rules:\n  instrumentation:\n    presets: [opentelemetry, zipkin]\n", 3, 30,
         "rules.instrumentation.presets[1]: must be one of opentelemetry, prometheus"),
        ("rules:\n  instrumentation:\n    presets: zipkin\n", 3, 14,
         "rules.instrumentation.presets: must be one of opentelemetry"),
        ("rules:\n  tuning_knobs:\n    config_patterns: ['^(\\w+)\\s*=']\n", 3, 23,
         "rules.tuning_knobs.config_patterns[0]: must be a pattern with the group (?P<knob>…)"),
        ("rules:\n  benchmarks:\n    budgets:\n      - limit: 'p95 <= 1ms'\n"
         "        benchmarks: ['test_[a']\n", 5, 22,
         "rules.benchmarks.budgets[0].benchmarks[0]: invalid path pattern 'test_[a'"),
        ("rules:\n  alerts:\n    when:\n      base_branches: ['release/{1,2}']\n", 4, 23,
         "rules.alerts.when.base_branches[0]: invalid path pattern 'release/{1,2}': braces"),
        ("paths: ['src/**', '!']\n", 1, 19, "paths[1]: invalid path pattern '!'"),
        ("review:\n  checklist:\n    design: ['load: x']\n    testing: ['load: y']\n", 4, 15,
         "review.checklist.testing[0]: the id 'load' is already used by "
         "review.checklist.design[0]"),
        ("review:\n  checklist:\n    required: signoff\n", 3, 15,
         "review.checklist.required: no manual checklist item has the id 'signoff'; there are "
         "none"),
        ("review:\n  checklist:\n    testing: ['dba: A DBA reviewed the migration']\n"
         "    only_for: ['dab: migrations/**']\n", 4, 16,
         "review.checklist.only_for[0]: no manual checklist item has the id 'dab' (did you "
         "mean 'dba'?)"),
        ("review:\n  checklist:\n    testing: ['dba: x']\n    only_for: ['dba']\n", 4, 16,
         "review.checklist.only_for[0]: write `\"<id>: <glob>\"`, not 'dba'"),
        ("review:\n  checklist:\n    testing: ['dba: x']\n    only_for: ['dba: db/[a']\n", 4, 16,
         "review.checklist.only_for[0]: invalid path pattern 'db/[a'"),
        ("review:\n  signoff:\n    teams: [payments]\n", 3, 13,
         "review.signoff.teams[0]: must be a team written `org/team` or `@org/team`, not "
         "'payments'"),
        ("review:\n  signoff:\n    users: ['alice bob']\n", 3, 13,
         "review.signoff.users[0]: must be a GitHub login such as `alice` or `@alice`"),
        ("review:\n  mitigation:\n    assignees: 'octo-org/payments'\n", 3, 16,
         "review.mitigation.assignees: must be a GitHub login"),
        ("review:\n  sweep:\n    temporary_marker: ' '\n", 3, 23,
         "review.sweep.temporary_marker: must be text that is not blank, not ' '"),
        ("rules:\n  objectives:\n    file: ''\n", 3, 11,
         "rules.objectives.file: must be a path inside the repository (not blank"),
        ("rules:\n  benchmarks:\n    objectives_file: ../secrets.yml\n", 3, 22,
         "rules.benchmarks.objectives_file: must be a path inside the repository"),
        ("rules:\n  benchmarks:\n    artifacts:\n      workflows: .github/workflows/bench.yml\n",
         4, 18, "rules.benchmarks.artifacts.workflows: must be a workflow's file name such as "
         "`benchmark.yml` (without `.github/workflows/`)"),
        ("rules:\n  benchmarks:\n    artifacts:\n      artifact: ''\n", 4, 17,
         "rules.benchmarks.artifacts.artifact: must be text that is not blank"),
    ],
)
def test_a_value_perfbot_could_not_use_is_an_error_at_its_line(
    text: str, line: int, column: int, says: str
) -> None:
    [(file, at_line, at_column, message)] = problems(text)
    assert (file, at_line, at_column) == ("", line, column)
    assert message.startswith(says)


def test_values_at_the_edges_of_their_ranges_are_accepted() -> None:
    text = (
        "rules:\n"
        "  instrumentation: {min_function_lines: 1}\n"
        "  design_record: {when: {min_changed_lines: 0}}\n"
        "  benchmarks:\n"
        "    policy: {threshold: 0.999, confidence: 0.5, min_samples: 1, noise_margin: 0,\n"
        "             spread_margin: 0}\n"
        "    artifacts: {timeout_minutes: 1, max_bytes: 1}\n"
        "    budgets: [{limit: 'allocs/op <= 0'}, {limit: 'http_req_duration p(95) < 400ms'}]\n"
        "    format: pytest-benchmark\n"
        "  objectives: {file: docs/perf/objectives.yml}\n"
        "review:\n"
        "  signoff: {users: ['@alice', bob-2], teams: ['@octo-org/perf', octo-org/sre.team]}\n"
        "  mitigation: {assignees: [alice]}\n"
        "  checklist:\n"
        "    testing: ['load: A load test ran', 'Someone read the flame graph']\n"
        "    required: [load, someone-read-the-flame-graph]\n"
        "    only_for: ['load: services/**']\n"
        "  sweep: {reminder_days: 1}\n"
    )
    config = load(ConfigSource(text=text, origin="t"))
    assert config.rules.benchmarks.policy.threshold == 0.999
    assert config.rules.benchmarks.budgets[0].benchmarks == ("**",)


def test_every_problem_is_listed_in_file_order() -> None:
    found = problems(
        "review:\n  checklist:\n    required: [nope]\n"
        "rules:\n  benchmarks:\n    policy: {threshold: -1}\n"
    )
    assert [(line, column) for _, line, column, _ in found] == [(3, 16), (6, 25)]


ORG = "rules:\n  benchmarks:\n    policy:\n      threshold: 30\nreview:\n  checklist:\n" \
      "    testing: ['load: A load test ran']\n"


def test_an_error_in_the_extended_file_is_reported_against_that_file() -> None:
    found = problems("extends: org\nrules:\n  instrumentation:\n    min_function_lines: 0\n",
                     parent=ORG)
    assert [(f, line, column) for f, line, column, _ in found] == [("", 4, 25), ("org.yml", 4, 18)]
    assert found[1][3].startswith("rules.benchmarks.policy.threshold: must be a number greater")


def test_a_required_item_may_be_listed_in_the_extended_file() -> None:
    parent = ORG.replace("threshold: 30", "threshold: 0.3")
    config = load(ConfigSource("extends: org\nreview:\n  checklist:\n    required: [load]\n", "t"),
                  parent=ConfigSource(parent, "org", path="org.yml", in_repo=False))
    assert config.review.checklist.required == ("load",)
    [(file, line, _, message)] = problems(
        "extends: org\nreview:\n  checklist:\n    required: [lod]\n", parent=parent)
    assert (file, line) == ("", 4) and "did you mean 'load'?" in message


def test_validate_names_the_extended_file_for_its_own_mistakes(tmp_path, capsys) -> None:
    org = tmp_path / "org.yml"
    org.write_text(ORG)
    path = tmp_path / "performance.yml"
    path.write_text("version: 1\nextends: org\n")
    assert main(["config", "validate", str(path), "--extends", str(org)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{org}:4:18: rules.benchmarks.policy.threshold: must be a number")


def test_the_published_schema_tells_editors_the_ranges() -> None:
    schema = published_schema()
    benchmarks = schema["properties"]["rules"]["properties"]["benchmarks"]["properties"]
    policy = benchmarks["policy"]["properties"]
    assert (policy["threshold"]["exclusiveMinimum"], policy["threshold"]["exclusiveMaximum"]) \
        == (0, 1)
    assert (policy["confidence"]["exclusiveMinimum"], policy["confidence"]["exclusiveMaximum"]) \
        == (0, 1)
    assert policy["min_samples"]["minimum"] == 1
    assert benchmarks["artifacts"]["properties"]["timeout_minutes"]["minimum"] == 1
    assert benchmarks["budgets"]["items"]["required"] == ["limit"]
    knobs = schema["properties"]["rules"]["properties"]["tuning_knobs"]["properties"]
    assert knobs["patterns"]["items"]["pattern"] == r"\(\?P?<(?:knob|name)>"
    table = reference_table(schema)
    assert "| `rules.benchmarks.policy.threshold` | number, > 0 and < 1 | `0.1` |" in table
    assert "| `rules.instrumentation.min_function_lines` | integer, ≥ 1 | `5` |" in table


def test_the_shipped_schema_file_is_valid_json_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(json.loads((ROOT / "config" / "schema.json").read_text()))


@pytest.mark.parametrize(
    "pattern",
    ["src/**", "!src/**/tests/**", "**/*.py", "docs/[a-z]*.md", "x/[]a]", "x/[!a]b", "\\[lit",
     "a\\{b\\}", "*[bot]", "bench.py::test_x[1]", "**"],
)
def test_real_globs_have_no_syntax_problem(pattern: str) -> None:
    assert globs.syntax_problem(pattern) is None


def test_every_shipped_default_glob_is_valid() -> None:
    def walk(node: object) -> list[str]:
        if isinstance(node, dict):
            found = []
            for key, value in node.items():
                if key == "default" and node.get("items", {}).get("format") == "glob":
                    found += value
                found += walk(value)
            return found
        return []

    defaults = walk(published_schema())
    assert len(defaults) > 50
    assert [g for g in defaults if globs.syntax_problem(g)] == []
