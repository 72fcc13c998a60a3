"""A rule's ``when``: paths (with ``!``), labels, base branches and a minimum change size."""

import pytest

from bot.core.facts import ChangedFile, FileStatus, PullRequest
from bot.core.rules.scope import Scope, branch_matches, match


def pr(*files: tuple[str, int], base: str = "main", labels: tuple[str, ...] = ()) -> PullRequest:
    changed = tuple(ChangedFile(p, FileStatus.MODIFIED, n, n) for p, n in files)
    return PullRequest(head_sha="h", base_ref=base, labels=frozenset(labels), files=changed)


def test_paths_with_negation_select_files() -> None:
    scope = Scope(paths=("src/**", "!src/**/test_*.py"))
    found = match(scope, pr(("src/a.py", 1), ("src/x/test_a.py", 1), ("docs/a.md", 1)))
    assert found.paths == ("src/a.py",)
    assert found


def test_label_alone_brings_a_change_in() -> None:
    scope = Scope(paths=("src/**",), labels=("perf",))
    found = match(scope, pr(("docs/a.md", 1), labels=("perf",)))
    assert found and found.labels == ("perf",) and found.paths == ()


@pytest.mark.parametrize(
    ("patterns", "branch", "selected"),
    [
        (("main",), "main", True),
        (("main",), "maintenance", False),
        (("main",), "feature/main", False),
        (("release/*",), "release/1.2", True),
        (("release/*",), "release/1.2/hotfix", False),
        (("release/**",), "release/1.2/hotfix", True),
        (("release-?",), "release-7", True),
        (("*",), "anything", True),
        (("**", "!dev/**"), "dev/x", False),
        (("**", "!dev/**"), "main", True),
        (("!main", "main"), "main", True),
        ((), "main", False),
    ],
)
def test_base_branches_are_globs(patterns: tuple[str, ...], branch: str, selected: bool) -> None:
    assert branch_matches(patterns, branch) is selected


def test_base_branch_outside_the_list_is_out_of_scope_and_says_why() -> None:
    scope = Scope(paths=("src/**",), base_branches=("main", "release/*"))
    assert match(scope, pr(("src/a.py", 1), base="release/2.0"))
    found = match(scope, pr(("src/a.py", 1), base="experiment"))
    assert not found
    assert found.why_not("fallback") == (
        "This PR targets `experiment`, which is not one of `main`, `release/*`."
    )


def test_no_base_branches_means_any() -> None:
    assert match(Scope(paths=("src/**",)), pr(("src/a.py", 1), base="whatever"))


def test_min_changed_lines_counts_only_files_in_scope() -> None:
    scope = Scope(paths=("src/**",), min_changed_lines=50)
    # 20 + 20 in scope; the 500 lines of docs do not count.
    change = pr(("src/a.py", 10), ("src/b.py", 10), ("docs/big.md", 250))
    found = match(scope, change)
    assert not found
    assert "40 lines in scope, fewer than the 50" in found.why_not("fallback")
    assert match(scope, pr(("src/a.py", 25)))  # 25 added + 25 deleted


def test_min_changed_lines_counts_every_file_when_a_label_brought_it_in() -> None:
    scope = Scope(paths=("src/**",), labels=("perf",), min_changed_lines=10)
    assert match(scope, pr(("docs/a.md", 5), labels=("perf",)))
    assert not match(scope, pr(("docs/a.md", 4), labels=("perf",)))


def test_zero_min_changed_lines_means_any_amount() -> None:
    assert match(Scope(paths=("src/**",)), pr(("src/a.py", 0)))


def test_describe_reads_as_a_sentence() -> None:
    scope = Scope(paths=("src/**",), labels=("perf",), base_branches=("main",),
                  min_changed_lines=10)
    change = pr(*((f"src/{n}.py", 5) for n in "abcde"), labels=("perf",))
    assert match(scope, change).describe() == (
        "targets `main`, changes `src/a.py`, `src/b.py`, `src/c.py` and 2 more "
        "(50 changed lines) and is labelled `perf`"
    )
    on_main = Scope(paths=("src/**",), base_branches=("main",))
    assert match(on_main, pr(("src/a.py", 1))).describe() == "targets `main` and changes `src/a.py`"
    assert match(Scope(paths=("src/**",)), pr(("src/a.py", 1))).describe() == "changes `src/a.py`"


def test_nothing_matched_gives_the_rule_its_own_reason() -> None:
    found = match(Scope(paths=("src/**",)), pr(("docs/a.md", 1)))
    assert not found
    assert found.why_not("No source file changed.") == "No source file changed."


def test_the_new_scope_keys_bind_from_yaml_with_line_precise_errors() -> None:
    from bot.core.config import ConfigError, ConfigSource, load

    good = "rules:\n  performance_tests:\n    when:\n      base_branches: [main, 'release/*']\n" \
           "      min_changed_lines: 10\n"
    when = load(ConfigSource(good, "test")).rules.performance_tests.when
    assert when.base_branches == ("main", "release/*")
    assert when.min_changed_lines == 10
    bad = "rules:\n  instrumentation:\n    when:\n      min_changed_lines: lots\n"
    with pytest.raises(ConfigError) as error:
        load(ConfigSource(bad, "test"))
    [problem] = error.value.problems
    assert problem.position.line == 4
    assert "min_changed_lines" in problem.message


def test_a_label_matches_whatever_its_case() -> None:
    found = match(Scope(labels=("perf",)), pr(("docs/a.md", 1), labels=("PERF",)))
    assert found and found.labels == ("PERF",)


def test_a_base_branch_glob_with_many_stars_is_matched_in_one_pass() -> None:
    # Translated to a backtracking regex, this took hours on a 40-character branch name
    # and held the App's event loop meanwhile; every repository's checks waited.
    many = "*a" * 12 + "*b"
    assert branch_matches((many,), "a" * 40) is False
    assert branch_matches((many,), "a" * 40 + "b") is True
    assert branch_matches(("**a" * 12 + "**b",), "a/" * 20 + "b") is True
    assert branch_matches(("*a" * 12 + "*b",), "a/" * 20 + "b") is False
