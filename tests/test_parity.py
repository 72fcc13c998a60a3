"""The CLI and the App are two fronts on one core: for the same change they must agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitrepo import GitRepo
from harness import TEAM_CONFIG, Bot, World

from bot.cli import main

BASE = {"README.md": "hello\n", "src/store.py": "".join(f"k{i} = {i}\n" for i in range(12))}
CASES = {
    "fails without a record": (
        TEAM_CONFIG, {"src/store.py": "k0 = 0\nk1 = 100\n", "src/new.py": "x = 1\n"}),
    "passes with a record": (TEAM_CONFIG, {"src/new.py": "x\n", "docs/adr/0002-store.md": "#\n"}),
    "built-in defaults": (None, {"svc/api/v1.proto": "syntax = 1;\n", "logo.png": b"\x00\x01"}),
    "invalid config": ("rules:\n  design_record:\n    severity: [x]\n", {"src/a.py": "a\n"}),
}
# Implementation and testing stages: instrumentation, tuning knobs, performance tests.
V1 = "version: 1\n"
FUNCTIONS = (
    "def traced(a):\n    with tracer.start_as_current_span('traced'):\n        a += 1\n"
    "        return a\n\n\ndef plain(a):\n    a += 1\n    a += 2\n    a += 3\n    return a\n"
)
GO_FUNCTIONS = (
    "package s\n\nfunc (s *S) Put(k string) error {\n\ts.n++\n\ts.m[k] = 1\n\treturn nil\n}\n"
)
BIG = "".join(f"row_{n} = {n}\n" for n in range(60))
CASES |= {
    "new function uninstrumented": (V1, {"svc/orders.py": FUNCTIONS, "svc/s.go": GO_FUNCTIONS}),
    "new functions instrumented": (
        V1, {"svc/orders.py": FUNCTIONS.replace("    a += 2\n", "    HITS.inc()\n")}),
    "tuning knob undocumented": (V1, {"svc/cfg.py": 'X = 1\nREQUEST_TIMEOUT = 30\n'}),
    "tuning knob documented": (
        V1, {"svc/cfg.py": "REQUEST_TIMEOUT = 30\n", "docs/ops.md": "`REQUEST_TIMEOUT`: s\n"}),
    "performance test missing": (V1, {"src/engine.py": BIG}),
    "go benchmark added": (
        V1, {"src/engine.py": BIG,
             "src/engine_test.go": "package e\n\nfunc BenchmarkRun(b *testing.B) {\n}\n"}),
    # GitHub sends no patch for a doc this large; the App reads it whole at the head.
    "knob documented in a doc too large to diff": (
        V1, {"svc/cfg.py": "REQUEST_TIMEOUT = 30\n",
             "docs/ops.md": "# Ops\n" * 20_000 + "REQUEST_TIMEOUT: seconds\n"}),
    "generated code and binary": (
        V1, {"api/x.pb.go": GO_FUNCTIONS, "svc/gen.go": "// Code generated. DO NOT EDIT.\n"
             + GO_FUNCTIONS, "svc/blob.py": b"\x00def f():\x00"}),
}


@pytest.mark.parametrize("case", CASES)
async def test_cli_and_app_give_the_same_verdict(case: str, bot: Bot, world: World,
                                                 tmp_path: Path, capsys) -> None:
    config, change = CASES[case]
    base: dict[str, str | bytes | None] = dict(BASE)
    if config is not None:
        base[".github/performance.yml"] = config

    local = GitRepo(tmp_path)
    local.commit(base, "base")
    local.branch("feature")
    local.commit(dict(change), "change")
    main(["check", "--repo", str(tmp_path), "--base", "main", "--body", "", "--format", "json"])
    cli = json.loads(capsys.readouterr().out)

    world.repo.commit("main", base)
    world.repo.create_branch("feature")
    world.repo.commit("feature", dict(change))
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main", body="")
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
