"""Dashboards track SLIs: a journey a PR adds or changes is on a dashboard querying its metric.

The rule runs on real changes (``git`` in a throwaway repository, read by the local front
as ``perfbot check`` reads them), on dashboard definitions shaped as Grafana exports them,
as Terraform declares them and as Grafonnet writes them; then through ``perfbot check``
and through the App against the emulator.
"""

import json
from dataclasses import replace
from pathlib import Path

from gitchange import run_rule
from gitrepo import GitRepo
from harness import Bot, World

from bot.cli import main
from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree
from bot.core.results import Outcome, Severity
from bot.core.rules import dashboards

FILE = "docs/performance/objectives.yml"
OBJECTIVES = """\
journeys:
  - name: checkout
    sli: Server-side latency of POST /checkout
    targets: [p95 latency <= 250ms]
    paths: ["services/checkout/**"]
    owners: ["@octo-org/payments"]
    metric: http_server_request_duration_seconds
"""
SEARCH = """\
  - name: search
    sli: Latency of GET /search at the edge
    targets: [p99 latency <= 1s]
    paths: ["services/search/**"]
    owners: [bob]
    metric: search_request_duration_seconds
"""


def grafana(*exprs: str, title: str = "Checkout") -> str:
    """A dashboard as Grafana's "Export → Save to file" writes it (trimmed, same shape)."""
    panels = [
        {
            "id": i + 1,
            "type": "timeseries",
            "title": f"{title} panel {i + 1}",
            "datasource": {"type": "prometheus", "uid": "prom"},
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 8 * i},
            "targets": [{"datasource": {"type": "prometheus", "uid": "prom"},
                         "expr": expr, "legendFormat": "p95", "refId": "A"}],
        }
        for i, expr in enumerate(exprs)
    ]
    board = {
        "annotations": {"list": []},
        "editable": True,
        "panels": panels,
        "schemaVersion": 39,
        "tags": ["slo"],
        "templating": {"list": [{"name": "route", "type": "query",
                                 "query": {"query": "label_values(up, job)", "refId": "v"}}]},
        "time": {"from": "now-6h", "to": "now"},
        "title": title,
        "uid": "checkout-slo",
        "version": 3,
    }
    return json.dumps(board, indent=2) + "\n"


P95 = ('histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket'
       '{route="/checkout"}[5m])))')
TERRAFORM = """\
resource "grafana_folder" "slo" {
  title = "SLOs"
}

resource "grafana_dashboard" "search" {
  folder      = grafana_folder.slo.id
  config_json = jsonencode({
    title  = "Search"
    panels = [{
      type    = "timeseries"
      title   = "p99"
      targets = [{
        expr = "histogram_quantile(0.99, rate(search_request_duration_seconds_bucket[5m]))"
      }]
    }]
  })
}
"""
ON = replace(dashboards.Settings(), enabled=True)


def run(tmp_path: Path, base: dict, head: dict, **settings: object):
    tmp_path.mkdir(parents=True, exist_ok=True)
    return run_rule(tmp_path, dashboards, replace(ON, **settings), base, head)


def test_a_new_journey_on_a_grafana_dashboard_passes(tmp_path: Path) -> None:
    result = run(tmp_path, {"README.md": "x\n", "ops/dashboards/checkout.json": grafana(P95)},
                 {FILE: OBJECTIVES})
    assert result.outcome is Outcome.PASSED, result.reason
    assert "**checkout** (`ops/dashboards/checkout.json`)" in result.reason
    assert "| checkout | `http_server_request_duration_seconds` |" in result.details


def test_a_new_journey_no_dashboard_queries_fails_on_its_metric_line(tmp_path: Path) -> None:
    board = grafana('sum(rate(http_requests_total{route="/cart"}[5m]))')
    result = run(tmp_path, {"ops/dashboards/cart.json": board}, {FILE: OBJECTIVES})
    assert result.outcome is Outcome.FAILED
    assert result.reason == "1 of 1 journey this PR adds or changes is not on a dashboard."
    [finding] = result.findings
    assert (finding.path, finding.start_line) == (FILE, 7)  # the `metric:` line
    assert "Journey `checkout` (added)" in finding.message
    assert "`http_server_request_duration_seconds`" in finding.message
    assert "rules.dashboards.files" in finding.message


def test_a_title_mentioning_the_metric_is_not_a_query(tmp_path: Path) -> None:
    board = grafana("sum(rate(http_requests_total[5m]))",
                    title="http_server_request_duration_seconds")
    result = run(tmp_path, {"grafana/checkout.json": board}, {FILE: OBJECTIVES})
    assert result.outcome is Outcome.FAILED


def test_a_longer_metric_name_is_not_the_metric(tmp_path: Path) -> None:
    board = grafana("rate(http_server_request_duration_seconds_total_errors[5m])",
                    "rate(xhttp_server_request_duration_seconds[5m])")
    result = run(tmp_path, {"ops/dashboards/checkout.json": board}, {FILE: OBJECTIVES})
    assert result.outcome is Outcome.FAILED


