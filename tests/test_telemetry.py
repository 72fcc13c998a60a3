"""What the App tells its operator about itself: metrics, logs and traces."""

from __future__ import annotations

from harness import INSTALLATION, Bot, World, open_pr

RATE = "perfbot_github_rate_limit_remaining"


def samples(exposition: str, name: str) -> list[str]:
    return [line for line in exposition.splitlines()
            if line.startswith(name) and not line.startswith("#")]


async def test_no_rate_limit_figure_until_github_has_given_one(bot: Bot, world: World):
    before = await (await bot.client.get("/metrics")).text()
    assert f"# TYPE {RATE} gauge" in before
    assert samples(before, RATE) == []  # 0 would read as exhausted, and page someone

    pr = open_pr(world, {"svc/api/routes.py": "def get():\n    return 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    after = await (await bot.client.get("/metrics")).text()
    left = world.emu.installations[INSTALLATION].rate_remaining
    assert samples(after, RATE) == [f"{RATE} {float(left)}"]
