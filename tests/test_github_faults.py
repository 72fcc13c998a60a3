"""Faults GitHub can throw at the App mid-work, and what the author sees after each."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from emulator import Emulator, app_keys
from harness import APP_ID, INSTALLATION, TEAM_CONFIG, Bot, World, running_bot

from bot import pipeline
from bot.app.server import INTAKE, STORE
from bot.github.app import GitHubApp
from bot.github.auth import AppCredentials
from bot.store import Backoff

GUARD = 60.0  # seconds: only so that a broken build fails instead of hanging


def failing_pr(world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"src/a.py": "a = 1\n"})
    return world.emu.open_pull_request(world.repo, head="feature", base="main")


def answered(world: World, status: int) -> int:
    return sum(r.status == status for r in world.emu.requests)


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
    world.emu.inject("PATCH", r"/check-runs/\d+$", status=422)
    await bot.send("pull_request", "opened", pr=pr)
    assert titles(world, pr.head_sha) == [
        ("completed", "failure", "perfbot could not finish: GitHub answered 422")]


async def test_an_outage_that_outlasts_the_retries_says_so_and_a_redelivery_resumes(
        bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("PATCH", r"/check-runs/\d+$", status=500, times=4)  # every attempt
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


async def test_a_failed_reevaluation_leaves_the_earlier_verdict_as_it_was(
        bot: Bot, world: World, monkeypatch):
    pr = failing_pr(world)
    await bot.send("pull_request", "opened", pr=pr)
    [before] = titles(world, pr.head_sha)

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(pipeline, "evaluate", broken)
    await bot.send("pull_request", "reopened", pr=pr)
    assert titles(world, pr.head_sha) == [before]


async def test_a_read_outage_that_outlasts_the_retries_is_resumed_not_concluded(
        bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("GET", r"/pulls/\d+/files", status=502, times=4)  # every retry
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    await bot.deliver("pull_request", payload, delivery_id="d-reads")
    assert titles(world, pr.head_sha) == [
        ("completed", "failure", "perfbot could not finish: GitHub answered 502")]
    await bot.deliver("pull_request", payload, delivery_id="d-reads")  # tried again
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert "src/a.py" in run.output.summary and len(run.annotations) == 1


@pytest.mark.parametrize(("method", "paths"), [
    ("*", r"^/repos/"),  # everything down
    ("GET", r"/pulls/\d+/files"),  # the change unreadable, once its run exists
    ("POST", r"^/repos/"),  # every write failing
], ids=["everything", "pull-reads", "writes"])
async def test_a_github_outage_of_minutes_ends_with_the_one_correct_check_run(
        emulator: Emulator, world: World, method: str, paths: str):
    # The store's backoff, scaled 1:3,000: 30 s doubling up to 10 min, eight attempts
    # (about 35 minutes in all), becomes 10 ms doubling up to 200 ms.
    backoff = Backoff(base=0.01, cap=0.2, attempts=8)
    pr = failing_pr(world)
    async with running_bot(emulator, world.store_url, backoff=backoff) as bot:
        outage = world.emu.inject(method, paths, status=503, times=1_000_000)
        payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
        assert await bot.deliver("pull_request", payload, settle=False) == 202
        store = bot.client.app[STORE]
        # GitHub stays down while the delivery fails, is retried later, and fails again:
        # longer than every retry of one request and every write's reconciliation.
        async with asyncio.timeout(GUARD):
            while answered(world, 503) < 8:  # noqa: ASYNC110 - GitHub's state, not an event
                await asyncio.sleep(0.01)
        failures = answered(world, 503)
        outage.times = 0  # GitHub is back
        await bot.client.app[INTAKE].drain(retries_within=1.0)
        assert (await store.counts()).failed == 0
    assert failures >= 8
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert "src/a.py" in run.output.summary and len(run.annotations) == 1


async def test_requests_refused_together_share_one_new_token(world: World):
    async with aiohttp.ClientSession() as session:
        credentials = AppCredentials(str(APP_ID), app_keys().private_pem)
        app = GitHubApp(session, base_url=world.emu.api, credentials=credentials)
        clients = [await app.installation(INSTALLATION) for _ in range(5)]
        assert mints(world) == 1
        world.emu.revoke_tokens(INSTALLATION)
        with world.emu.expect_violations("Bad credentials"):
            repos = await asyncio.gather(*(gh.getitem("/repos/octo-org/service")
                                           for gh in clients))
    assert {r["full_name"] for r in repos} == {"octo-org/service"}
    assert mints(world) == 2
    assert len({gh.oauth_token for gh in clients}) == 1  # all on the one new token
