"""The sweep: one reminder per period on overdue mitigations, expired instrumentation reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import aiohttp
from emulator import app_keys
from gitrepo import GitRepo
from harness import APP_ID, INSTALLATION, Bot, World
from reviewing import signed_off_and_merged

from bot.cli import main
from bot.github.app import GitHubApp
from bot.github.auth import AppCredentials
from bot.github.sweep import sweep_repo

EXPIRED = "import time\n\nstart = time.perf_counter()  # perf-temp: remove by 2026-01-31\n"


async def sweep(world: World, today: date):
    async with aiohttp.ClientSession() as session:
        app = GitHubApp(session, base_url=world.emu.api,
                        credentials=AppCredentials(str(APP_ID), app_keys().private_pem))
        gh = await app.installation(INSTALLATION)
        return await sweep_repo(gh, world.repo.full_name, APP_ID, today)


def reminders(world: World, number: int) -> list[str]:
    return [c.body for c in world.emu.comments(world.repo, number)
            if "perfbot:reminder" in c.body]


async def test_overdue_mitigation_is_reminded_once_per_period(bot: Bot, world: World):
    pr = await signed_off_and_merged(bot, world)
    await bot.send("pull_request", "closed", pr=pr)
    [issue] = world.emu.issues(world.repo)
    assert (await sweep(world, date(2026, 12, 31))).reminded == []  # not overdue yet
    assert (await sweep(world, date(2027, 1, 2))).reminded == [issue.number]
    assert (await sweep(world, date(2027, 1, 5))).reminded == []
    assert (await sweep(world, date(2027, 1, 9))).reminded == [issue.number]
    texts = reminders(world, issue.number)
    assert len(texts) == 2 and "@carol" in texts[0] and "2026-12-31" in texts[0]


async def test_expired_temporary_instrumentation_opens_one_issue(bot: Bot, world: World):
    world.repo.commit("main", {"src/timing.py": EXPIRED,
                               "src/later.py": "# perf-temp: remove by 2099-01-01\n"})
    report = await sweep(world, date(2026, 11, 27))
    assert [(t.path, t.line) for t in report.expired] == [("src/timing.py", 3)]
    [issue] = world.emu.issues(world.repo)
    assert "src/timing.py:3" in issue.title and "2026-01-31" in issue.body
    again = await sweep(world, date(2026, 11, 28))
    assert again.opened == [] and len(world.emu.issues(world.repo)) == 1


def test_local_sweep_lists_expired_markers(tmp_path: Path, capsys):
    repo = GitRepo(tmp_path)
    repo.commit({"src/timing.py": EXPIRED}, "measure")
    code = main(["sweep", "--repo", str(repo.path), "--today", "2026-11-27"])
    assert code == 1
    assert "src/timing.py:3: expired 2026-01-31" in capsys.readouterr().out
    assert main(["sweep", "--repo", str(repo.path), "--today", "2026-01-01"]) == 0


def test_a_marker_with_an_unreadable_date_is_warned_about(tmp_path: Path, capsys):
    repo = GitRepo(tmp_path)
    repo.commit({"src/timing.py": "t0 = now()  # perf-temp: remove by someday\n",
                 "src/ok.py": "t1 = now()  # perf-temp: remove by 2026-02-30\n"}, "measure")
    code = main(["sweep", "--repo", str(repo.path), "--today", "2026-11-27"])
    err = capsys.readouterr().err
    assert code == 0  # nothing expired, but neither marker passes in silence
    assert "src/timing.py:1: warning:" in err and "never expires" in err
    assert "perf-temp: remove by YYYY-MM-DD" in err
    assert "src/ok.py:1: warning:" in err  # 30 February is no real day
