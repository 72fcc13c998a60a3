"""Config validation in the core: every kind of error at its line and column, bad input refused."""

from __future__ import annotations

import pytest
from config_cases import CASES, Case

from bot.core.config import Config, ConfigError, ConfigSource, Drafts, load
from bot.core.yamldoc import MAX_BYTES


def problems(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ConfigError) as caught:
        load(ConfigSource(text=text, origin="test"))
    return [(p.position.line, p.position.column, p.message) for p in caught.value.problems]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_kind_of_error_is_reported_at_its_line_and_column(case: Case) -> None:
    [(line, column, message)] = problems(case.text)
    assert (line, column) == (case.line, case.column)
    assert case.says in message


def test_all_problems_are_reported_at_once() -> None:
    found = problems(
        "version: 1\n"
        "drafts: never\n"
        "paths: 7\n"
        "skip_labels: [ok, 3]\n"
        "rules:\n"
        "  nope: {}\n"
        "  design_record:\n"
        "    enabled: maybe\n"
    )
    assert [(line, col) for line, col, _ in found] == [(2, 9), (3, 8), (4, 19), (6, 3), (8, 14)]
    assert "paths: must be a list of strings (or one string), not 7" in found[1][2]
    assert "skip_labels[1]: must be a string, not 3" in found[2][2]


def test_top_level_scope_settings_bind() -> None:
    text = (
        "paths: ['services/**', '!services/**/tests/**']\n"
        "labels: perf\n"
        "skip_labels: [no-perf]\n"
        "skip_authors: ['*[bot]']\n"
        "drafts: skip\n"
    )
    config = load(ConfigSource(text=text, origin="t"))
    assert config.paths == ("services/**", "!services/**/tests/**")
    assert config.labels == ("perf",)
    assert config.skip_labels == ("no-perf",)
    assert config.skip_authors == ("*[bot]",)
    assert config.drafts is Drafts.SKIP
    assert Config().skip_labels == ("perf:skip",)


def test_regex_syntax_of_the_regex_module_is_accepted() -> None:
    # Patterns run on the `regex` module, so what it compiles is valid config.
    text = "rules:\n  design_record:\n    link_patterns: ['\\p{Lu}+-\\d+']\n"
    assert load(ConfigSource(text=text, origin="t")).rules.design_record.link_patterns


def test_a_billion_laughs_is_refused_before_it_expands() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    [(_, _, message)] = problems("\n".join(lines) + "\n")
    assert "expands to more than 100,000 values" in message


def test_an_alias_that_contains_itself_is_refused() -> None:
    [(_, _, message)] = problems("paths: &loop [*loop]\n")
    assert "alias refers to the value that contains it" in message


def test_aliases_within_the_budget_are_fine() -> None:
    text = (
        "paths: &src ['src/**']\n"
        "rules:\n  design_record:\n    when:\n      paths: *src\n"
    )
    assert load(ConfigSource(text=text, origin="t")).rules.design_record.when.paths == ("src/**",)


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 10 * 1024 * 1024])
def test_a_config_over_1_mb_is_refused_without_parsing(size: int) -> None:
    [(line, col, message)] = problems("#" * size)
    assert (line, col) == (1, 1)
    assert "perfbot reads configuration files of at most 1 MB" in message


def test_deep_nesting_is_refused() -> None:
    [(_, _, message)] = problems("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nests deeper than" in message


def test_a_duplicate_key_names_both_places() -> None:
    [(line, col, message)] = problems("version: 1\ndrafts: skip\ndrafts: evaluate\n")
    assert (line, col) == (3, 1)
    assert "duplicate key 'drafts' (first at line 2)" in message


def test_a_rule_header_with_nothing_under_it_means_the_defaults() -> None:
    # What an uncommented header of the documented example looks like.
    config = load(ConfigSource("version: 1\nrules:\n  instrumentation:\n  alerts:\n", "test"))
    assert config.rules.instrumentation == Config().rules.instrumentation
    assert config.rules.alerts == Config().rules.alerts
