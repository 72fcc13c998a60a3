"""The reviewer's side through the emulator: a failing PR, comments on it, and what perfbot
made of them (checklist, replies, check run)."""

from __future__ import annotations

from emulator.state import Comment
from harness import Bot, World

from bot.core.review.checklist import MARKER

CONFIG = """\
version: 1
rules:
  design_record:
    when:
      paths: ["src/**"]
review:
  checklist:
    testing: ["load-test: A load test ran against the new path"]
    launch: ["dashboards: Dashboards cover the new path"]
    required: [load-test]
  mitigation:
    assignees: [perf-lead]
"""
# A sign-off alone passes the check: no checklist item is required.
NO_REQUIRED = CONFIG.replace("    required: [load-test]\n", "")
SIGNOFF = ('/perf signoff design_record --reason "Hotfix; the ADR follows" '
           '--mitigation "Write ADR-0042 next sprint" --owner @carol --due 2026-12-31')
REVOKE = "/perf revoke design_record"


def failing_pr(world: World, config: str = CONFIG):
    world.repo.commit("main", {".github/performance.yml": config})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"src/a.py": "a = 1\n"})
    return world.emu.open_pull_request(world.repo, head="feature", base="main", user="octocat")


def out_of_scope_pr(world: World, config: str = CONFIG, **kwargs):
    """A pull request that changes only documentation, so no rule applies."""
    world.repo.commit("main", {".github/performance.yml": config})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"README.md": "docs\n"})
    return world.emu.open_pull_request(world.repo, head="feature", base="main", **kwargs)


async def opened_failing_pr(bot: Bot, world: World, config: str = CONFIG):
    """A failing pull request, once perfbot has handled its opening."""
    pr = failing_pr(world, config)
    await bot.send("pull_request", "opened", pr=pr)
    return pr


async def signed_off(bot: Bot, world: World, role: str = "maintain"):
    """An opened failing pull request that maria (with ``role``) signed off; and her comment."""
    pr = await opened_failing_pr(bot, world, NO_REQUIRED)
    world.emu.set_permission(world.repo, "maria", role)
    return pr, await post_comment(bot, world, pr, SIGNOFF, user="maria")


async def signed_off_and_merged(bot: Bot, world: World):
    pr, _ = await signed_off(bot, world, role="admin")
    world.emu.set_state(world.repo, pr.number, "closed", merged=True)
    return pr


def say(world: World, pr, body: str, user: str = "alice") -> Comment:
    now = world.emu.now()
    c = Comment(world.emu.next_id(), pr.number, body, user, "User", now, now)
    world.repo.comments[c.id] = c
    return c


async def post_comment(bot: Bot, world: World, pr, body: str, user: str) -> Comment:
    """``user`` comments ``body`` on ``pr``, and perfbot handles it."""
    c = say(world, pr, body, user=user)
    await bot.send("issue_comment", "created", issue=pr, comment=c, sender=user)
    return c


async def edit_comment(bot: Bot, pr, c: Comment, body: str, by: str) -> None:
    """``by`` rewrites comment ``c`` to ``body``, and perfbot handles it."""
    old, c.body = c.body, body
    await bot.send("issue_comment", "edited", issue=pr, comment=c, sender=by,
                   changes={"body": {"from": old}})


def checklists(world: World, pr) -> list[Comment]:
    return [c for c in world.emu.comments(world.repo, pr.number) if MARKER in c.body]


def replies(world: World, pr) -> list[str]:
    return [c.body for c in world.emu.comments(world.repo, pr.number)
            if c.user_type == "Bot" and MARKER not in c.body]


def run(world: World, pr):
    [found] = world.emu.check_runs(world.repo, pr.head_sha)
    return found
