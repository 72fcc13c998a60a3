"""Who may sign off, as GitHub says at the time: users, teams (and invitations), roles,
in the repository's config, the organisation's default or a file it extends."""

from __future__ import annotations

from harness import Bot, World
from reviewing import CONFIG, SIGNOFF, failing_pr, replies, run, say

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


async def test_a_team_named_in_the_org_default_may_sign_off(bot: Bot, world: World):
    # Who may sign off is read from the same config the check was judged by.
    from harness import org_repo

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
    from harness import org_repo

    org_repo(world, TEAM_CONFIG)
    pr = failing_pr(world, "version: 1\nextends: octo-org/.github\n")
    await bot.send("pull_request", "opened", pr=pr)
    assert run(world, pr).conclusion == "failure"
    world.emu.add_team_member("octo-org", "perf", "tina")
    c = say(world, pr, SIGNOFF, user="tina")
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender="tina")
    assert run(world, pr).conclusion == "success"
    assert replies(world, pr) == []


