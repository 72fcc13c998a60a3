"""Alerts carry runbooks: rule files changed in a real git diff, read at the head."""

from dataclasses import replace
from pathlib import Path

from gitchange import run_rule

from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree
from bot.core.results import Outcome, Severity
from bot.core.rules import alerts
from bot.core.rules.scope import Scope

GOOD = """\
groups:
  - name: api
    rules:
      - record: job:latency:p95
        expr: histogram_quantile(0.95, rate(latency_bucket[5m]))
      - alert: HighLatency
        expr: job:latency:p95 > 0.25
        labels:
          severity: page
        annotations:
          summary: p95 latency above 250 ms
          runbook_url: https://runbooks.example.com/high-latency
"""

BAD = GOOD + """\
      - alert: ErrorBudgetBurn
        expr: rate(errors[5m]) > 0.01
        labels:
          severity: page
        annotations:
          summary: burning the error budget
      - expr: up == 0
        for: 5m
        labels: {team: api}
        alert: TargetDown
"""


def run(tmp_path: Path, head: dict, base: dict | None = None, **settings: object):
    configured = replace(alerts.Settings(), **settings)
    return run_rule(tmp_path, alerts, configured, base or {"README.md": "x\n"}, head)


def test_alerts_with_runbooks_pass_and_recording_rules_are_ignored(tmp_path: Path) -> None:
    result = run(tmp_path, {"ops/alerts/api.yml": GOOD})
    assert result.outcome is Outcome.PASSED
    assert "All 1 alert in 1 changed rule file" in result.reason


def test_each_incomplete_alert_is_annotated_on_its_own_line(tmp_path: Path) -> None:
    result = run(tmp_path, {"ops/alerts/api.yml": BAD})
    assert result.outcome is Outcome.FAILED
    first, second = result.findings
    assert (first.path, first.start_line) == ("ops/alerts/api.yml", 13)  # - alert: ErrorBudget…
    assert "`ErrorBudgetBurn` lacks `annotations.runbook_url`" in first.message
    assert "Add `annotations.runbook_url`" in first.message
    # An alert whose `alert:` key is not first is annotated where the key stands.
    assert second.start_line == 22
    assert "`TargetDown`" in second.message
    assert "`annotations.runbook_url`, `labels.severity` and `annotations.summary`" in (
        second.message)
    assert "2 of 3 alerts lack" in result.reason
    assert "annotations.runbook_url" in result.fix


def test_severity_and_summary_requirements_can_be_turned_off(tmp_path: Path) -> None:
    result = run(tmp_path, {"ops/alerts/api.yml": BAD}, require_severity=False,
                 require_summary=False)
    assert [f.start_line for f in result.findings] == [13, 22]
    assert "labels.severity" not in result.findings[1].message


def test_only_the_head_version_of_a_changed_file_counts(tmp_path: Path) -> None:
    result = run(tmp_path, {"ops/alerts/api.yml": GOOD}, base={"ops/alerts/api.yml": BAD})
    assert result.outcome is Outcome.PASSED


def test_a_malformed_file_is_an_annotation_at_its_error_not_a_crash(tmp_path: Path) -> None:
    broken = "groups:\n  - name: api\n    rules:\n      - alert: X\n        expr: [unclosed\n"
    result = run(tmp_path, {"deploy/prometheus/rules.yml": broken, "ops/alerts/ok.yml": GOOD})
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert finding.path == "deploy/prometheus/rules.yml"
    assert finding.start_line == 6
    assert "YAML syntax error" in finding.message and "promtool" in finding.message
    assert "1 file cannot be read" in result.reason


def test_structure_errors_point_at_the_offending_rule(tmp_path: Path) -> None:
    text = "groups:\n  - name: api\n    rules:\n      - expr: up == 0\n"
    [finding] = run(tmp_path, {"ops/alerts/a.yaml": text}).findings
    assert finding.start_line == 4
    assert "`alert:` or `record:`" in finding.message


