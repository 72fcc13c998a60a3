"""Faults GitHub can throw at the App mid-work, and what the author sees after each."""

from __future__ import annotations

from harness import INSTALLATION, TEAM_CONFIG, Bot, World


def failing_pr(world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"src/a.py": "a = 1\n"})
    return world.emu.open_pull_request(world.repo, head="feature", base="main")


def mints(world: World) -> int:
    return sum(r.path.endswith("/access_tokens") and r.status == 201
               for r in world.emu.requests)


async def test_a_revoked_installation_token_is_replaced_and_the_push_gets_its_run(
        bot: Bot, world: World):
    pr = failing_pr(world)
    await bot.send("pull_request", "opened", pr=pr)
    assert mints(world) == 1
    first_head = pr.head_sha
    assert world.emu.revoke_tokens(INSTALLATION) == 1
    world.repo.commit("feature", {"src/b.py": "b = 2\n"})
    with world.emu.expect_violations("Bad credentials"):
        await bot.send("pull_request", "synchronize", pr=pr, before=first_head)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert "src/b.py" in run.output.summary
    assert mints(world) == 2  # one new token, not one per refused request
