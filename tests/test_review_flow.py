"""The reviewer's side end to end: checklist comment, sign-offs, ticks, mitigation issues."""

from __future__ import annotations

import asyncio

from harness import Bot, World
from reviewing import (
    CONFIG,
    NO_REQUIRED,
    REVOKE,
    SIGNOFF,
    checklists,
    edit_comment,
    failing_pr,
    opened_failing_pr,
    out_of_scope_pr,
    post_comment,
    replies,
    run,
    say,
    signed_off,
    signed_off_and_merged,
)


async def test_one_checklist_per_pr_across_events_and_redeliveries(bot: Bot, world: World):
    pr = failing_pr(world)
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    await bot.deliver("pull_request", payload, delivery_id="d-1")
    await bot.deliver("pull_request", payload, delivery_id="d-2")  # a second delivery
    world.repo.commit("feature", {"src/b.py": "b = 2\n"})
    await bot.send("pull_request", "synchronize", pr=pr)
    world.emu.set_body(world.repo, pr.number, "no link yet")
    await bot.send("pull_request", "edited", pr=pr, changes={"body": {"from": ""}})
    [checklist] = checklists(world, pr)
    assert "#### Design & architecture" in checklist.body
    assert "<!-- perfbot:item:rule/design_record -->" in checklist.body
    assert "- [ ] A load test ran against the new path **(required)**" in checklist.body
    # One link for every push (the pull request's checks), and no head SHA: the text
    # changes only when what it says does.
    assert f"/pull/{pr.number}/checks)" in checklist.body
    assert pr.head_sha[:7] not in checklist.body
    assert run(world, pr).conclusion == "failure"
    assert "Reviewer checklist" in run(world, pr).output.summary


async def test_out_of_scope_pr_gets_no_checklist(bot: Bot, world: World):
    pr = out_of_scope_pr(world)
    await bot.send("pull_request", "opened", pr=pr)
    assert checklists(world, pr) == []
    assert run(world, pr).conclusion == "success"


async def test_authorised_signoff_passes_the_check_and_shows_who_and_why(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    assert run(world, pr).conclusion == "failure"
    world.emu.set_permission(world.repo, "maria", "maintain")
    await post_comment(bot, world, pr, f"Looks fine.\n\n{SIGNOFF}\n", user="maria")
    checked = run(world, pr)
    assert checked.conclusion == "success"
    assert "@maria" in checked.output.summary and "Hotfix" in checked.output.summary
    [checklist] = checklists(world, pr)
    assert "#### Sign-offs" in checklist.body and "Write ADR\\-0042 next sprint" in checklist.body
    assert "@carol" in checklist.body and "2026-12-31" in checklist.body


async def test_unauthorised_and_author_signoffs_change_nothing_and_get_a_reply(
    bot: Bot, world: World
):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    before = checklists(world, pr)[0].body
    world.emu.set_permission(world.repo, "walter", "write")
    world.emu.set_permission(world.repo, "octocat", "admin")  # the author
    for user in ("walter", "octocat"):
        await post_comment(bot, world, pr, SIGNOFF, user=user)
    assert run(world, pr).conclusion == "failure"
    assert checklists(world, pr)[0].body == before
    texts = replies(world, pr)
    assert len(texts) == 2 and all("may not sign off" in t for t in texts)
    assert "`maintain`" in texts[0]


async def test_team_members_may_sign_off_and_malformed_commands_get_usage(bot: Bot, world: World):
    config = NO_REQUIRED + "  signoff:\n    teams: ['@octo-org/perf']\n"
    pr = await opened_failing_pr(bot, world, config)
    world.emu.add_team_member("octo-org", "perf", "tina")
    c = say(world, pr, "/perf signoff design_record --reason “typographic quotes”\n"
                       "/perf frobnicate\n" + SIGNOFF.replace("—", ""), user="tina")
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender="tina")
    assert run(world, pr).conclusion == "success"
    [unread] = replies(world, pr)  # both lines perfbot could not read, in one reply
    assert "--mitigation" in unread and "/perf signoff" in unread
    assert "unknown command `frobnicate`" in unread


async def test_quoted_and_fenced_commands_are_ignored(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world)
    before = len(world.emu.requests)
    await post_comment(bot, world, pr, f"> {SIGNOFF}\n\n```\n{SIGNOFF}\n```\n", user="maria")
    assert len(world.emu.requests) == before


