"""Audit of the App shell: what a reviewer or an operator notices when the edges are hit."""

from __future__ import annotations

import pytest
from harness import Bot, World
from test_review_flow import CONFIG, SIGNOFF, failing_pr, replies, run, say

TEAM_CONFIG = CONFIG.replace("    required: [load-test]\n", "") + (
    "  signoff:\n    teams: ['@octo-org/perf']\n    permission: admin\n")


async def _team_signoff(bot: Bot, world: World, user: str = "tina"):
    pr = failing_pr(world, TEAM_CONFIG)
    await bot.send("pull_request", "opened", pr=pr)
    c = say(world, pr, SIGNOFF, user=user)
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender=user)
    return pr


async def test_an_invited_team_member_who_has_not_accepted_may_not_sign_off(
    bot: Bot, world: World
):
    # GitHub answers 200 with `state: pending` for an invitation not yet accepted.
    world.emu.add_team_member("octo-org", "perf", "tina", state="pending")
    pr = await _team_signoff(bot, world)
    assert run(world, pr).conclusion == "failure"
    [reply] = replies(world, pr)
    assert "may not sign off" in reply


async def test_a_team_signoff_without_members_read_says_which_permission_is_missing(
    bot: Bot, world: World
):
    # Installed before the App asked for `members: read`, until an owner accepts it.
    world.emu.add_team_member("octo-org", "perf", "tina")
    world.emu.inject("GET", r"/teams/[^/]+/memberships/", status=403, times=9,
                     body={"message": "Resource not accessible by integration"})
    pr = await _team_signoff(bot, world)
    assert run(world, pr).conclusion == "failure"
    [reply] = replies(world, pr)
    assert "may not sign off" in reply
    assert "members: read" in reply


async def test_stopping_with_deliveries_unfinished_names_them_for_redelivery(caplog):
    # GitHub does not redeliver on its own: an operator redelivers by id, so the ids
    # of the work a shutdown abandons must reach the log.
    import asyncio
    import logging

    from gidgethub.sansio import Event

    from bot.app.intake import Intake
    from bot.app.metrics import Metrics

    started = asyncio.Event()

    async def stuck(event: Event) -> None:
        started.set()
        await asyncio.Event().wait()

    intake = Intake(Metrics(), concurrency=1, queue_size=10)
    await intake.start(stuck)
    for delivery in ("d-in-flight", "d-queued"):
        assert intake.offer(Event({"action": "opened"}, event="pull_request",
                                  delivery_id=delivery))
    await started.wait()
    with caplog.at_level(logging.WARNING, logger="bot.app.intake"):
        await intake.stop(grace=0)
    text = caplog.text
    assert "d-in-flight" in text and "d-queued" in text and "redeliver" in text


async def test_someone_without_access_may_not_sign_off_even_when_read_suffices(
    bot: Bot, world: World
):
    # GitHub answers `permission: none` for a private repository's outsider.
    config = CONFIG.replace("    required: [load-test]\n", "") + (
        "  signoff:\n    permission: read\n")
    pr = failing_pr(world, config)
    await bot.send("pull_request", "opened", pr=pr)
    world.emu.set_permission(world.repo, "mallory", "none")
    c = say(world, pr, SIGNOFF, user="mallory")
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender="mallory")
    assert run(world, pr).conclusion == "failure"
    [reply] = replies(world, pr)
    assert "may not sign off" in reply


async def test_an_unknown_event_header_cannot_grow_the_metrics(bot: Bot, world: World):
    # X-GitHub-Event is not covered by the signature: a replayed signed body with made-up
    # event names must not mint a new metric series per name.
    payload = {"action": "opened", "installation": {"id": 7}}
    for i in range(5):
        assert await bot.deliver(f"made-up-{i}", payload) == 202
    metrics = await (await bot.client.get("/metrics")).text()
    assert "made-up" not in metrics
    assert 'event="(other)"' in metrics


