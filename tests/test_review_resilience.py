"""The reviewer's side holds under restarts, redeliveries, races, edits and odd input:
each case end to end through the emulator."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from harness import Bot, World, running_bot
from reviewing import (
    NO_REQUIRED,
    REVOKE,
    SIGNOFF,
    checklists,
    edit_comment,
    opened_failing_pr,
    out_of_scope_pr,
    post_comment,
    replies,
    run,
    say,
    signed_off,
    signed_off_and_merged,
)


def restarted(world: World) -> AbstractAsyncContextManager[Bot]:
    """A fresh perfbot process (same App, same secret, same store): nothing kept in memory."""
    return running_bot(world.emu, world.store_url)


async def test_an_old_state_pasted_back_after_a_restart_restores_no_signoff(
    bot: Bot, world: World
):
    pr, _ = await signed_off(bot, world)
    [checklist] = checklists(world, pr)
    signed_body = checklist.body
    await post_comment(bot, world, pr, REVOKE, user="maria")
    assert run(world, pr).conclusion == "failure"
    async with restarted(world) as fresh:
        # A writer (who may not sign off) restores the signed revision from the edit history.
        world.emu.set_permission(world.repo, "walter", "write")
        revoked_body, checklist.body = checklist.body, signed_body
        await fresh.send("issue_comment", "edited", issue=pr, comment=checklist,
                         sender="walter", changes={"body": {"from": revoked_body}})
        assert run(world, pr).conclusion == "failure"
        await fresh.send("pull_request", "synchronize", pr=pr)
        assert run(world, pr).conclusion == "failure"
    async with restarted(world) as again:
        await again.send("pull_request", "synchronize", pr=pr)
        assert run(world, pr).conclusion == "failure"


async def test_another_app_pasting_an_old_state_back_is_undone(bot: Bot, world: World):
    pr, _ = await signed_off(bot, world)
    [checklist] = checklists(world, pr)
    signed_body = checklist.body
    await post_comment(bot, world, pr, REVOKE, user="maria")
    async with restarted(world) as fresh:
        revoked_body, checklist.body = checklist.body, signed_body
        await fresh.send("issue_comment", "edited", issue=pr, comment=checklist,
                         sender="helper-app[bot]", changes={"body": {"from": revoked_body}})
    async with restarted(world) as again:
        await again.send("pull_request", "synchronize", pr=pr)
        assert run(world, pr).conclusion == "failure"
        assert "#### Sign-offs" not in checklist.body


async def test_a_command_redelivered_after_a_restart_is_not_answered_twice(
    bot: Bot, world: World
):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "walter", "write")
    c = say(world, pr, f"/perf help\n/perf frobnicate\n{SIGNOFF}", user="walter")
    payload = world.emu.webhook_payload("issue_comment", "created", issue=pr, comment=c,
                                        sender="walter")
    await bot.deliver("issue_comment", payload, delivery_id="c-1")
    assert len(replies(world, pr)) == 3  # usage, malformed, not allowed
    async with restarted(world) as fresh:
        await fresh.deliver("issue_comment", payload, delivery_id="c-1")  # GitHub redelivers
    assert len(replies(world, pr)) == 3
    # An edit is a new request and gets its own answers.
    old, c.body = c.body, "/perf help"
    world.emu.advance(60)
    c.updated_at = world.emu.now()
    await bot.send("issue_comment", "edited", issue=pr, comment=c, sender="walter",
                   changes={"body": {"from": old}})
    assert len(replies(world, pr)) == 4


async def test_a_problem_with_a_signoff_is_not_answered_twice_on_redelivery(
    bot: Bot, world: World
):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    c = say(world, pr, SIGNOFF.replace("design_record", "no_such_rule"), user="maria")
    payload = world.emu.webhook_payload("issue_comment", "created", issue=pr, comment=c,
                                        sender="maria")
    await bot.deliver("issue_comment", payload, delivery_id="s-1")
    async with restarted(world) as fresh:
        await fresh.deliver("issue_comment", payload, delivery_id="s-1")
    [reply] = replies(world, pr)
    assert "there is no variance" in reply


async def test_a_mitigation_issue_whose_label_was_removed_is_not_opened_again(
    bot: Bot, world: World
):
    pr = await signed_off_and_merged(bot, world)
    payload = world.emu.webhook_payload("pull_request", "closed", pr=pr)
    await bot.deliver("pull_request", payload, delivery_id="m-1")
    [issue] = world.emu.issues(world.repo)
    issue.labels = []  # a human triages it under their own labels
    async with restarted(world) as fresh:
        await fresh.deliver("pull_request", payload, delivery_id="m-1")
    assert len(world.emu.issues(world.repo)) == 1


async def test_a_signoff_due_in_the_past_is_refused_with_a_reply(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    await post_comment(bot, world, pr, SIGNOFF.replace("2026-12-31", "2016-12-31"), user="maria")
    assert run(world, pr).conclusion == "failure"
    [reply] = replies(world, pr)
    assert "2016-12-31" in reply and "past" in reply


async def test_a_pr_that_comes_into_scope_after_150_comments_keeps_one_checklist(
    bot: Bot, world: World
):
    pr = out_of_scope_pr(world, NO_REQUIRED, user="octocat")
    await bot.send("pull_request", "opened", pr=pr)
    assert checklists(world, pr) == []  # out of scope: no comment
    for i in range(150):
        say(world, pr, f"discussion {i}", user="dan")
    world.repo.commit("feature", {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "synchronize", pr=pr)
    assert len(checklists(world, pr)) == 1
    world.emu.set_permission(world.repo, "maria", "maintain")
    await post_comment(bot, world, pr, SIGNOFF, user="maria")
    world.repo.commit("feature", {"src/b.py": "b = 1\n"})
    await bot.send("pull_request", "synchronize", pr=pr)
    [checklist] = checklists(world, pr)
    assert run(world, pr).conclusion == "success" and "#### Sign-offs" in checklist.body
    # and back out of scope: the comment stays, saying so, and the sign-off is kept
    world.repo.commit("feature", {"src/a.py": None, "src/b.py": None})
    await bot.send("pull_request", "synchronize", pr=pr)
    [checklist] = checklists(world, pr)
    assert "No performance rule applies" in checklist.body


async def test_a_signoff_racing_a_push_lands_on_the_new_head(bot: Bot, world: World):
    import asyncio

    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    # perfbot reads the pull request for the command, then the push lands and is evaluated
    # while it still asks GitHub whether maria may sign off.
    world.emu.inject("GET", r"/collaborators/maria/permission$", status=None, delay=0.5)
    start = len(world.emu.requests)
    c = say(world, pr, SIGNOFF, user="maria")
    await bot.deliver("issue_comment", world.emu.webhook_payload(
        "issue_comment", "created", issue=pr, comment=c, sender="maria"), settle=False)
    while not any("/permission" in r.path  # noqa: ASYNC110
                  for r in world.emu.requests[start:]):
        await asyncio.sleep(0.01)
    world.repo.commit("feature", {"src/b.py": "b = 2\n"})
    await bot.send("pull_request", "synchronize", pr=pr)
    new_head = pr.head_sha  # the branch's head now
    [checklist] = checklists(world, pr)
    assert new_head[:7] in checklist.body
    [head_run] = world.emu.check_runs(world.repo, new_head)
    assert head_run.conclusion == "success"


def test_the_server_sweeps_within_the_hour_after_a_restart_then_daily():
    from itertools import islice

    from bot.app.sweeper import Sweeper

    delays = list(islice(Sweeper(None).delays(), 3))  # type: ignore[arg-type]
    assert delays[0] <= 3600 and delays[1:] == [24 * 3600.0] * 2


def test_a_due_date_that_does_not_exist_is_called_that_not_misformatted():
    from bot.core.review.commands import Malformed, parse

    [wrong] = parse('/perf signoff x --reason "a" --mitigation "b" --due 2026-02-30')
    assert isinstance(wrong, Malformed) and "not a day in the calendar" in wrong.problem
    [typo] = parse('/perf signoff x --reason "a" --mitigation "b" --due 2026-2-3')
    assert isinstance(typo, Malformed) and "YYYY-MM-DD" in typo.problem


async def test_a_maintainer_editing_someone_elses_signoff_comment_does_not_sign_it_off(
    bot: Bot, world: World
):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "walter", "write")
    world.emu.set_permission(world.repo, "maria", "maintain")
    c = await post_comment(bot, world, pr, f"{SIGNOFF}\n\nand some words to moderate",
                           user="walter")
    assert run(world, pr).conclusion == "failure"
    # maria redacts part of walter's comment; she did not write, or mean, its command
    old, c.body = c.body, SIGNOFF + "\n\n(edited by a moderator)"
    world.emu.advance(60)
    c.updated_at = world.emu.now()
    await bot.send("issue_comment", "edited", issue=pr, comment=c, sender="maria",
                   changes={"body": {"from": old}})
    assert run(world, pr).conclusion == "failure"
    assert "#### Sign-offs" not in checklists(world, pr)[0].body


async def test_someone_else_rewording_a_signoff_withdraws_it(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    world.emu.set_permission(world.repo, "walter", "write")
    c = await post_comment(bot, world, pr, SIGNOFF, user="maria")
    assert run(world, pr).conclusion == "success"
    await edit_comment(bot, pr, c, SIGNOFF.replace("Hotfix", "Nothing to see"), by="walter")
    assert run(world, pr).conclusion == "failure"
    assert replies(world, pr) == []  # walter's edit asked nothing of perfbot


async def test_a_signoff_redelivered_after_its_revoke_does_not_come_back(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    c = say(world, pr, SIGNOFF, user="maria")
    payload = world.emu.webhook_payload("issue_comment", "created", issue=pr, comment=c,
                                        sender="maria")
    await bot.deliver("issue_comment", payload, delivery_id="so-1")
    await post_comment(bot, world, pr, REVOKE, user="maria")
    assert run(world, pr).conclusion == "failure"
    async with restarted(world) as fresh:
        await fresh.deliver("issue_comment", payload, delivery_id="so-1")  # redelivered
    assert run(world, pr).conclusion == "failure"


def test_a_mitigation_issue_for_a_long_benchmark_id_has_a_title_github_accepts():
    from bot.core.review import mitigation
    from bot.core.review.state import ReviewState, SignOffRecord, VarianceRecord
    from bot.core.review_settings import MitigationSettings

    long_id = "benchmarks:tests/perf/test_parsers.py::test_parse[" + "x" * 220 + "]:time"
    state = ReviewState(
        signoffs=(SignOffRecord(long_id, "benchmarks", "maria", "2026-11-27T00:00:00Z", "why",
                                "plan", "abc1234"),),
        variances=(VarianceRecord(long_id, "benchmarks", "slower"),))
    [draft] = mitigation.drafts(state, MitigationSettings(), "o/r", 12345, "")
    assert 0 < len(draft.title) <= 256 and "#12345" in draft.title
    assert mitigation.tracked(draft.body).key == long_id  # still found by its marker


async def test_closing_and_reopening_keeps_one_checklist_and_the_signoff(bot: Bot, world: World):
    pr, _ = await signed_off(bot, world)
    world.emu.set_state(world.repo, pr.number, "closed")
    await bot.send("pull_request", "closed", pr=pr)
    await post_comment(bot, world, pr, REVOKE, user="maria")
    assert any("closed" in t for t in replies(world, pr))
    world.emu.set_state(world.repo, pr.number, "open")
    await bot.send("pull_request", "reopened", pr=pr)
    [checklist] = checklists(world, pr)
    assert run(world, pr).conclusion == "success" and "#### Sign-offs" in checklist.body
    assert world.emu.issues(world.repo) == []


async def test_one_comment_full_of_commands_gets_a_handful_of_replies(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    lines = ["/perf help"] * 20 + [f"/perf nonsense{i}" for i in range(20)] + [SIGNOFF] * 20
    await post_comment(bot, world, pr, "\n".join(lines), user="drive-by")
    texts = replies(world, pr)
    assert 1 <= len(texts) <= 5
    assert sum("perfbot commands" in t and "could not read" not in t for t in texts) == 1


def test_a_hand_edited_impossible_reminder_date_is_skipped():
    from datetime import date

    from bot.core.review import sweep

    bodies = ["<!-- perfbot:reminder 2026-02-30 -->", "<!-- perfbot:reminder 2026-12-01 -->"]
    assert sweep.last_reminder(bodies) == date(2026, 12, 1)


async def test_a_signoff_that_did_nothing_gets_no_thumbs_up(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    start = len(world.emu.requests)
    await post_comment(bot, world, pr, SIGNOFF.replace("design_record", "nope"), user="maria")
    reactions = [r.body["content"] for r in world.emu.requests[start:]
                 if r.path.endswith("/reactions")]
    assert "+1" not in reactions
    ok = await post_comment(bot, world, pr, SIGNOFF, user="maria")
    assert [r.body["content"] for r in world.emu.requests
            if r.path.endswith(f"/comments/{ok.id}/reactions")] == ["+1"]


async def test_two_hundred_signoffs_in_one_comment_get_one_reply_listing_each(
        bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    lines = [SIGNOFF.replace("design_record", f"nope{i}") for i in range(200)]
    await post_comment(bot, world, pr, "\n".join(lines), user="maria")
    [reply] = replies(world, pr)
    assert "could not act on 200 of the commands" in reply
    assert all(f"`nope{i}`" in reply for i in range(200))
    assert run(world, pr).conclusion == "failure"


async def test_a_comment_holding_every_kind_of_command_gets_a_handful_of_replies(
        bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    lines = ([SIGNOFF.replace("design_record", f"nope{i}") for i in range(100)]
             + [f"/perf frob{i}" for i in range(100)] + ["/perf help"] * 50
             + [f"/perf revoke gone{i}" for i in range(50)])
    await post_comment(bot, world, pr, "\n".join(lines), user="maria")
    texts = replies(world, pr)
    assert 1 <= len(texts) <= 3
    everything = "\n".join(texts)
    assert all(f"frob{i}" in everything for i in range(100))
    assert all(f"`gone{i}`" in everything for i in range(50))


async def test_a_signoff_inside_an_html_comment_does_nothing(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    hidden = f"Looks fine.\n<!--\n{SIGNOFF}\n-->\n<!-- {REVOKE} --> done"
    await post_comment(bot, world, pr, hidden, user="maria")
    assert run(world, pr).conclusion == "failure"
    assert replies(world, pr) == []
    assert "#### Sign-offs" not in checklists(world, pr)[0].body
    await post_comment(bot, world, pr, f"<!-- draft -->\n{SIGNOFF}", user="maria")
    assert run(world, pr).conclusion == "success"  # what a reader sees still counts
