from pathlib import Path

import pytest

from bot.core.config import Config, ConfigError, ConfigSource, OutOfScope, builtin_source, load
from bot.core.results import Severity
from bot.core.rules import design_record


def problems(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ConfigError) as caught:
        load(ConfigSource(text=text, origin="test"))
    return [(p.position.line, p.position.column, p.message) for p in caught.value.problems]


def test_empty_file_means_all_defaults() -> None:
    assert load(ConfigSource(text="", origin="test")) == Config()


def test_settings_left_out_keep_their_defaults() -> None:
    text = "rules:\n  design_record:\n    severity: warning\n"
    config = load(ConfigSource(text=text, origin="t"))
    rule = config.rules.design_record
    assert rule.severity is Severity.WARNING
    assert rule.record_paths == design_record.Settings().record_paths


def test_a_single_string_is_taken_as_a_one_item_list() -> None:
    text = "rules:\n  design_record:\n    when:\n      labels: arch\n"
    assert load(ConfigSource(text=text, origin="t")).rules.design_record.when.labels == ("arch",)


def test_yaml_syntax_error_points_at_the_line() -> None:
    [(line, column, message)] = problems("version: 1\nrules:\n  design_record: [oops\n")
    assert line == 4 and column == 1
    assert "YAML syntax error" in message


def test_every_problem_is_reported_at_its_own_place() -> None:
    text = (
        "version: 3\n"
        "rules:\n"
        "  design_record:\n"
        "    severty: failure\n"
        "    enabled: maybe\n"
        "    link_patterns: ['ok', '(unclosed']\n"
    )
    found = problems(text)
    assert (4, 5) in [(line, col) for line, col, _ in found]  # the misspelt key itself
    assert any("did you mean 'severity'" in m for *_, m in found)
    assert (5, 14) in [(line, col) for line, col, _ in found]
    assert any(line == 6 and col == 27 and "regular expression" in m for line, col, m in found)
    assert any(line == 1 and "version: 3 is not supported" in m for line, col, m in found)


def test_unknown_rule_is_an_error() -> None:
    [(line, col, message)] = problems("rules:\n  design_records: {}\n")
    assert (line, col) == (2, 3)
    assert "did you mean 'design_record'" in message


def test_wrong_enum_lists_the_choices() -> None:
    [(_, _, message)] = problems("out_of_scope: maybe\n")
    assert "success, neutral" in message


@pytest.mark.parametrize(
    "text",
    ["- a\n- b\n", "just a string\n", "a: 1\na: 2\n", "x: !!python/object:os.system ls\n"],
)
def test_not_a_settings_mapping_is_refused(text: str) -> None:
    assert problems(text)


def test_builtin_defaults_advise_and_otherwise_match_the_documented_defaults() -> None:
    config = load(builtin_source())
    assert config.rules.design_record.severity is Severity.WARNING
    assert config.out_of_scope is OutOfScope.SUCCESS
    # The file documents the code's defaults; apart from severity they must not drift apart.
    documented = config.rules.design_record
    code = design_record.Settings()
    assert (documented.when, documented.record_paths, documented.link_patterns) == (
        code.when,
        code.record_paths,
        code.link_patterns,
    )


def test_builtin_defaults_ship_in_config_folder() -> None:
    root = Path(__file__).parents[1]
    assert builtin_source().text == (root / "config" / "default.yml").read_text()
