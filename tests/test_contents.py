"""Whole files for rules, read from GitHub at the head and at the merge base."""

from __future__ import annotations

import aiohttp
from emulator import app_keys
from harness import APP_ID, INSTALLATION, World

from bot.core.facts import PullRequest, Wants
from bot.github import contents, pulls
from bot.github.app import GitHubApp
from bot.github.auth import AppCredentials


async def read(world: World, pr: PullRequest, wants: Wants, base_sha: str) -> PullRequest:
    async with aiohttp.ClientSession() as session:
        credentials = AppCredentials(str(APP_ID), app_keys().private_pem)
        app = GitHubApp(session, base_url=world.emu.api, credentials=credentials)
        gh = await app.installation(INSTALLATION)

        async def merge_base() -> str:
            return await pulls.merge_base(gh, "octo-org/service", base_sha, pr.head_sha)

        return await contents.with_contents(gh, "octo-org/service", pr, wants, merge_base)


async def test_files_are_read_at_the_head_and_at_the_merge_base_not_the_base_tip(world: World):
    big = "x" * (1024 * 1024 + 10) + "\n"  # past the contents API's 1 MB inline limit
    world.repo.commit("main", {"results.json": "base\n", "notes.txt": "v1\n"})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"results.json": "head\n", "big.txt": big,
                                  "logo.png": b"\x89PNG\x00\xff"})
    # The base branch moves on after the PR branched: the baseline stays the merge base.
    world.repo.commit("main", {"results.json": "later base\n"})
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main")
    facts = PullRequest(head_sha=pr.head_sha, base_ref="main")

    wants = Wants.of(head=["results.json", "big.txt", "logo.png", "gone.txt"],
                     base=["results.json", "big.txt"])
    got = await read(world, facts, wants, pr.base_sha)

    assert got.head.texts == {"results.json": "head\n", "big.txt": big}
    assert got.head.unreadable == {"logo.png": "not UTF-8 text"}
    assert got.base.texts == {"results.json": "base\n"}  # big.txt did not exist there
    assert got.base.sha != pr.base_sha


async def test_nothing_is_fetched_when_no_rule_wants_a_file(world: World):
    pr = world.emu.open_pull_request(world.repo, head="main", base="main")
    facts = PullRequest(head_sha=pr.head_sha, base_ref="main")
    assert await read(world, facts, Wants(), pr.base_sha) == facts
    assert [r.operation_id for r in world.emu.requests] == ["apps/create-installation-access-token"]
