"""The CLI and the App are two fronts on one core: for the same change they must agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitrepo import GitRepo
from harness import Bot, World
from parity_cases import BASE, CASES, OBJECTIVES_FILE

from bot.cli import main


@pytest.mark.parametrize("case", CASES)
async def test_cli_and_app_give_the_same_verdict(case: str, bot: Bot, world: World,
                                                 tmp_path: Path, capsys) -> None:
    config, change, *extra = CASES[case]
    pull: dict = extra[0] if extra else {}
    body = pull.get("body", "")
    labels = pull.get("labels", [])
    base: dict[str, str | bytes | None] = dict(BASE)
    if config is not None:
        base[".github/performance.yml"] = config

    local = GitRepo(tmp_path)
    local.commit(base, "base")
    local.branch("feature")
    local.commit(dict(change), "change")
    flags = [arg for label in labels for arg in ("--label", label)]
    main(["check", "--repo", str(tmp_path), "--base", "main", "--body", body, "--format", "json",
          *flags])
    cli = json.loads(capsys.readouterr().out)

    world.repo.commit("main", base)
    world.repo.create_branch("feature")
    world.repo.commit("feature", dict(change))
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main", body=body,
                                     labels=labels)
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)

    assert cli["conclusion"] == run.conclusion
    assert cli["title"] == run.output.title
    assert cli["summary"] == run.output.summary
    # GitHub adds fields of its own (blob_href, raw_details) to what it was sent.
    assert len(run.annotations) == len(cli["annotations"])
    pairs = zip(run.annotations, cli["annotations"], strict=True)
    shown = [{key: a.get(key) for key in c} for a, c in pairs]
    assert cli["annotations"] == shown
    assert cli["conclusion"] == EXPECTED.get(case, cli["conclusion"])
    assert SUMMARY.get(case, "") in cli["summary"]
    for path, line in LINES.get(case, ()):
        assert {"path": path, "start_line": line} in [
            {"path": a["path"], "start_line": a["start_line"]} for a in cli["annotations"]]


# What a user sees, beyond the two fronts agreeing.
EXPECTED = {
    "alerts without runbooks": "failure", "alerts with runbooks": "success",
    "malformed alert file": "failure", "rollout undeclared": "failure",
    "rollout by label": "success", "rollout by section": "success",
    "objectives at stake": "success", "objectives malformed": "failure",
    "record lacks sections": "failure", "record linked by path": "success",
    "journey not on a dashboard": "failure", "journey on a dashboard": "success",
}
SUMMARY = {
    "objectives at stake": "**store** (owners @octo-org/storage)",
    "journey on a dashboard": "**store** (`ops/dashboards/store.json`)",
    "rollout by label": "labelled `rollout:canary`",
    "rollout by section": "has a `Rollout` section",
    "record linked by path": "`docs/adr/0001-store.md` has every required section",
}
LINES = {
    "alerts without runbooks": [("ops/alerts/api.yml", 8)],
    "malformed alert file": [("ops/prometheus/x.rules.yml", 2)],
    "rollout undeclared": [("deploy/api.yaml", 1)],
    "objectives malformed": [(OBJECTIVES_FILE, 2)],
    "record lacks sections": [("docs/adr/3.md", 1)],
    "journey not on a dashboard": [(OBJECTIVES_FILE, 6)],
}
