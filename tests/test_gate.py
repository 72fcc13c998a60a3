"""The config's top-level scope, and a slow configured pattern, seen through evaluate()."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core import patterns
from bot.core.config import Config, ConfigSource, load
from bot.core.evaluate import evaluate
from bot.core.facts import ChangedFile, FileStatus, PullRequest
from bot.core.gate import author_matches
from bot.core.results import Conclusion, Outcome, RuleResult, Severity, Stage
from bot.core.rules import RULES, Rule

API = ChangedFile("svc/api/routes.py", FileStatus.MODIFIED, 1, 0, patch="@@ -1 +1 @@\n-a\n+b")
PR = PullRequest(head_sha="abc", base_ref="main", author="octocat", files=(API,))


def config(text: str) -> Config:
    return load(ConfigSource(text=text, origin="t"))


def test_the_skip_label_skips_and_says_which_label() -> None:
    result = evaluate(replace(PR, labels=frozenset({"perf:skip"})), Config())
    assert result.conclusion is Conclusion.SUCCESS
    assert result.results == ()
    assert "labelled `perf:skip`" in result.title
    assert "labelled `perf:skip`" in result.notes[0]


def test_a_skipped_pr_concludes_as_out_of_scope_says() -> None:
    result = evaluate(replace(PR, labels=frozenset({"perf:skip"})), config("out_of_scope: neutral"))
    assert result.conclusion is Conclusion.NEUTRAL


@pytest.mark.parametrize(
    ("pattern", "login", "matches"),
    [
        ("dependabot[bot]", "dependabot[bot]", True),
        ("dependabot[bot]", "dependabotb", False),
        ("*[bot]", "renovate[bot]", True),
        ("*[bot]", "robot", False),
        ("OctoCat", "octocat", True),
    ],
)
def test_author_patterns(pattern: str, login: str, matches: bool) -> None:
    assert author_matches(pattern, login) is matches


def test_bot_authors_are_skipped() -> None:
    result = evaluate(replace(PR, author="renovate[bot]"), config("skip_authors: ['*[bot]']"))
    assert result.results == () and "`renovate[bot]`" in result.notes[0]


def test_drafts_are_skipped_only_when_configured() -> None:
    draft = replace(PR, draft=True)
    assert evaluate(draft, Config()).results
    skipped = evaluate(draft, config("drafts: skip"))
    assert skipped.results == () and "draft" in skipped.notes[0]


def test_top_level_paths_and_labels_limit_what_is_evaluated() -> None:
    scoped = config("paths: ['services/**']\nlabels: [perf]\n")
    assert evaluate(PR, scoped).results == ()
    assert "configured `paths`" in evaluate(PR, scoped).notes[0]
    assert evaluate(replace(PR, labels=frozenset({"perf"})), scoped).results
    assert evaluate(PR, config("paths: ['svc/**']")).results


SLOW = r"(a|aa)+$"  # exponential backtracking on a run of a's that does not end the text


def _searching_rule(pr: PullRequest, settings: object) -> RuleResult:
    patterns.search(SLOW, pr.body)
    return RuleResult("slow", "Slow", Stage.DESIGN, Outcome.PASSED, Severity.FAILURE, "ok")


def test_a_slow_pattern_fails_its_rule_and_names_it_while_others_report(monkeypatch) -> None:
    pr = replace(PR, body="a" * 60 + "!")
    monkeypatch.setattr(
        "bot.core.evaluate.RULES", (Rule("design_record", _searching_rule), *RULES)
    )
    evaluation = evaluate(pr, Config())
    slow, *others = evaluation.results
    assert slow.outcome is Outcome.FAILED
    assert f"`{SLOW}`" in slow.reason and "could not finish" in slow.reason
    assert "rules.design_record" in slow.fix
    assert evaluation.conclusion is Conclusion.FAILURE
    assert [r.rule for r in others] == [r.id for r in RULES]
    record = next(r for r in others if r.rule == "design_record")
    assert record.outcome is Outcome.FAILED  # design record's own verdict, still reported


def test_a_skipped_pr_reads_no_files() -> None:
    from bot.core.evaluate import wanted
    from bot.core.rules import Wants

    def wants_everything(pr: PullRequest, settings: object) -> Wants:
        return Wants.of(head=["docs/adr/0001.md"])

    rule = Rule("design_record", _searching_rule, wants_everything)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("bot.core.evaluate.RULES", (rule,))
        assert wanted(PR, Config()).head == frozenset({"docs/adr/0001.md"})
        assert wanted(replace(PR, labels=frozenset({"perf:skip"})), Config()) == Wants()


def test_labels_match_whatever_their_case_as_on_github() -> None:
    # GitHub treats "Perf:Skip" and "perf:skip" as the same label.
    result = evaluate(replace(PR, labels=frozenset({"Perf:Skip"})), Config())
    assert result.results == ()
    assert "labelled `Perf:Skip`" in result.title
    scoped = config("paths: ['docs/**']\nlabels: [performance]")
    assert evaluate(replace(PR, labels=frozenset({"Performance"})), scoped).results != ()
