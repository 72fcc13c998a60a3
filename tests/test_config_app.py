"""Config in the App, through the emulator: errors as annotations, org defaults, extends,
and a pull request that changes the config."""

from __future__ import annotations

import pytest
from config_cases import CASES, Case
from harness import INSTALLATION, TEAM_CONFIG, Bot, World, open_pr

ORG_CONFIG = """\
version: 1
check_name: Org performance
rules:
  design_record:
    severity: warning
    when:
      paths: ["api/**"]
      labels: [architecture]
"""
ORG_FILE = "octo-org/.github:.github/performance.yml"


def org_repo(world: World, text: str = ORG_CONFIG):
    org = world.emu.add_repo("octo-org/.github", installation_id=INSTALLATION)
    org.commit("main", {".github/performance.yml": text}, message="org defaults")
    return org


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_each_config_error_is_annotated_at_its_line_and_column(
    case: Case, bot: Bot, world: World
):
    world.repo.commit("main", {".github/performance.yml": case.text})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    [note] = run.annotations
    assert note["path"] == ".github/performance.yml"
    assert (note["start_line"], note["start_column"]) == (case.line, case.column)
    assert case.says in note["message"]


async def test_the_org_default_applies_to_a_repo_without_a_config(bot: Bot, world: World):
    org_repo(world)
    pr = open_pr(world, {"api/routes.py": "def get():\n    return 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.name == "Org performance"
    assert run.conclusion == "neutral"  # the org's severity: warning
    assert ORG_FILE in run.output.summary  # the configuration's origin


async def test_a_repo_file_extending_the_org_overrides_it_key_by_key(bot: Bot, world: World):
    org_repo(world)
    override = "version: 1\nextends: org\nrules:\n  design_record:\n    severity: failure\n"
    world.repo.commit("main", {".github/performance.yml": override})
    pr = open_pr(world, {"api/routes.py": "def get():\n    return 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.name == "Org performance"  # inherited
    assert run.conclusion == "failure"  # overridden
    assert run.annotations[0]["path"] == "api/routes.py"  # the org's paths still apply


async def test_a_missing_extends_target_fails_at_the_extends_line(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": "version: 1\nextends: octo-org/nope\n"})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    [note] = run.annotations
    assert (note["path"], note["start_line"], note["start_column"]) == (
        ".github/performance.yml", 2, 10,
    )
    assert "cannot read octo-org/nope:.github/performance.yml" in note["message"]


async def test_an_error_in_the_org_file_is_reported_against_the_org_file(bot: Bot, world: World):
    org_repo(world, ORG_CONFIG.replace("severity: warning", "severity: loud"))
    world.repo.commit("main", {".github/performance.yml": "version: 1\nextends: org\n"})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert run.annotations == []  # nothing in this repository to point at
    assert f"`{ORG_FILE}` line 5, column 15: rules.design_record.severity" in run.output.summary


async def test_a_pr_that_breaks_the_config_fails_on_its_own_file(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    broken = TEAM_CONFIG.replace("paths:", "pathz:")
    pr = open_pr(world, {".github/performance.yml": broken, "docs/a.md": "a\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert run.name == "Performance workflow"
    assert "this pr's .github/performance.yml is invalid" in run.output.title.lower()
    [note] = run.annotations
    assert (note["path"], note["start_line"], note["start_column"]) == (
        ".github/performance.yml", 5, 7,
    )
    assert note["annotation_level"] == "failure"
    assert "did you mean 'paths'" in note["message"]
    # Judged by the base's rules: a docs change is out of the design record's scope.
    assert "No architecture-significant path" in run.output.summary


async def test_a_pr_with_a_valid_config_change_is_judged_normally(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    pr = open_pr(world, {".github/performance.yml": TEAM_CONFIG + "    enabled: false\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success"
    assert run.annotations == []


async def test_the_skip_label_skips_and_says_so(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    world.emu.set_labels(world.repo, pr.number, ["perf:skip"])
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success"
    assert "labelled `perf:skip`" in run.output.title
    assert "labelled `perf:skip`" in run.output.summary


async def test_the_org_file_is_read_once_then_revalidated_for_free(bot: Bot, world: World):
    org_repo(world)
    pr = open_pr(world, {"api/routes.py": "def get():\n    return 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    world.emu.set_labels(world.repo, pr.number, ["architecture"])
    await bot.send("pull_request", "labeled", pr=pr, label="architecture")
    org_reads = [
        (r.status, r.charged) for r in world.emu.requests
        if r.path == "/repos/octo-org/.github/contents/.github/performance.yml"
    ]
    assert org_reads == [(200, True), (304, False)]


async def test_extends_reads_another_repos_file_at_a_ref(bot: Bot, world: World):
    standards = world.emu.add_repo("octo-org/standards", installation_id=INSTALLATION)
    standards.commit("main", {"perf/base.yml": "version: 1\ncheck_name: Old name\n"})
    standards.create_branch("v2")
    standards.commit("v2", {"perf/base.yml": ORG_CONFIG})
    text = "version: 1\nextends: octo-org/standards:perf/base.yml@v2\n"
    world.repo.commit("main", {".github/performance.yml": text})
    pr = open_pr(world, {"api/routes.py": "def get():\n    return 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.name == "Org performance"
    assert run.conclusion == "neutral"


async def test_a_pr_converted_to_draft_is_skipped_when_drafts_are(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": "drafts: skip\n" + TEAM_CONFIG})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"  # no design record

    pr.draft = True
    await bot.send("pull_request", "converted_to_draft", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success"
    assert "draft" in run.output.title.lower()


async def test_a_range_or_reference_error_in_the_org_file_is_reported_against_the_org_file(
    bot: Bot, world: World
):
    org_repo(world, ORG_CONFIG + "  benchmarks:\n    policy:\n      threshold: 30\n")
    text = "version: 1\nextends: org\nreview:\n  checklist:\n    required: [load]\n"
    world.repo.commit("main", {".github/performance.yml": text})
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    # The repository's own mistake is annotated on its file...
    [note] = run.annotations
    assert (note["path"], note["start_line"], note["start_column"]) == (
        ".github/performance.yml", 5, 16,
    )
    assert "no manual checklist item has the id 'load'" in note["message"]
    # ...the org file's is named with that file, line and column.
    assert (f"`{ORG_FILE}` line 11, column 18: rules.benchmarks.policy.threshold: must be a "
            "number greater than 0 and less than 1") in run.output.summary


async def test_a_broken_org_default_of_a_repo_without_a_config_names_the_org_file(
    bot: Bot, world: World
):
    org_repo(world, ORG_CONFIG.replace('paths: ["api/**"]', 'paths: ["api/{v1,v2}/**"]'))
    pr = open_pr(world, {"api/routes.py": "def get():\n    return 1\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert run.annotations == []
    assert f"`{ORG_FILE}` line 7, column 15: rules.design_record.when.paths[0]: invalid path" \
        in run.output.summary
    assert "braces are not expanded" in run.output.summary