def test_terraform_grafana_dashboard_counts_and_other_terraform_does_not(tmp_path: Path) -> None:
    objectives = "journeys:\n" + SEARCH
    result = run(tmp_path, {"infra/dashboards/search.tf": TERRAFORM}, {FILE: objectives})
    assert result.outcome is Outcome.PASSED, result.reason
    assert "`infra/dashboards/search.tf`" in result.reason

    not_a_dashboard = TERRAFORM.replace('"grafana_dashboard"', '"grafana_data_source"')
    other = tmp_path / "other"
    result = run(other, {"infra/dashboards/search.tf": not_a_dashboard}, {FILE: objectives})
    assert result.outcome is Outcome.FAILED


def test_datadog_dashboard_json_and_grafonnet(tmp_path: Path) -> None:
    datadog = json.dumps({"title": "Search", "layout_type": "ordered", "widgets": [
        {"definition": {"type": "timeseries", "requests": [
            {"q": "p99:trace.search.request.duration{service:search}"}]}}]})
    grafonnet = (
        "local g = import 'g.libsonnet';\n"
        "g.dashboard.new('Checkout')\n"
        "+ g.dashboard.withPanels([g.panel.timeseries.new('p95') + g.panel.timeseries."
        "queryOptions.withTargets([g.query.prometheus.new('prom', "
        "'histogram_quantile(0.95, rate(http_server_request_duration_seconds_bucket[5m]))')])])\n"
    )
    objectives = OBJECTIVES + SEARCH.replace("search_request_duration_seconds",
                                             "trace.search.request.duration")
    base = {"monitoring/dashboards/search.json": datadog,
            "monitoring/grafana/checkout.jsonnet": grafonnet}
    result = run(tmp_path, base, {FILE: objectives})
    assert result.outcome is Outcome.PASSED, result.reason
    assert "**search** (`monitoring/dashboards/search.json`)" in result.reason
    assert "**checkout** (`monitoring/grafana/checkout.jsonnet`)" in result.reason


def test_only_journeys_whose_sli_metric_or_targets_changed_are_checked(tmp_path: Path) -> None:
    base = {FILE: OBJECTIVES + SEARCH, "ops/dashboards/checkout.json": grafana(P95)}
    # The search journey has no dashboard, but this PR only changes checkout's target.
    head = {FILE: (OBJECTIVES + SEARCH).replace("p95 latency <= 250ms", "p95 latency <= 200ms")}
    result = run(tmp_path, base, head)
    assert result.outcome is Outcome.PASSED, result.reason
    assert "search" not in result.reason

    owners_only = {FILE: (OBJECTIVES + SEARCH).replace("owners: [bob]", "owners: [carol]")}
    result = run(tmp_path / "owners", base, owners_only)
    assert result.outcome is Outcome.SKIPPED
    assert "changes no `sli`, `metric` or `targets`" in result.reason


def test_a_changed_metric_must_be_on_a_dashboard_too(tmp_path: Path) -> None:
    base = {FILE: OBJECTIVES, "ops/dashboards/checkout.json": grafana(P95)}
    head = {FILE: OBJECTIVES.replace("http_server_request_duration_seconds",
                                     "checkout_latency_seconds")}
    result = run(tmp_path, base, head)
    assert result.outcome is Outcome.FAILED
    assert "Journey `checkout` (its `metric` changed)" in result.findings[0].message


def test_a_journey_without_a_metric_is_told_to_name_one(tmp_path: Path) -> None:
    head = {FILE: OBJECTIVES.replace("    metric: http_server_request_duration_seconds\n", "")}
    result = run(tmp_path, {"README.md": "x\n"}, head)
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert finding.start_line == 3  # the `sli:` line
    assert "names no `metric:`" in finding.message and "Add `metric: <name>`" in finding.message


def test_an_invalid_metric_name_is_an_error_at_its_line(tmp_path: Path) -> None:
    head = {FILE: OBJECTIVES.replace("metric: http_server_request_duration_seconds",
                                     "metric: 'rate(x[5m])'")}
    result = run(tmp_path, {"README.md": "x\n"}, head)
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert finding.start_line == 7
    assert "is not a metric name" in finding.message


def test_a_pr_not_touching_the_objectives_file_reads_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, {FILE: OBJECTIVES}, {"services/checkout/cart.py": "x = 1\n"})
    assert result.outcome is Outcome.SKIPPED
    assert result.reason == f"This PR adds or changes no journey's SLI in `{FILE}`."
    pr = PullRequest("h", "main", files=(ChangedFile("a.py", FileStatus.ADDED, 1, 0, "+x"),))
    assert dashboards.wants(pr, ON) == dashboards.wants(pr, dashboards.Settings())
    assert not dashboards.wants(pr, ON).head and not dashboards.wants(pr, ON).listed


