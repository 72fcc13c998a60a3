"""Faults GitHub can throw at the App mid-work, and what the author sees after each."""

from __future__ import annotations

from harness import INSTALLATION, TEAM_CONFIG, Bot, World

from bot import pipeline


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


def titles(world: World, head_sha: str) -> list[tuple[str, str | None, str | None]]:
    return [(r.status, r.conclusion, r.output.title)
            for r in world.emu.check_runs(world.repo, head_sha)]


async def test_github_refusing_the_verdict_does_not_leave_the_check_in_progress(
        bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("POST", r"/check-runs$", status=422)  # the run comes with its verdict
    await bot.send("pull_request", "opened", pr=pr)
    assert titles(world, pr.head_sha) == [
        ("completed", "failure", "perfbot could not finish: GitHub answered 422")]


async def test_an_outage_that_outlasts_the_retries_says_so_and_a_redelivery_resumes(
        bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("POST", r"/check-runs$", status=500, times=4)  # every attempt
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    await bot.deliver("pull_request", payload, delivery_id="d-outage")
    assert titles(world, pr.head_sha) == [
        ("completed", "failure", "perfbot could not finish: GitHub answered 500")]
    await bot.deliver("pull_request", payload, delivery_id="d-outage")  # redelivered
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert "src/a.py" in run.output.summary and len(run.annotations) == 1


async def test_a_bug_mid_evaluation_completes_the_check_saying_so(
        bot: Bot, world: World, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(pipeline, "evaluate", broken)
    pr = failing_pr(world)
    await bot.send("pull_request", "opened", pr=pr)
    [(status, conclusion, title)] = titles(world, pr.head_sha)
    assert (status, conclusion) == ("completed", "failure")
    assert title == "perfbot could not finish: an internal error (KeyError)"
    assert "boom" not in (world.emu.check_runs(world.repo, pr.head_sha)[0].output.summary or "")