def test_prometheus_rule_objects_in_multi_document_manifests(tmp_path: Path) -> None:
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
        "---\n"
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: api}\n"
        "spec:\n  groups:\n    - name: api\n      rules:\n"
        "        - alert: Down\n          expr: up == 0\n"
    )
    [finding] = run(tmp_path, {"k8s/prometheus/api.yaml": manifest}).findings
    assert finding.start_line == 12
    assert "`Down`" in finding.message


def test_other_yaml_and_deleted_files_are_left_alone(tmp_path: Path) -> None:
    result = run(tmp_path, {"deploy/prometheus/prometheus.yml": "global: {scrape_interval: 15s}\n",
                            "ops/alerts/old.yml": None},
                 base={"ops/alerts/old.yml": BAD})
    assert result.outcome is Outcome.PASSED
    assert result.findings == ()


def test_out_of_scope_and_disabled(tmp_path: Path) -> None:
    assert run(tmp_path, {"src/app.py": "x = 1\n"}).outcome is Outcome.SKIPPED
    disabled = replace(alerts.Settings(), enabled=False)
    pr = PullRequest(head_sha="h", base_ref="main",
                     files=(ChangedFile("ops/alerts/a.yml", FileStatus.ADDED),))
    assert alerts.wants(pr, disabled).head == frozenset()
    assert alerts.evaluate(pr, disabled).outcome is Outcome.SKIPPED


def test_findings_take_the_configured_severity(tmp_path: Path) -> None:
    result = run(tmp_path, {"ops/alerts/api.yml": BAD}, severity=Severity.WARNING)
    assert {f.severity for f in result.findings} == {Severity.WARNING}


def test_a_file_perfbot_could_not_read_is_said_on_the_file() -> None:
    pr = PullRequest(head_sha="h", base_ref="main",
                     files=(ChangedFile("ops/alerts/huge.yml", FileStatus.MODIFIED),),
                     head=Tree(unreadable={"ops/alerts/huge.yml": "larger than 50 MB"}))
    result = alerts.evaluate(pr, alerts.Settings())
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert finding.path == "ops/alerts/huge.yml" and "larger than 50 MB" in finding.message


def test_the_reason_names_only_what_the_alerts_lack(tmp_path: Path) -> None:
    # ErrorBudgetBurn has a severity and a summary: the row must not say it lacks them.
    only_runbook = BAD[: BAD.index("      - expr: up == 0")]
    result = run(tmp_path, {"ops/alerts/api.yml": only_runbook})
    assert result.reason == ("1 of 2 alerts lacks `annotations.runbook_url` in the changed "
                             "alerting-rule files.")
    (tmp_path / "all").mkdir()
    assert "`labels.severity`" in run(tmp_path / "all", {"ops/alerts/api.yml": BAD}).reason


def test_a_date_or_bare_equals_sign_in_an_alert_is_text_not_a_malformed_file(
        tmp_path: Path) -> None:
    # Prometheus reads label and annotation values as strings; so must perfbot.
    dated = GOOD.replace("          severity: page\n",
                         "          severity: page\n          since: 2024-01-01\n"
                         "          op: =\n")
    result = run(tmp_path, {"ops/alerts/api.yml": dated})
    assert result.outcome is Outcome.PASSED, [f.message for f in result.findings]


def test_a_scope_that_excludes_the_base_branch_says_so() -> None:
    pr = PullRequest(head_sha="h", base_ref="main",
                     files=(ChangedFile("ops/alerts/a.yml", FileStatus.ADDED),))
    scoped = replace(alerts.Settings(),
                     when=Scope(paths=alerts.ALERT_FILES, base_branches=("release/*",)))
    result = alerts.evaluate(pr, scoped)
    assert result.outcome is Outcome.SKIPPED
    assert "targets `main`, which is not one of `release/*`" in result.reason


def test_files_alone_say_which_rule_files_are_checked(tmp_path: Path) -> None:
    # Setting `files` without repeating it under `when.paths` must not silently skip them.
    result = run(tmp_path, {"monitoring/api.yaml": BAD}, files=("monitoring/**/*.yaml",))
    assert result.outcome is Outcome.FAILED
    assert [f.start_line for f in result.findings] == [13, 22]
