"""Benchmark evidence end to end: committed result files and CI artifacts, through the emulator."""

from __future__ import annotations

import io
import zipfile

import pytest
from artifact_steps import ARTIFACTS, check_on_completion, check_on_open, open_pr
from benchfiles import pytest_benchmark, samples, zipped
from emulator.state import Artifact
from harness import Bot, World

from bot.app import evidence
from bot.app.server import DEADLINES

RESULTS = "benchmarks/results/bench.json"
OPT_IN = "version: 1\n"

BASE_RESULTS = pytest_benchmark({"test_parse": samples(0.001), "test_render": samples(0.002)})
SLOWER = pytest_benchmark({"test_parse": samples(0.0013, seed=2),
                           "test_render": samples(0.002, seed=2)})
SAME = pytest_benchmark({"test_parse": samples(0.001, seed=3),
                         "test_render": samples(0.002, seed=3)})


CODE = {"src/parse.py": "x = 1\n"}  # a change the benchmarks rule is in scope for


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# --- committed result files


async def test_committed_regression_fails_with_the_table_and_an_annotation(bot: Bot,
                                                                          world: World):
    world.repo.commit("main", {".github/performance.yml": OPT_IN, RESULTS: BASE_RESULTS})
    pr = open_pr(world, {RESULTS: SLOWER})

    run = await check_on_open(bot, world, pr)
    assert run.conclusion == "failure"
    assert "Benchmarks" in run.output.title
    assert "1 regressed" in run.output.summary and "geometric mean" in run.output.summary
    assert "test_parse" in run.output.text and "regressed" in run.output.text
    [note] = [a for a in run.annotations if a["path"] == RESULTS]
    assert note["annotation_level"] == "failure"
    # At test_parse's entry in the file, not at the top of it.
    first, second = line_of(SLOWER, '"group"'), line_of(SLOWER, '"name": "test_render"')
    assert first <= note["start_line"] < second - 1
    assert "benchmarks:tests/test_perf.py::test_parse:time" in note["message"]