@pytest.mark.parametrize(("repo_file", "check_name"), [
    (None, "Performance workflow"),  # no repo config: the org's `.github` file names it
    ("version: 1\nextends: octo-org/.github\ncheck_name: Perf\n", "Perf"),  # or extends it
])
async def test_a_workflow_run_is_watched_when_only_an_org_file_names_it(
        bot: Bot, world: World, repo_file: str | None, check_name: str):
    from benchfiles import zipped
    from test_benchmarks_app import ARTIFACTS, SLOWER, base_run, open_pr
    from test_config_app import org_repo

    org_repo(world, ARTIFACTS.format(extra=""))
    if repo_file is not None:
        world.repo.commit("main", {".github/performance.yml": repo_file})
    base_run(world)
    pr = open_pr(world, {"src/parse.py": "slow = True\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "in_progress" and run.name == check_name

    head_run = world.emu.add_workflow_run(
        world.repo, pr.head_sha, head_branch="feature",
        artifacts={"benchmark-results": zipped({"results.json": SLOWER})})
    await bot.send("workflow_run", "completed", workflow_run=head_run)

    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and "1 regressed" in run.output.summary


async def test_a_team_named_in_the_org_default_may_sign_off(bot: Bot, world: World):
    # Who may sign off is read from the same config the check was judged by.
    from test_config_app import org_repo

    org_repo(world, TEAM_CONFIG)
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"src/a.py": "a = 1\n"})
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main", user="octocat")
    await bot.send("pull_request", "opened", pr=pr)
    assert run(world, pr).conclusion == "failure"
    world.emu.add_team_member("octo-org", "perf", "tina")
    c = say(world, pr, SIGNOFF, user="tina")
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender="tina")
    assert run(world, pr).conclusion == "success"
    assert replies(world, pr) == []


async def test_a_team_named_in_an_extended_file_may_sign_off(bot: Bot, world: World):
    from test_config_app import org_repo

    org_repo(world, TEAM_CONFIG)
    pr = failing_pr(world, "version: 1\nextends: octo-org/.github\n")
    await bot.send("pull_request", "opened", pr=pr)
    assert run(world, pr).conclusion == "failure"
    world.emu.add_team_member("octo-org", "perf", "tina")
    c = say(world, pr, SIGNOFF, user="tina")
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender="tina")
    assert run(world, pr).conclusion == "success"
    assert replies(world, pr) == []


async def test_the_sweep_follows_the_org_defaults_marker(bot: Bot, world: World):
    from datetime import date

    from test_config_app import org_repo
    from test_sweep import sweep

    org_repo(world, "version: 1\nreview:\n  sweep:\n    temporary_marker: 'TEMP-METRIC until'\n")
    world.repo.commit("main", {"src/timing.py": "x = 1  # TEMP-METRIC until 2026-01-31\n"})
    report = await sweep(world, date(2026, 11, 27))
    assert [(t.path, t.line) for t in report.expired] == [("src/timing.py", 1)]


def test_the_state_key_never_shows_in_a_repr():
    # The HMAC key that signs perfbot's hidden state must not reach a log or a traceback
    # that prints the steward (or the reviewer and context holding it).
    from bot.app.steward import Steward
    from bot.core.review.state import derive_key

    key = derive_key("webhook-secret")
    shown = repr(Steward(1, key))
    assert repr(key) not in shown and key.hex() not in shown


async def test_a_merge_without_issues_access_says_so_on_the_pull_request(bot: Bot, world: World):
    # Issues disabled on the repository (410), or `issues: write` not accepted yet (403):
    # the merged pull request says why its mitigation has no issue.
    from test_review_flow import signed_off_and_merged

    pr = await signed_off_and_merged(bot, world)
    world.emu.inject("POST", r"/issues$", status=410, times=9,
                     body={"message": "Issues are disabled for this repo"})
    await bot.send("pull_request", "closed", pr=pr)
    assert world.emu.issues(world.repo) == []
    [note] = [t for t in replies(world, pr) if "mitigation" in t]
    assert "could not open" in note and "issues: write" in note
