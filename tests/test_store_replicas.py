"""Two replicas on one store serialise their work on one pull request: racing deliveries
for it, each to another replica, leave one check run and one checklist comment."""

from __future__ import annotations

import asyncio
import uuid

from harness import SECRET, Bot, World, open_pr, running_bot

from bot.app.server import INTAKE
from bot.core.review.checklist import MARKER


async def post_to(bot: Bot, world: World, action: str, pr: object) -> int:
    """A load balancer sends this delivery to ``bot``, whichever replica GitHub's hook names."""
    payload = world.emu.webhook_payload("pull_request", action, pr=pr)
    headers, body = world.emu.sign("pull_request", payload, SECRET, str(uuid.uuid4()))
    answer = await bot.client.post("/webhooks", data=body, headers=dict(headers))
    return answer.status


def team_config(world: World) -> None:
    world.repo.commit("main", {".github/performance.yml": (
        "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"
    )}, message="config")


async def test_two_replicas_racing_on_one_pull_request_post_once(world: World):
    team_config(world)
    pr = open_pr(world, {"src/app.py": "print('changed')\n"})
    # Creating the check run is slow: without a lock across replicas, the other replica
    # looks for the run meanwhile, finds none, and creates a second one.
    world.emu.inject("POST", r"/check-runs$", status=None, delay=0.5, times=2)
    async with running_bot(world.emu, world.store_url) as one, \
            running_bot(world.emu, world.store_url) as other:
        assert await asyncio.gather(post_to(one, world, "opened", pr),
                                    post_to(other, world, "reopened", pr)) == [202, 202]
        await asyncio.gather(one.client.app[INTAKE].drain(), other.client.app[INTAKE].drain())
    runs = world.emu.check_runs(world.repo, pr.head_sha)
    assert [(r.status, r.conclusion) for r in runs] == [("completed", "failure")]
    checklists = [c for c in world.emu.comments(world.repo, pr.number) if MARKER in c.body]
    assert len(checklists) == 1