async def test_an_a_a_change_passes(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": OPT_IN, RESULTS: BASE_RESULTS})
    pr = open_pr(world, {RESULTS: SAME})

    run = await check_on_open(bot, world, pr)
    assert run.conclusion == "success"
    assert "2 unchanged" in run.output.summary
    assert run.annotations == []


async def test_an_unreadable_result_file_fails_on_that_file(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": OPT_IN, RESULTS: BASE_RESULTS})
    pr = open_pr(world, {RESULTS: SLOWER[: len(SLOWER) // 2]})

    run = await check_on_open(bot, world, pr)
    assert run.conclusion == "failure"
    [note] = run.annotations
    assert note["path"] == RESULTS and note["annotation_level"] == "failure"
    assert "cannot read" in note["message"]
    assert "no regressions" not in run.output.summary.lower()


async def test_objective_targets_are_held_as_budgets(bot: Bot, world: World):
    objectives = """\
journeys:
  - name: parse
    targets: ["p95 latency <= 1.1ms"]
    paths: ["src/**"]
    owners: ["alice"]
    benchmarks: ["*::test_parse"]
"""
    world.repo.commit("main", {".github/performance.yml": OPT_IN, RESULTS: BASE_RESULTS,
                               "docs/performance/objectives.yml": objectives})
    pr = open_pr(world, {RESULTS: SLOWER})

    run = await check_on_open(bot, world, pr)
    assert run.conclusion == "failure"
    assert "1 budget breach" in run.output.summary
    assert "Budget breaches" in run.output.text and "objective of `parse`" in run.output.text
    breach = [a for a in run.annotations if "outside" in a["message"]]
    variance = "benchmarks:tests/test_perf.py::test_parse:time:budget"
    assert breach and variance in breach[0]["message"]


async def test_a_budget_from_the_config_is_held_on_the_head(bot: Bot, world: World):
    config = """\
version: 1
rules:
  benchmarks:
    budgets:
      - benchmarks: ["*::test_render"]
        limit: "time <= 1.5ms"
"""
    world.repo.commit("main", {".github/performance.yml": config, RESULTS: BASE_RESULTS})
    pr = open_pr(world, {RESULTS: SAME})

    run = await check_on_open(bot, world, pr)
    if run.output.title.startswith("Invalid"):
        pytest.skip("the config binder does not read lists of settings yet")
    assert run.conclusion == "failure"
    assert "1 budget breach" in run.output.summary
    assert "time <= 1.5ms" in run.output.text


# --- CI artifacts


def watch(world: World, extra: str = "") -> None:
    """Opt in with the benchmarks rule waiting for the `benchmark.yml` artifact."""
    world.repo.commit("main", {".github/performance.yml": ARTIFACTS.format(extra=extra)})


def run_on_head(world: World, pr, data: str = SAME, *, archive: bytes | None = None):
    """A finished benchmark run on the pull request's head: its artifact is ``archive``,
    or a zip of ``data`` as `results.json`."""
    artifact = zipped({"results.json": data}) if archive is None else archive
    return world.emu.add_workflow_run(world.repo, pr.head_sha, head_branch="feature",
                                      artifacts={"benchmark-results": artifact})


def base_run(world: World, data: str = BASE_RESULTS, **kwargs):
    main_sha = world.repo.branches["main"]
    return world.emu.add_workflow_run(
        world.repo, main_sha, head_branch="main", event="push",
        artifacts={"benchmark-results": zipped({"results.json": data})}, **kwargs)


async def test_artifacts_wait_for_the_run_then_conclude(bot: Bot, world: World):
    watch(world)
    base_run(world)
    pr = open_pr(world, {"src/parse.py": "slow = True\n"})

    run = await check_on_open(bot, world, pr)
    assert run.status == "in_progress" and run.conclusion is None
    assert run.output.title.startswith("Waiting for benchmark results")
    assert "Waiting for `benchmark.yml`" in run.output.summary
    assert "benchmark-results" in run.output.summary

    head_run = run_on_head(world, pr, SLOWER)
    run = await check_on_completion(bot, world, pr, head_run)
    assert run.status == "completed" and run.conclusion == "failure"
    assert "1 regressed" in run.output.summary
    assert "test_parse" in run.output.text and "Baseline" in run.output.text


async def test_a_fork_run_is_matched_to_its_pull_request_through_the_commit(bot: Bot,
                                                                           world: World):
    watch(world)
    base_run(world)
    pr = open_pr(world, CODE)
    head_run = run_on_head(world, pr, SAME)
    payload = world.emu.webhook_payload("workflow_run", "completed", workflow_run=head_run)
    payload["workflow_run"]["pull_requests"] = []  # as GitHub sends it for a fork

    await bot.deliver("workflow_run", payload)

    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success"
    assert "2 unchanged" in run.output.summary


async def test_results_for_an_older_commit_are_called_stale(bot: Bot, world: World):
    watch(world)
    base_run(world)
    pr = open_pr(world, CODE)
    old_head = pr.head_sha
    world.emu.add_workflow_run(world.repo, old_head, head_branch="feature",
                               artifacts={"benchmark-results": zipped({"r.json": SAME})})
    world.repo.commit("feature", {"src/parse.py": "x = 2\n"})

    await bot.send("pull_request", "synchronize", pr=pr, before=old_head)

    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "in_progress"
    assert "stale" in run.output.summary and old_head[:7] in run.output.summary


async def test_without_a_baseline_the_verdict_is_head_only_and_says_so(bot: Bot, world: World):
    watch(world)
    pr = open_pr(world, CODE)
    head_run = run_on_head(world, pr, SLOWER)

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "success"
    assert "2 new" in run.output.summary
    assert "No baseline" in run.output.text and "merge base" in run.output.text


async def test_a_zip_bomb_is_refused_with_a_clear_message(bot: Bot, world: World):
    watch(world, extra="      max_bytes: 3000000\n")
    pr = open_pr(world, CODE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("results.json", b"0" * 2_500_000)
    head_run = run_on_head(world, pr, archive=buffer.getvalue())

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "failure"
    assert "refused" in run.output.summary and "zip bomb" in run.output.summary


async def test_an_oversize_artifact_is_not_downloaded(bot: Bot, world: World):
    watch(world, extra="      max_bytes: 1000\n")
    pr = open_pr(world, CODE)
    head_run = run_on_head(world, pr, SLOWER)

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "failure"
    assert "it was not downloaded" in run.output.summary
    assert not [r for r in world.emu.requests if r.operation_id == "actions/download-artifact"]


async def test_an_unwatched_workflow_changes_nothing(bot: Bot, world: World):
    watch(world)
    pr = open_pr(world, CODE)
    other = world.emu.add_workflow_run(world.repo, pr.head_sha, workflow="lint.yml",
                                       name="Lint", head_branch="feature")
    await bot.send("workflow_run", "completed", workflow_run=other)
    assert world.emu.check_runs(world.repo, pr.head_sha) == []


async def test_the_next_event_after_the_timeout_concludes_per_config(
    bot: Bot, world: World, monkeypatch: pytest.MonkeyPatch
):
    watch(world, extra="      on_timeout: failure\n")
    pr = open_pr(world, CODE)
    run = await check_on_open(bot, world, pr)
    assert run.status == "in_progress"

    later = evidence.clock() + 31 * 60
    monkeypatch.setattr(evidence, "clock", lambda: later)
    world.emu.set_labels(world.repo, pr.number, ["perf"])
    await bot.send("pull_request", "labeled", pr=pr, label="perf")

    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert "within 30 minutes" in run.output.summary


async def test_a_timer_concludes_the_wait_when_no_event_comes(
    bot: Bot, world: World, monkeypatch: pytest.MonkeyPatch
):
    watch(world)
    deadlines = bot.client.app[DEADLINES]
    deadlines.grace, deadlines.tick = 0.0, 0.01
    pr = open_pr(world, CODE)
    await bot.send("pull_request", "opened", pr=pr)
    assert deadlines.pending() == 1

    later = evidence.clock() + 31 * 60
    monkeypatch.setattr(evidence, "clock", lambda: later)
    await deadlines.idle()
    await bot.settle()

    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and run.conclusion == "neutral"  # on_timeout default


async def test_the_baseline_is_the_newest_run_at_or_before_the_merge_base(bot: Bot,
                                                                          world: World):
    watch(world)
    at_base = base_run(world)  # on an ancestor of the merge base
    world.repo.commit("main", {"docs/notes.md": "no benchmark run here\n"})
    pr = open_pr(world, CODE)
    world.repo.commit("main", {"src/faster.py": "after the branch point\n"})
    base_run(world, data=pytest_benchmark({"test_parse": samples(0.0005),
                                           "test_render": samples(0.001)}))
    head_run = run_on_head(world, pr, SAME)

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "success", run.output.text
    assert f"from `{at_base.head_sha[:7]}`" in run.output.text


async def test_a_failed_head_run_fails_the_rule_and_says_so(bot: Bot, world: World):
    watch(world)
    pr = open_pr(world, CODE)
    head_run = world.emu.add_workflow_run(world.repo, pr.head_sha, head_branch="feature",
                                          conclusion="failure")

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "failure"
    assert "concluded `failure`" in run.output.summary
    # The fix is about the workflow, not about committed result files.
    assert "Commit result files" not in run.output.summary
    assert "re-run" in run.output.summary


async def test_a_change_outside_the_rules_scope_waits_for_nothing(bot: Bot, world: World):
    config = ARTIFACTS.format(extra="    when:\n      paths: ['src/**']\n")
    world.repo.commit("main", {".github/performance.yml": config})
    pr = open_pr(world, {"docs/readme.md": "words\n"})

    run = await check_on_open(bot, world, pr)
    assert run.status == "completed" and run.conclusion == "success"
    assert not [r for r in world.emu.requests if "/actions/" in r.path]


async def test_an_artifact_served_directly_instead_of_redirected_is_read(bot: Bot, world: World):
    # GitHub answers the zip download with a redirect to storage, but a proxy or GitHub
    # Enterprise Server may answer with the bytes themselves; both carry the same zip.
    world.emu.check_responses = False  # GitHub's description documents only the redirect
    watch(world)
    base_run(world)
    pr = open_pr(world, CODE)
    archive = zipped({"results.json": SLOWER})
    head_run = run_on_head(world, pr, archive=archive)
    world.emu.inject("GET", r"/actions/artifacts/\d+/zip$", status=200, body=archive,
                     headers={"Content-Type": "application/zip"})

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "failure", run.output.summary
    assert "1 regressed" in run.output.summary
    assert "GitHub answered 200" not in run.output.summary


async def test_an_artifact_that_expires_before_its_download_is_called_expired(bot: Bot,
                                                                            world: World):
    watch(world)
    pr = open_pr(world, CODE)
    head_run = run_on_head(world, pr, SAME)
    world.emu.inject("GET", r"/actions/artifacts/\d+/zip$", status=410,
                     body={"message": "Artifact has expired"})

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "failure"
    assert "has expired" in run.output.summary


async def test_a_workflow_name_github_does_not_know_is_reported_in_the_rule(bot: Bot,
                                                                          world: World):
    config = ARTIFACTS.replace("[benchmark.yml]", "[benchmarks.yml]").format(extra="")
    world.repo.commit("main", {".github/performance.yml": config})
    pr = open_pr(world, CODE)
    # GitHub answers 404 for the runs of a workflow file that does not exist.
    world.emu.inject("GET", r"/actions/workflows/benchmarks\.yml/runs$", status=404, times=9,
                     body={"message": "Not Found"})

    run = await check_on_open(bot, world, pr)
    assert run.status == "completed" and run.conclusion == "failure"
    assert "Benchmarks" in run.output.title  # the other rules were still evaluated
    assert "`benchmarks.yml`" in run.output.summary and "404" not in run.output.summary


async def test_a_forks_run_on_a_branch_named_like_the_base_is_never_the_baseline(
    bot: Bot, world: World
):
    # A fork's pull request from its own `main` runs the workflow with head_branch "main";
    # its artifact is whatever the fork uploaded, not the base branch's results.
    watch(world, extra="      baseline: latest\n")
    trusted = base_run(world)
    fork = world.emu.add_repo("mallory/service")
    world.emu.add_workflow_run(
        world.repo, "f" * 40, head_branch="main", event="pull_request", head_repository=fork,
        artifacts={"benchmark-results": zipped({"results.json": pytest_benchmark(
            {"test_parse": samples(0.0001), "test_render": samples(0.0002)})})})
    pr = open_pr(world, CODE)
    head_run = run_on_head(world, pr, SAME)

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "success", run.output.summary
    assert f"from `{trusted.head_sha[:7]}`" in run.output.text


async def test_results_that_arrive_in_time_end_the_wait_and_its_timer(
    bot: Bot, world: World, monkeypatch: pytest.MonkeyPatch
):
    watch(world)
    deadlines = bot.client.app[DEADLINES]
    deadlines.grace, deadlines.tick = 0.0, 0.01
    base_run(world)
    pr = open_pr(world, CODE)
    await bot.send("pull_request", "opened", pr=pr)
    assert deadlines.pending() == 1
    head_run = run_on_head(world, pr, SAME)
    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "success"
    # The workflow is re-run; while it runs again, the old deadline passes.
    head_run.status, head_run.conclusion = "in_progress", None
    before = len(world.emu.requests)

    later = evidence.clock() + 31 * 60
    monkeypatch.setattr(evidence, "clock", lambda: later)
    await deadlines.idle()
    await bot.settle()

    assert deadlines.pending() == 0
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success", run.output.summary  # not "no results within 30 min"
    assert len(world.emu.requests) == before  # the timer had nothing left to do


async def test_an_installation_without_actions_access_is_told_which_permission(bot: Bot,
                                                                             world: World):
    # Installed before the App asked for `actions: read`, until an owner accepts it.
    watch(world)
    pr = open_pr(world, CODE)
    world.emu.inject("GET", r"/actions/workflows/[^/]+/runs$", status=403, times=9,
                     body={"message": "Resource not accessible by integration"})

    run = await check_on_open(bot, world, pr)
    assert run.status == "completed" and run.conclusion == "failure"
    assert "Benchmarks" in run.output.title  # the other rules were still evaluated
    assert "actions: read" in run.output.summary


async def test_a_cancelled_run_does_not_conclude_while_another_run_for_the_commit_goes_on(
    bot: Bot, world: World
):
    # `concurrency: cancel-in-progress`, or a push and a pull_request run of one commit:
    # one run is cancelled while the other still measures.
    watch(world)
    base_run(world)
    pr = open_pr(world, CODE)
    cancelled = world.emu.add_workflow_run(world.repo, pr.head_sha, head_branch="feature",
                                           conclusion="cancelled")
    going = world.emu.add_workflow_run(world.repo, pr.head_sha, head_branch="feature",
                                       status="in_progress", conclusion=None)

    run = await check_on_completion(bot, world, pr, cancelled)
    assert run.status == "in_progress", run.output.summary
    assert run.output.title.startswith("Waiting for benchmark results")

    going.status, going.conclusion = "completed", "success"
    going.artifacts = [Artifact(world.emu.next_id(), "benchmark-results",
                                zipped({"r.json": SAME}), world.emu.now())]
    run = await check_on_completion(bot, world, pr, going)
    assert run.conclusion == "success" and "2 unchanged" in run.output.summary


async def test_a_download_that_breaks_off_concludes_the_check_with_the_reason(bot: Bot,
                                                                            world: World):
    # The zip comes from storage outside the API; when that connection fails, the check
    # must not stay "in progress" for ever.
    watch(world)
    pr = open_pr(world, CODE)
    head_run = run_on_head(world, pr, SAME)
    world.emu.inject("GET", r"/actions/artifacts/\d+/zip$", status=302,
                     headers={"Location": "http://127.0.0.1:9/unreachable.zip"})

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.status == "completed" and run.conclusion == "failure"
    assert "download" in run.output.summary and "re-run" in run.output.summary.lower()


async def test_a_baseline_run_whose_commit_github_cannot_compare_is_passed_over(bot: Bot,
                                                                              world: World):
    # After a force-push rewrote the base branch, older runs name commits GitHub can no
    # longer compare (404); the search goes on to the next run instead of giving up.
    watch(world)
    good = base_run(world)
    world.repo.commit("main", {"docs/notes.md": "later\n"})
    pr = open_pr(world, CODE)
    gone = "9" * 40
    world.emu.add_workflow_run(world.repo, gone, head_branch="main", event="push",
                               artifacts={"benchmark-results": zipped({"r.json": SLOWER})})
    world.emu.inject("GET", rf"/compare/{gone}\.\.\.", status=404,
                     body={"message": "Not Found"})
    head_run = run_on_head(world, pr, SAME)

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "success", run.output.summary
    assert f"from `{good.head_sha[:7]}`" in run.output.text


async def test_an_uploaded_criterion_folder_is_read_without_its_reports(bot: Bot,
                                                                        world: World):
    # `path: target/criterion` uploads Criterion's HTML and SVG reports beside its JSON,
    # in nested folders; with the default `files: ["**"]` they are not results to fail on.
    from pathlib import Path

    tree = Path(__file__).parent / "fixtures" / "bench" / "criterion" / "target" / "criterion"
    files: dict[str, str | bytes] = {str(p.relative_to(tree)): p.read_bytes()
                                     for p in tree.rglob("*.json")}
    files["report/index.html"] = "<!DOCTYPE html><html></html>\n"
    files["fib 10/report/pdf.svg"] = "<svg></svg>\n"
    files["fib 10/new/raw.csv"] = "group,function,value\n"
    watch(world)
    base_run_files = {"benchmark-results": zipped(files)}
    world.emu.add_workflow_run(world.repo, world.repo.branches["main"], head_branch="main",
                               event="push", artifacts=base_run_files)
    pr = open_pr(world, {"src/parse.rs": "// x\n"})
    head_run = world.emu.add_workflow_run(world.repo, pr.head_sha, head_branch="feature",
                                          artifacts=base_run_files)

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "success", run.output.summary
    assert "3 unchanged" in run.output.summary


async def test_an_artifact_of_nothing_but_reports_is_not_a_pass(bot: Bot, world: World):
    watch(world)
    pr = open_pr(world, CODE)
    head_run = run_on_head(world, pr, archive=zipped({"report/index.html": "<html></html>\n"}))

    run = await check_on_completion(bot, world, pr, head_run)
    assert run.conclusion == "failure"
    assert "no result file" in run.output.summary


async def test_re_running_the_check_while_it_waits_keeps_one_wait_and_its_deadline(
    bot: Bot, world: World
):
    watch(world)
    deadlines = bot.client.app[DEADLINES]
    pr = open_pr(world, CODE)
    run = await check_on_open(bot, world, pr)
    waiting = run.output.summary

    await bot.send("check_run", "rerequested", check_run=run)

    [again] = world.emu.check_runs(world.repo, pr.head_sha)
    assert again.id == run.id and again.status == "in_progress"
    assert again.output.summary == waiting  # same deadline, not restarted
    assert deadlines.pending() == 1


@pytest.mark.parametrize(("repo_file", "check_name"), [
    (None, "Performance workflow"),  # no repo config: the org's `.github` file names it
    ("version: 1\nextends: octo-org/.github\ncheck_name: Perf\n", "Perf"),  # or extends it
])
async def test_a_workflow_run_is_watched_when_only_an_org_file_names_it(
        bot: Bot, world: World, repo_file: str | None, check_name: str):
    from benchfiles import zipped
    from harness import org_repo

    org_repo(world, ARTIFACTS.format(extra=""))
    if repo_file is not None:
        world.repo.commit("main", {".github/performance.yml": repo_file})
    base_run(world)
    pr = open_pr(world, {"src/parse.py": "slow = True\n"})
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "in_progress" and run.name == check_name

    head_run = world.emu.add_workflow_run(
        world.repo, pr.head_sha, head_branch="feature",
        artifacts={"benchmark-results": zipped({"results.json": SLOWER})})
    await bot.send("workflow_run", "completed", workflow_run=head_run)

    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and "1 regressed" in run.output.summary