async def test_required_tick_by_a_reviewer_passes_and_by_a_stranger_is_reverted(
    bot: Bot, world: World
):
    pr = failing_pr(world)
    world.repo.commit("feature", {"docs/adr/0001.md": "# ADR\n"})
    await bot.send("pull_request", "opened", pr=pr)
    assert run(world, pr).conclusion == "failure"  # the required item is unticked
    [checklist] = checklists(world, pr)

    old = checklist.body
    checklist.body = old.replace("- [ ] A load test", "- [x] A load test")
    await bot.send("issue_comment", "edited", issue=pr, comment=checklist, sender="stranger",
                   changes={"body": {"from": old}})
    assert "- [ ] A load test" in checklist.body
    assert any("put back" in t for t in replies(world, pr))
    assert run(world, pr).conclusion == "failure"

    world.emu.set_permission(world.repo, "maria", "maintain")
    old = checklist.body
    checklist.body = old.replace("- [ ] A load test", "- [x] A load test")
    await bot.send("issue_comment", "edited", issue=pr, comment=checklist, sender="maria",
                   changes={"body": {"from": old}})
    assert "- [x] A load test" in checklist.body and "ticked by @maria" in checklist.body
    assert run(world, pr).conclusion == "success"


async def test_a_tick_survives_a_concurrent_rewrite(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world)
    [checklist] = checklists(world, pr)
    world.repo.commit("feature", {"src/b.py": "b = 2\n"})
    # The reviewer ticks after perfbot read the comment and before it writes it back
    # (the new head's run, created in between, is slowed).
    world.emu.inject("POST", r"/check-runs$", status=None, delay=0.3)
    start = len(world.emu.requests)
    push = asyncio.create_task(bot.send("pull_request", "synchronize", pr=pr))
    # The emulator's request log has no event to wait on, so look at it between steps.
    while not any(r.method == "POST" and r.path.endswith("/check-runs")  # noqa: ASYNC110
                  for r in world.emu.requests[start:]):
        await asyncio.sleep(0.01)
    old = checklist.body
    checklist.body = old.replace("- [ ] Dashboards", "- [x] Dashboards")
    await push
    assert "- [x] Dashboards" in checklist.body
    await bot.send("issue_comment", "edited", issue=pr, comment=checklist, sender="dan",
                   changes={"body": {"from": old}})
    assert "- [x] Dashboards cover the new path" in checklist.body
    assert "ticked by @dan" in checklist.body
    assert len(checklists(world, pr)) == 1


