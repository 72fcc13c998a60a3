"""The foundation path end to end: signed delivery → config → evaluate → one check run."""

from __future__ import annotations

from harness import TEAM_CONFIG, Bot, World, open_pr


async def test_missing_design_record_fails_then_an_adr_push_passes(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG}, message="opt in")
    pr = open_pr(world, {"src/cache.py": "import lru\n\ncache = lru.Cache(512)\n"})
    first_head = pr.head_sha

    assert await bot.send("pull_request", "opened", pr=pr) == 202

    [run] = world.emu.check_runs(world.repo, first_head)
    assert (run.name, run.status, run.conclusion) == ("Performance workflow", "completed",
                                                      "failure")
    assert "Design record" in run.output.title
    assert "docs/adr" in run.output.summary and "src/cache.py" in run.output.summary
    [note] = run.annotations
    assert note["path"] == "src/cache.py" and note["annotation_level"] == "failure"
    assert note["start_line"] == 1

    world.repo.commit("feature", {"docs/adr/0001-cache.md": "# Cache\n\n## Performance\n"})
    assert await bot.send("pull_request", "synchronize", pr=pr, before=first_head) == 202

    [new_run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert new_run.conclusion == "success"
    assert "docs/adr/0001-cache.md" in new_run.output.summary
    [old_run] = world.emu.check_runs(world.repo, first_head)
    assert old_run.id == run.id and old_run.conclusion == "failure"


async def test_without_config_the_defaults_advise(bot: Bot, world: World):
    pr = open_pr(world, {"svc/api/routes.py": "def get():\n    return 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "neutral"
    assert run.annotations[0]["annotation_level"] == "warning"
    assert "built-in defaults" in run.output.summary


async def test_out_of_scope_pr_passes_and_says_why(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    pr = open_pr(world, {"README.md": "docs only\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success"
    assert run.output.title == "No performance rule applies to this change"
    assert "No architecture-significant path" in run.output.summary


async def test_linking_a_record_by_editing_the_body_updates_the_same_run(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    world.emu.set_body(world.repo, pr.number, "Implements ADR-0042.")
    changes = {"body": {"from": ""}}
    await bot.send("pull_request", "edited", pr=pr, changes=changes)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success"
    assert "ADR-0042" in run.output.summary


async def test_label_brings_the_pr_into_scope(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    pr = open_pr(world, {"README.md": "x\n"})
    await bot.send("pull_request", "opened", pr=pr)
    world.emu.set_labels(world.repo, pr.number, ["architecture"])
    await bot.send("pull_request", "labeled", pr=pr, label="architecture")
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert "labelled `architecture`" in run.output.summary


async def test_invalid_config_on_base_fails_at_its_line_and_column(bot: Bot, world: World):
    broken = "version: 1\nrules:\n  design_record:\n    when:\n      pathz: ['src/**']\n"
    world.repo.commit("main", {".github/performance.yml": broken})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert ".github/performance.yml" in run.output.title
    [note] = run.annotations
    assert note["path"] == ".github/performance.yml"
    assert (note["start_line"], note["end_line"]) == (5, 5)
    assert (note["start_column"], note["end_column"]) == (7, 7)
    assert "did you mean 'paths'" in note["message"]


async def test_invalid_config_on_the_head_is_ignored(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    pr = open_pr(world, {"src/a.py": "a = 1\n", ".github/performance.yml": "rules: [oops\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert "Design record" in run.output.title  # the base's rules, evaluated normally


async def test_many_config_problems_are_annotated_in_batches_of_50(bot: Bot, world: World):
    lines = "".join(f"  rule_{i}: {{}}\n" for i in range(120))
    world.repo.commit("main", {".github/performance.yml": "rules:\n" + lines})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert len(run.annotations) == 120
    assert sorted(a["start_line"] for a in run.annotations) == list(range(2, 122))
    assert run.conclusion == "failure"


async def test_large_pr_is_capped_at_githubs_3000_files_and_says_so(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    files: dict[str, str | bytes | None] = {f"docs/page{i}.md": f"{i}\n" for i in range(3005)}
    pr = open_pr(world, files)
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert "3,005" in run.output.summary and "3,000" in run.output.summary


async def test_binary_and_renamed_files_are_handled(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG,
                               "lib/util.py": "".join(f"v{i} = {i}\n" for i in range(30))})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"lib/util.py": None,
                                  "src/util.py": "".join(f"v{i} = {i}\n" for i in range(30)),
                                  "src/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00"})
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main")
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert "src/util.py" in run.output.summary and "src/logo.png" in run.output.summary
    assert run.annotations[0]["start_line"] == 1


async def test_closed_pr_is_not_evaluated(bot: Bot, world: World):
    pr = open_pr(world, {"svc/api/a.py": "a\n"})
    world.emu.set_state(world.repo, pr.number, "closed")
    await bot.send("pull_request", "closed", pr=pr)
    assert world.emu.check_runs(world.repo, pr.head_sha) == []


async def test_unreadable_config_fails_the_check_instead_of_passing(bot: Bot, world: World):
    huge = "# padding\n" * 120_000  # over the 1 MB GitHub returns inline
    world.repo.commit("main", {".github/performance.yml": huge})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert "cannot read the file" in run.annotations[0]["message"]


async def test_a_title_edit_does_not_re_evaluate(bot: Bot, world: World):
    pr = open_pr(world, {"svc/api/a.py": "a\n"})
    await bot.send("pull_request", "opened", pr=pr)
    before = len(world.emu.requests)
    await bot.send("pull_request", "edited", pr=pr, changes={"title": {"from": "Old"}})
    assert len(world.emu.requests) == before
