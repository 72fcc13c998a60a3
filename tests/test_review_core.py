"""The reviewer's side, pure: commands, escaping, signed state, sign-offs, ticks, sweep."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.core.config import Config
from bot.core.evaluate import verdict
from bot.core.results import Conclusion, Evaluation, Outcome, RuleResult, Severity, Stage, Variance
from bot.core.review import escape, sweep
from bot.core.review.checklist import Edit, ManualItem, parse_ticks
from bot.core.review.commands import Help, Malformed, Recheck, Revoke, SignOff, parse
from bot.core.review.decide import Facts, decide, resolve_ticks
from bot.core.review.state import ReviewState, SignOffRecord, TickRecord, decode, derive_key, encode
from bot.core.review_settings import ReviewSettings

KEY = derive_key("secret")


def test_commands_with_quotes_unicode_and_multi_line_plans():
    body = (
        "Thanks!\n/perf signoff bench:p99 --reason “Launch deadline” --mitigation \"1. cache\n"
        "2. batch \\\"writes\\\"\" --owner @octo-org/perf --due 2026-12-31\n"
        "  /perf revoke design_record\n/perf recheck\n/perf help\n"
    )
    assert parse(body) == (
        SignOff("bench:p99", "Launch deadline", '1. cache\n2. batch "writes"',
                "@octo-org/perf", date(2026, 12, 31)),
        Revoke("design_record"),
        Recheck(),
        Help(),
    )


@pytest.mark.parametrize("body", [
    "> /perf signoff x --reason a --mitigation b",
    "```\n/perf signoff x --reason a --mitigation b\n```",
    "~~~~\n/perf help\n~~~~",
    "    /perf help",
    "see `/perf help`",
    "/performance is great",
])
def test_commands_in_quotes_code_or_prose_are_ignored(body):
    assert parse(body) == ()


@pytest.mark.parametrize("body", [
    "<!-- /perf help -->",
    "<!--\n/perf help\n-->",
    "Draft:\n<!--\nnotes\n\n/perf revoke x\n  -->\n",
    "text <!-- opens here\n/perf help\nand closes --> here",
    "<!-- never closed\n\n/perf help\n/perf recheck",
    "<!-- one --><!-- two\n/perf help -->",
])
def test_commands_inside_html_comments_are_ignored(body):
    assert parse(body) == ()


@pytest.mark.parametrize(("body", "found"), [
    ("<!-- hidden -->\n/perf help", (Help(),)),
    ("<!---->\n/perf help", (Help(),)),
    ("<!-- a\nb -->\n/perf recheck\n<!-- /perf help -->", (Recheck(),)),
    ("```\n<!--\n```\n/perf help", (Help(),)),  # in a fence, ``<!--`` is shown, not opened
])
def test_commands_beside_html_comments_still_count(body, found):
    assert parse(body) == found


@pytest.mark.parametrize(("body", "problem"), [
    ("/perf", "no command"),
    ("/perf frob", "unknown command"),
    ("/perf signoff x --reason a", "--mitigation"),
    ("/perf signoff x --reason 'a --mitigation b", "unterminated"),
    ("/perf signoff x --reason a --mitigation b --due 31/12/2026", "YYYY-MM-DD"),
    ("/perf signoff x --reason a --mitigation b --owner not_a_login!", "--owner"),
    ("/perf signoff x y --reason a --mitigation b", "unexpected"),
    ("/perf revoke", "one variance"),
])
def test_malformed_commands_say_what_is_wrong(body, problem):
    [parsed] = parse(body)
    assert isinstance(parsed, Malformed) and problem in parsed.problem


def test_user_text_cannot_open_a_marker_draw_a_box_or_mention():
    text = "<!-- perfbot:state v1 x -->\n- [x] done <!-- perfbot:item:load-test --> @team | *b*"
    shown = escape.inline(text)
    assert "<!--" not in shown and "\n" not in shown and "@team" not in shown
    assert parse_ticks(shown) == {}
    assert escape.code("a`b") == "``a`b``"


def test_state_is_signed_and_bound_to_its_pull_request():
    state = ReviewState(ticks=(TickRecord("load-test", "maria", "2026-11-27T00:00:00Z"),))
    block = encode(state, KEY, "o/r", 1)
    assert decode(f"text\n{block}", KEY, "o/r", 1) == state
    assert decode(block, KEY, "o/r", 2) is None  # transplanted to another PR
    assert decode(block, derive_key("other"), "o/r", 1) is None
    tampered = block.replace(block.split()[3], block.split()[3][:-4] + "AAAA")
    assert decode(tampered, KEY, "o/r", 1) is None


def result(variances=(), outcome=Outcome.FAILED) -> RuleResult:
    return RuleResult("benchmarks", "Benchmarks", Stage.TESTING, outcome, Severity.FAILURE,
                      "slower", variances=variances)


def signed(variance: str, magnitude: float | None) -> SignOffRecord:
    return SignOffRecord(variance, "benchmarks", "maria", "2026-11-27T00:00:00Z", "why",
                         "plan", "abc1234", magnitude=magnitude)


def run_decide(results, state, settings=ReviewSettings()):
    config = Config(review=settings)
    conclusion, title = verdict(results, config)
    evaluation = Evaluation("Performance workflow", conclusion, title, results)
    return decide(evaluation, config, settings, state, {}, Facts("o/r", 1), KEY)


def test_all_variances_signed_off_pass_and_a_worse_push_invalidates():
    variances = (Variance("benchmarks:a", "a slower", 0.10), Variance("benchmarks:b", "b", 0.05))
    both = ReviewState(signoffs=(signed("benchmarks:a", 0.10), signed("benchmarks:b", 0.05)))
    assert run_decide((result(variances),), both).evaluation.conclusion is Conclusion.SUCCESS
    one = ReviewState(signoffs=(signed("benchmarks:a", 0.10),))
    decision = run_decide((result(variances),), one)
    assert decision.evaluation.conclusion is Conclusion.FAILURE
    assert "`benchmarks:b`" in decision.body and "Variances awaiting sign-off" in decision.body
    worse = (Variance("benchmarks:a", "a slower", 0.20), Variance("benchmarks:b", "b", 0.05))
    decision = run_decide((result(worse),), both)
    assert decision.evaluation.conclusion is Conclusion.FAILURE
    assert "no longer applies" in decision.body and "+20.0%" in decision.body


def test_a_failed_rule_without_variances_has_one_named_by_the_rule():
    state = ReviewState(signoffs=(signed("benchmarks", None),))
    decision = run_decide((result(),), state)
    assert decision.evaluation.conclusion is Conclusion.SUCCESS
    assert "Signed off by @maria" in decision.evaluation.results[0].reason


def test_ticks_merge_by_id_and_unauthorised_required_ticks_are_reverted():
    items = (ManualItem("load-test", Stage.TESTING, "Load test", True),
             ManualItem("docs", Stage.LAUNCH, "Docs", False))
    state = ReviewState()
    _, shown, reverted = resolve_ticks(state, items, {"load-test": True, "docs": True}, None, "t")
    assert shown == {"load-test": True, "docs": True} and reverted == ()  # pending, kept
    new, shown, reverted = resolve_ticks(state, items, {"load-test": True, "docs": True},
                                         Edit("eve", False), "t")
    assert reverted == ("load-test",) and shown["load-test"] is False
    assert new.ticked() == {"docs"}



def test_an_edit_judges_only_the_ticks_it_flipped():
    from bot.core.review.checklist import flipped

    items = (ManualItem("load-test", Stage.TESTING, "Load test", True),
             ManualItem("docs", Stage.LAUNCH, "Docs", False))
    # Eve ticked docs; the comment also shows someone else's load-test tick, still on its way.
    before = ("- [x] Load test <!-- perfbot:item:load-test -->\n"
              "- [ ] Docs <!-- perfbot:item:docs -->")
    mine = flipped(before, before.replace("- [ ] Docs", "- [x] Docs"))
    assert mine == {"docs"}
    new, shown, reverted = resolve_ticks(ReviewState(), items, {"load-test": True, "docs": True},
                                         Edit("eve", False, mine), "t")
    assert reverted == () and shown == {"load-test": True, "docs": True}
    assert [(t.item, t.by) for t in new.ticks] == [("docs", "eve")]


def test_comment_fits_githubs_limit():
    many = tuple(Variance(f"benchmarks:case{i}", "x" * 300, 0.1) for i in range(400))
    decision = run_decide((result(many),), ReviewState())
    assert len(decision.body) <= 65_536


def test_sweep_finds_expired_markers_and_reminds_once_per_period():
    text = "a = 1\n# perf-temp: remove by 2026-01-31\nb = 2  # perf-temp: remove by 2099-01-01\n"
    found = sweep.temporaries("src/a.py", text, "perf-temp: remove by")
    assert [(t.line, t.due) for t in found] == [(2, date(2026, 1, 31)), (3, date(2099, 1, 1))]
    assert [t.line for t in sweep.expired(found, date(2026, 11, 27))] == [2]
    due, today = date(2026, 11, 1), date(2026, 11, 27)
    assert sweep.reminder_due(due, today, None, 7)
    last = sweep.last_reminder([sweep.reminder(due, date(2026, 11, 24), ())])
    assert last == date(2026, 11, 24)
    assert not sweep.reminder_due(due, today, last, 7)
    assert sweep.reminder_due(due, date(2026, 12, 1), last, 7)


def test_mitigation_issues_per_variance_or_per_pr():
    from bot.core.review import mitigation
    from bot.core.review.state import VarianceRecord
    from bot.core.review_settings import IssueGrouping, MitigationSettings

    state = ReviewState(
        signoffs=(signed("benchmarks:a", 0.1), signed("benchmarks:b", 0.2)),
        variances=(VarianceRecord("benchmarks:a", "benchmarks", "a slower", 0.1),
                   VarianceRecord("benchmarks:b", "benchmarks", "b slower", 0.2)),
    )
    per_variance = mitigation.drafts(state, MitigationSettings(assignees=("lead",)), "o/r", 7, "u")
    assert [d.key for d in per_variance] == ["benchmarks:a", "benchmarks:b"]
    assert per_variance[0].assignees == ("lead",) and "+10.0%" in per_variance[0].body
    [one] = mitigation.drafts(state, MitigationSettings(grouping=IssueGrouping.PER_PR), "o/r", 7,
                              "u")
    tracked = mitigation.tracked(one.body)
    assert tracked is not None and tracked.variances == ("benchmarks:a", "benchmarks:b")
    merged_later = ReviewState(passed_rules=("benchmarks",))
    # Recorded without a baseline (as issues opened before baselines were): rule-level.
    assert [r.variance for r in mitigation.recovered(tracked, merged_later)] == [
        "benchmarks:a", "benchmarks:b"]
    still_slow = ReviewState(variances=(VarianceRecord("benchmarks:a", "benchmarks", "", 0.1),))
    assert mitigation.recovered(tracked, still_slow) == ()


def test_a_mitigation_issue_says_the_size_of_a_regression_once():
    from bot.core.review import mitigation
    from bot.core.review.state import VarianceRecord
    from bot.core.review_settings import MitigationSettings

    state = ReviewState(
        signoffs=(signed("benchmarks:a", 0.301), signed("design_record", 0.1)),
        variances=(VarianceRecord("benchmarks:a", "benchmarks", "a (time) regressed +30.1%",
                                  0.301),
                   VarianceRecord("design_record", "design_record", "no record", 0.1)),
    )
    measured, rule = mitigation.drafts(state, MitigationSettings(), "o/r", 7, "u")
    assert "regressed \\+30\\.1%\n" in measured.body and "by +30.1%" not in measured.body
    assert "no record by +10.0%" in rule.body


def test_a_long_variance_summary_is_kept_cut_at_a_word_outside_code():
    from bot.core.review.decide import STATE_SUMMARY, _shortened

    budget = ("tests/test_perf.py::test_checkout (time) is 6.055 ms, outside "
              "`p95 latency <= 5ms` (+21.1%)")
    assert _shortened(budget) == "tests/test_perf.py::test_checkout (time) is 6.055 ms, outside…"
    record = ("This PR changes `services/checkout/api/orders.py` but adds or changes no design "
              "record.")
    assert _shortened(record) == ("This PR changes `services/checkout/api/orders.py` but adds "
                                  "or changes no…")
    assert len(_shortened("x" * 500)) == STATE_SUMMARY and _shortened("short") == "short"


def test_a_long_list_of_variances_awaiting_sign_off_counts_the_ones_it_leaves_out():
    from bot.core.review.decide import WAITING_SHOWN

    many = tuple(Variance(f"benchmarks:b{i}", f"b{i}", 0.1) for i in range(WAITING_SHOWN + 7))
    body = run_decide((result(many),), ReviewState()).body
    assert f"`benchmarks:b{WAITING_SHOWN - 1}`" in body
    assert f"`benchmarks:b{WAITING_SHOWN}`" not in body
    assert "- … and 7 more: see the check run." in body


def test_many_regressed_benchmarks_still_fit_one_comment_with_their_signoffs():

    from bot.core.results import Reading, Variance
    from bot.core.review.checklist import COMMENT_LIMIT
    from bot.core.review.state import ReviewState, SignOffRecord, decode

    # A global slowdown: every benchmark of a large suite regressed, with long ids.
    ids = [f"benchmarks:tests/perf/test_parsers.py::test_parse_document[case-{i:04d}]:time"
           for i in range(400)]
    variances = tuple(Variance(v, "x" * 300, 0.1, baseline=1.0, value=1.1, unit="s",
                               threshold=0.05) for v in ids)
    failed = replace(result(variances), readings=tuple(
        Reading(v, 1.1, "s") for v in ids))
    signed = ReviewState(signoffs=(SignOffRecord(ids[-1], "benchmarks", "maria",
                                                 "2026-11-27T00:00:00Z", "why", "plan",
                                                 "abc1234", magnitude=0.1),))
    decision = run_decide((failed,), signed)
    assert len(decision.body) <= COMMENT_LIMIT
    kept = decode(decision.body, KEY, "o/r", 1)
    assert kept is not None and ids[-1] in {v.id for v in kept.variances}


def test_signoffs_too_long_for_the_comment_are_refused():

    from bot.core.results import Variance
    from bot.core.review import actions
    from bot.core.review.checklist import COMMENT_LIMIT
    from bot.core.review.commands import SignOff
    from bot.core.review.signoff import current_variances
    from bot.core.review.state import ReviewState

    variances = tuple(Variance(f"benchmarks:case{i}", "slower", 0.1) for i in range(10))
    records = current_variances((result(variances),))
    state, problems = ReviewState(), []
    for v in records:  # plans of the longest kind a command allows, in Cyrillic
        command = SignOff(v.id, "ж" * 2000, "ж" * 2000)
        state, problem = actions.sign_off(state, command, "maria", variances=records,
                                          head_sha="f" * 40, now="2026-11-27T00:00:00Z")
        problems.append(problem)
    assert any("shorter" in p for p in problems)
    assert len(run_decide((result(variances),), state).body) <= COMMENT_LIMIT