def test_off_by_default() -> None:
    pr = PullRequest("h", "main", files=(ChangedFile(FILE, FileStatus.MODIFIED, 1, 0, "+x"),))
    assert dashboards.Settings().enabled is False
    assert dashboards.evaluate(pr, dashboards.Settings()).outcome is Outcome.SKIPPED
    wants = dashboards.wants(pr, ON)
    assert wants.head == {FILE} and wants.base == {FILE}
    assert wants.listed == {dashboards.DASHBOARD_FILES}


HANDLER = (
    "from flask import Blueprint\n\nbp = Blueprint('checkout', __name__)\n\n\n"
    "@bp.route('/checkout/express', methods=['POST'])\n"
    "def express_checkout():\n    order = place(request.json)\n    return order.id\n"
)


def test_entry_points_on_a_journeys_paths_when_configured(tmp_path: Path) -> None:
    base = {FILE: OBJECTIVES, "services/checkout/__init__.py": "\n"}
    change = {"services/checkout/express.py": HANDLER}
    off = run(tmp_path / "off", base, change)
    assert off.outcome is Outcome.SKIPPED

    result = run(tmp_path / "on", base, change, entry_points=True)
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert "new entry point `express_checkout` in `services/checkout/express.py`" in (
        finding.message)
    assert (finding.path, finding.start_line) == (FILE, 7)

    tracked = run(tmp_path / "tracked", {**base, "ops/dashboards/c.json": grafana(P95)}, change,
                  entry_points=True)
    assert tracked.outcome is Outcome.PASSED


def test_a_configured_glob_and_severity(tmp_path: Path) -> None:
    base = {"observability/slo-board.json": grafana(P95)}
    result = run(tmp_path, base, {FILE: OBJECTIVES}, files=("observability/*.json",),
                 severity=Severity.WARNING)
    assert result.outcome is Outcome.PASSED
    unmatched = run(tmp_path / "x", base, {FILE: OBJECTIVES}, severity=Severity.WARNING)
    assert unmatched.outcome is Outcome.FAILED
    assert unmatched.findings[0].severity is Severity.WARNING


def test_a_broken_objectives_file_fails_at_its_problems(tmp_path: Path) -> None:
    result = run(tmp_path, {"README.md": "x\n"}, {FILE: "journeys:\n  - name: x\n"})
    assert result.outcome is Outcome.FAILED
    assert {f.start_line for f in result.findings} == {2}


def test_an_unreadable_dashboard_is_named_in_the_reason() -> None:
    pr = PullRequest(
        "h", "main", files=(ChangedFile(FILE, FileStatus.ADDED, 7, 0, "+x"),),
        head=Tree(texts={FILE: OBJECTIVES},
                  unreadable={"ops/dashboards/big.json": "larger than 50 MB"}))
    result = dashboards.evaluate(pr, ON)
    assert result.outcome is Outcome.FAILED
    assert "1 matching file could not be read (larger than 50 MB)." in result.reason


CONFIG = "version: 1\nrules:\n  dashboards:\n    enabled: true\n"
BASE = {".github/performance.yml": CONFIG, "README.md": "hi\n",
        "ops/dashboards/checkout.json": grafana('sum(rate(http_requests_total[5m]))')}


def test_perfbot_check_annotates_the_objective(tmp_path: Path, capsys) -> None:
    repo = GitRepo(tmp_path)
    repo.commit(BASE, "base")
    repo.branch("feature")
    repo.commit({FILE: OBJECTIVES}, "add the checkout journey")
    status = main(["check", "--repo", str(tmp_path), "--base", "main", "--body", "",
                   "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    [row] = [r for r in report["rules"] if r["rule"] == "dashboards"]
    assert row["outcome"] == "failed"
    assert [(f["path"], f["start_line"]) for f in row["findings"]] == [(FILE, 7)]
    assert status != 0 and report["conclusion"] == "failure"

    repo.commit({"ops/dashboards/checkout.json": grafana(P95)}, "chart it")
    main(["check", "--repo", str(tmp_path), "--base", "main", "--body", "", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    [row] = [r for r in report["rules"] if r["rule"] == "dashboards"]
    assert row["outcome"] == "passed"


async def test_the_app_annotates_the_objective_and_passes_once_charted(
        bot: Bot, world: World) -> None:
    world.repo.commit("main", BASE)
    world.repo.create_branch("feature")
    world.repo.commit("feature", {FILE: OBJECTIVES})
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main", body="")
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "failure"
    assert "Dashboards" in run.output.title
    [note] = [a for a in run.annotations if a["path"] == FILE]
    assert note["start_line"] == 7
    assert "no dashboard among the configured files references" in note["message"]

    first_head = pr.head_sha
    world.repo.commit("feature", {"ops/dashboards/checkout.json": grafana(P95)})
    await bot.send("pull_request", "synchronize", pr=pr, before=first_head)
    runs = world.emu.check_runs(world.repo, pr.head_sha)
    assert runs[-1].conclusion == "success"
    assert "**checkout** (`ops/dashboards/checkout.json`)" in runs[-1].output.summary
