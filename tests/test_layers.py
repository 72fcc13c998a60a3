"""extends: reference syntax, key-by-key merging, and problems attributed to the right file."""

from __future__ import annotations

import pytest

from bot.core.config import ConfigError, ConfigSource, load
from bot.core.layers import Reference, merge, parse_reference
from bot.core.results import Severity
from bot.core.yamldoc import parse

ORG_FILE = "octo-org/.github:.github/performance.yml"
ORG_TEXT = """\
version: 1
check_name: Org performance
skip_labels: [no-perf, perf:skip]
rules:
  design_record:
    severity: warning
    when:
      paths: ["api/**", "db/**"]
      labels: [architecture]
"""


def org(text: str = ORG_TEXT) -> ConfigSource:
    return ConfigSource(text=text, origin=f"`{ORG_FILE}`", path=ORG_FILE, in_repo=False)


def repo(text: str) -> ConfigSource:
    return ConfigSource(text=text, origin="repo")


HERE = Reference("octo-org/service")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("org", Reference("octo-org/.github")),
        ("acme/standards", Reference("acme/standards")),
        ("acme/standards:perf/base.yml", Reference("acme/standards", "perf/base.yml")),
        ("acme/standards@v2", Reference("acme/standards", ref="v2")),
        ("acme/std:perf/base.yml@release/1", Reference("acme/std", "perf/base.yml", "release/1")),
    ],
)
def test_reference_syntax(written: str, expected: Reference) -> None:
    assert parse_reference(written, "octo-org") == expected


@pytest.mark.parametrize("written", ["octo-org", "a/b/c", "a/b:../x.yml", "a b/c", "a/b@"])
def test_malformed_references_are_refused(written: str) -> None:
    with pytest.raises(ValueError, match=r"config reference|must not contain"):
        parse_reference(written, "octo-org")


def test_repo_overrides_org_key_by_key_and_lists_are_replaced() -> None:
    text = "extends: org\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"
    config = load(repo(text), parent=org(), owner="octo-org", here=HERE)
    rule = config.rules.design_record
    assert rule.when.paths == ("src/**",)  # replaced, not appended
    assert rule.when.labels == ("architecture",)  # kept from the org file
    assert rule.severity is Severity.WARNING  # kept from the org file
    assert config.check_name == "Org performance"
    assert config.skip_labels == ("no-perf", "perf:skip")


def test_merged_positions_point_into_the_file_each_value_came_from() -> None:
    child = parse("extends: org\nrules:\n  design_record:\n    enabled: false\n")
    merged = merge(parse(ORG_TEXT), child, ORG_FILE)
    assert merged.file(("rules", "design_record", "severity")) == ORG_FILE
    assert merged.position(("rules", "design_record", "severity")).line == 6
    assert merged.file(("rules", "design_record", "enabled")) == ""
    assert merged.position(("rules", "design_record", "enabled")).line == 4
    assert merged.file(("check_name",)) == ORG_FILE


def test_a_problem_in_the_org_file_is_reported_against_the_org_file() -> None:
    broken = ORG_TEXT.replace("severity: warning", "severity: loud")
    with pytest.raises(ConfigError) as caught:
        load(repo("extends: org\ndrafts: nope\n"), parent=org(broken), owner="octo-org", here=HERE)
    found = {(p.file, p.position.line, p.position.column) for p in caught.value.problems}
    assert found == {(ORG_FILE, 6, 15), ("", 2, 9)}


def test_a_syntax_error_in_the_org_file_names_the_org_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load(repo("extends: org\n"), parent=org("rules: [\n"), owner="octo-org", here=HERE)
    [problem] = caught.value.problems
    assert problem.file == ORG_FILE and "YAML syntax error" in problem.message


def test_a_missing_target_is_an_error_at_the_extends_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load(repo("version: 1\nextends: acme/std\n"), parent=None, owner="octo-org", here=HERE)
    [problem] = caught.value.problems
    assert (problem.file, problem.position.line, problem.position.column) == ("", 2, 10)
    assert "cannot read acme/std:.github/performance.yml" in problem.message


def test_extending_itself_is_a_cycle() -> None:
    text = "extends: octo-org/service\n"
    with pytest.raises(ConfigError, match="is this file itself"):
        load(repo(text), parent=repo(text), owner="octo-org", here=HERE)


def test_a_target_that_extends_back_is_a_cycle() -> None:
    back = org("extends: octo-org/service\n")
    with pytest.raises(ConfigError, match="a cycle") as caught:
        load(repo("extends: org\n"), parent=back, owner="octo-org", here=HERE)
    assert caught.value.problems[0].position.line == 1


def test_only_one_level_is_followed() -> None:
    deeper = org("extends: acme/base\nversion: 1\n")
    with pytest.raises(ConfigError, match="follows one level") as caught:
        load(repo("version: 1\nextends: org\n"), parent=deeper, owner="octo-org", here=HERE)
    assert caught.value.problems[0].position.line == 2