async def test_a_lost_comment_response_is_repaired_without_a_duplicate(bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("POST", r"/issues/\d+/comments$", status=502, after=True)
    await bot.send("pull_request", "opened", pr=pr)
    assert len(checklists(world, pr)) == 1
    await bot.send("pull_request", "synchronize", pr=pr)
    assert len(checklists(world, pr)) == 1


async def test_a_forged_state_block_grants_nothing(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    [checklist] = checklists(world, pr)
    forged = checklist.body.replace("perfbot:state v1 ", "perfbot:state v1 AAAA")
    checklist.body = forged
    await bot.send("pull_request", "synchronize", pr=pr)
    assert run(world, pr).conclusion == "failure"


async def test_merge_opens_exactly_one_mitigation_issue_even_when_redelivered(
    bot: Bot, world: World
):
    pr = await signed_off_and_merged(bot, world)
    payload = world.emu.webhook_payload("pull_request", "closed", pr=pr)
    for delivery in ("m-1", "m-2", "m-3"):
        await bot.deliver("pull_request", payload, delivery_id=delivery)
    [issue] = world.emu.issues(world.repo)
    assert "design_record" in issue.title and f"#{pr.number}" in issue.title
    assert "Write ADR\\-0042 next sprint" in issue.body and "2026-12-31" in issue.body
    assert "performance-mitigation" in issue.labels
    assert issue.assignees == ["carol"]
    links = [c for c in world.emu.comments(world.repo, pr.number) if f"#{issue.number}" in c.body]
    assert len(links) == 1


async def test_racing_closed_events_open_one_issue(bot: Bot, world: World):
    pr = await signed_off_and_merged(bot, world)
    payload = world.emu.webhook_payload("pull_request", "closed", pr=pr)
    await asyncio.gather(
        bot.deliver("pull_request", payload, delivery_id="r-1", settle=False),
        bot.deliver("pull_request", payload, delivery_id="r-2", settle=False),
    )
    await bot.settle()
    assert len(world.emu.issues(world.repo)) == 1


async def test_close_without_merge_opens_nothing(bot: Bot, world: World):
    pr, _ = await signed_off(bot, world, role="admin")
    world.emu.set_state(world.repo, pr.number, "closed")
    await bot.send("pull_request", "closed", pr=pr)
    assert world.emu.issues(world.repo) == []


async def test_a_later_merge_that_passes_the_rule_closes_the_issue(bot: Bot, world: World):
    pr = await signed_off_and_merged(bot, world)
    await bot.send("pull_request", "closed", pr=pr)
    [issue] = world.emu.issues(world.repo)
    world.repo.create_branch("fix", "main")
    world.repo.commit("fix", {"src/c.py": "c = 3\n", "docs/adr/0042.md": "# ADR 42\n"})
    fix = world.emu.open_pull_request(world.repo, head="fix", base="main")
    await bot.send("pull_request", "opened", pr=fix)
    world.emu.set_state(world.repo, fix.number, "closed", merged=True)
    await bot.send("pull_request", "closed", pr=fix)
    assert issue.state == "closed"
    [evidence] = [c for c in world.emu.comments(world.repo, issue.number)]
    assert f"#{fix.number}" in evidence.body and "back within" in evidence.body


async def test_revoke_and_a_deleted_command_withdraw_the_signoff(bot: Bot, world: World):
    pr, c = await signed_off(bot, world)
    assert run(world, pr).conclusion == "success"
    del world.repo.comments[c.id]
    await bot.send("issue_comment", "deleted", issue=pr, comment=c, sender="maria")
    assert run(world, pr).conclusion == "failure"
    c = await post_comment(bot, world, pr, SIGNOFF, user="maria")
    assert run(world, pr).conclusion == "success"
    await post_comment(bot, world, pr, REVOKE, user="maria")
    assert run(world, pr).conclusion == "failure"
    assert "#### Sign-offs" not in checklists(world, pr)[0].body


async def test_signing_off_an_unknown_variance_says_which_exist(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", "maintain")
    await post_comment(bot, world, pr, SIGNOFF.replace("design_record", "nope"), user="maria")
    [answer] = replies(world, pr)
    assert "`nope`" in answer and "`design_record`" in answer
    assert run(world, pr).conclusion == "failure"


async def test_re_run_button_and_recheck_evaluate_again(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world)
    checked = run(world, pr)
    world.emu.set_body(world.repo, pr.number, "See ADR-0001")
    await bot.send("check_run", "requested_action", check_run=checked,
                   requested_action="rerun")
    assert "ADR-0001" in run(world, pr).output.summary
    world.emu.set_body(world.repo, pr.number, "")
    await post_comment(bot, world, pr, "/perf recheck", user="anyone")
    assert "ADR-0001" not in run(world, pr).output.summary


async def test_a_lost_issue_response_still_opens_exactly_one_issue(bot: Bot, world: World):
    pr = await signed_off_and_merged(bot, world)
    world.emu.inject("POST", r"/issues$", status=502, after=True)
    await bot.send("pull_request", "closed", pr=pr)
    assert len(world.emu.issues(world.repo)) == 1
    links = [c for c in world.emu.comments(world.repo, pr.number) if "mitigation-links" in c.body]
    assert len(links) == 1


async def test_a_failed_checklist_write_is_repaired_by_the_next_delivery(bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("POST", r"/issues/\d+/comments$", status=502, times=4)
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    await bot.deliver("pull_request", payload, delivery_id="f-1")
    assert checklists(world, pr) == []
    await bot.deliver("pull_request", payload, delivery_id="f-1")  # GitHub's redelivery
    assert len(checklists(world, pr)) == 1
    assert run(world, pr).conclusion == "failure"


async def test_bots_cannot_command_perfbot(bot: Bot, world: World):
    pr = await opened_failing_pr(bot, world)
    before = len(world.emu.requests)
    c = say(world, pr, "/perf help", user="dependabot[bot]")
    c.user_type = "Bot"
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender="dependabot[bot]")
    assert len(world.emu.requests) == before


async def test_editing_a_command_comment_replaces_or_removes_its_signoff(bot: Bot, world: World):
    pr, c = await signed_off(bot, world)
    await edit_comment(bot, pr, c, SIGNOFF.replace("Hotfix", "Incident fix"), by="maria")
    body = checklists(world, pr)[0].body
    assert "Incident fix" in body and "Hotfix" not in body
    await edit_comment(bot, pr, c, "never mind", by="maria")
    assert run(world, pr).conclusion == "failure"


async def test_pasting_an_old_state_back_does_not_restore_a_revoked_signoff(
    bot: Bot, world: World
):
    pr, _ = await signed_off(bot, world)
    [checklist] = checklists(world, pr)
    signed_body = checklist.body
    await post_comment(bot, world, pr, REVOKE, user="maria")
    checklist.body = signed_body  # someone restores the old revision by hand
    await bot.send("pull_request", "synchronize", pr=pr)
    assert run(world, pr).conclusion == "failure"


async def test_out_of_scope_pr_may_get_one_line(bot: Bot, world: World):
    pr = out_of_scope_pr(world, CONFIG + "  out_of_scope_comment: one-line\n")
    await bot.send("pull_request", "opened", pr=pr)
    [line] = checklists(world, pr)
    assert "No performance rule applies" in line.body and "####" not in line.body


async def test_a_refused_milestone_still_opens_the_issue(bot: Bot, world: World):
    pr = await signed_off_and_merged(bot, world)
    world.emu.inject("POST", r"/issues$", status=422, body={
        "message": "Validation Failed",
        "errors": [{"resource": "Issue", "field": "milestone", "code": "invalid"}]})
    await bot.send("pull_request", "closed", pr=pr)
    [issue] = world.emu.issues(world.repo)
    assert issue.assignees == []  # sent again without the extras GitHub refused


async def test_a_checklist_github_will_not_serve_still_lets_the_check_conclude(
        bot: Bot, world: World):
    pr = failing_pr(world)
    # Every read of the PR's comments fails, retries included.
    world.emu.inject("GET", rf"/issues/{pr.number}/comments$", status=502, times=20)
    await bot.send("pull_request", "opened", pr=pr)
    checked = run(world, pr)
    assert checked.status == "completed" and checked.conclusion == "failure"
    assert "could not read the checklist comment" in checked.output.summary
    assert "Re-run" in checked.output.summary


async def test_a_checklist_perfbot_may_not_write_is_explained_on_the_check(
        bot: Bot, world: World):
    pr = failing_pr(world)
    # An installation that has not accepted pull_requests/issues write.
    world.emu.inject("POST", rf"/issues/{pr.number}/comments$", status=403, times=5,
                     body={"message": "Resource not accessible by integration"})
    await bot.send("pull_request", "opened", pr=pr)
    checked = run(world, pr)
    assert checked.status == "completed" and checked.conclusion == "failure"
    assert "could not write the checklist comment (GitHub answered 403)" in checked.output.summary
    assert "pull_requests: write" in checked.output.summary


PER_PATH = CONFIG.replace(
    '    launch: ["dashboards: Dashboards cover the new path"]\n',
    '    launch: ["dashboards: Dashboards cover the new path", '
    '"dba: A DBA reviewed the migration"]\n'
    '    only_for: ["dba: migrations/**"]\n',
)


async def test_a_per_path_item_is_listed_only_when_the_pr_touches_its_paths(
        bot: Bot, world: World):
    pr = failing_pr(world, PER_PATH)  # changes src/a.py only
    await bot.send("pull_request", "opened", pr=pr)
    [comment] = checklists(world, pr)
    assert "Dashboards cover the new path" in comment.body
    assert "A DBA reviewed the migration" not in comment.body

    world.repo.commit("feature", {"migrations/0002_index.sql": "CREATE INDEX i ON t (c);\n"})
    await bot.send("pull_request", "synchronize", pr=pr)
    [comment] = checklists(world, pr)
    assert "A DBA reviewed the migration" in comment.body


async def test_a_merge_without_issues_access_says_so_on_the_pull_request(bot: Bot, world: World):
    # Issues disabled on the repository (410), or `issues: write` not accepted yet (403):
    # the merged pull request says why its mitigation has no issue.

    pr = await signed_off_and_merged(bot, world)
    world.emu.inject("POST", r"/issues$", status=410, times=9,
                     body={"message": "Issues are disabled for this repo"})
    await bot.send("pull_request", "closed", pr=pr)
    assert world.emu.issues(world.repo) == []
    [note] = [t for t in replies(world, pr) if "mitigation" in t]
    assert "could not open" in note and "issues: write" in note
