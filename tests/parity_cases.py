"""The cases both fronts must agree on: a base tree, and per case a config and a change.

Shared by the CLI/App parity test and the README's workflow-rows test, which replays
the same changes through each front.
"""

from __future__ import annotations

import json

from benchfiles import pytest_benchmark, samples
from harness import TEAM_CONFIG

OBJECTIVES_FILE = "docs/performance/objectives.yml"
OBJECTIVES = """\
journeys:
  - name: store
    targets: [p95 latency <= 250ms, rss <= 512MiB]
    paths: ["src/store.py"]
    owners: ["@octo-org/storage"]
"""
BASE = {
    "README.md": "hello\n",
    "src/store.py": "".join(f"k{i} = {i}\n" for i in range(12)),
    OBJECTIVES_FILE: OBJECTIVES,
    "docs/adr/0001-store.md": "# Store\n\n## Performance\nO(1) reads.\n",
}
ALERTS = """\
groups:
  - name: api
    rules:
      - alert: Slow
        expr: latency > 0.25
        labels: {severity: page}
        annotations: {summary: slow, runbook_url: "https://runbooks/slow"}
"""
INCOMPLETE_ALERT = "      - alert: Down\n        expr: up == 0\n"
OBJECTIVES_CONFIG = "version: 1\nrules:\n  objectives:\n    enabled: true\n    required: true\n"
DASHBOARDS_CONFIG = "version: 1\nrules:\n  dashboards: {enabled: true}\n"
CHARTED = OBJECTIVES + "    metric: store_get_seconds\n"
BOARD = json.dumps({"title": "Store", "panels": [
    {"type": "timeseries", "targets": [{"expr": "rate(store_get_seconds_sum[5m])"}]}]})
SECTIONS_CONFIG = TEAM_CONFIG + "    required_sections: [Performance]\n"
CASES = {
    "fails without a record": (
        TEAM_CONFIG, {"src/store.py": "k0 = 0\nk1 = 100\n", "src/new.py": "x = 1\n"}),
    "passes with a record": (TEAM_CONFIG, {"src/new.py": "x\n", "docs/adr/0002-store.md": "#\n"}),
    "built-in defaults": (None, {"svc/api/v1.proto": "syntax = 1;\n", "logo.png": b"\x00\x01"}),
    "invalid config": ("rules:\n  design_record:\n    severity: [x]\n", {"src/a.py": "a\n"}),
    "PR breaks the config": (
        TEAM_CONFIG, {"src/a.py": "a\n", ".github/performance.yml": "rules: {design: {}}\n"}),
    "outside the top-level paths": ("paths: [services/**]\n" + TEAM_CONFIG, {"src/a.py": "a\n"}),
    # The rules that read whole files at the head, or the PR's labels and description.
    "alerts without runbooks": (TEAM_CONFIG, {"ops/alerts/api.yml": ALERTS + INCOMPLETE_ALERT}),
    "alerts with runbooks": (TEAM_CONFIG, {"ops/alerts/api.yml": ALERTS}),
    "malformed alert file": (TEAM_CONFIG, {"ops/prometheus/x.rules.yml": "groups: [\n"}),
    "rollout undeclared": (TEAM_CONFIG, {"deploy/api.yaml": "replicas: 3\n"}),
    "rollout by label": (TEAM_CONFIG, {"deploy/api.yaml": "replicas: 3\n"},
                         {"labels": ["rollout:canary"]}),
    "rollout by section": (TEAM_CONFIG, {"deploy/api.yaml": "replicas: 3\n"},
                           {"body": "## Rollout\nCanary 5% for a day.\n"}),
    "objectives at stake": (OBJECTIVES_CONFIG, {"src/store.py": "k0 = 1\n"}),
    "objectives malformed": (OBJECTIVES_CONFIG, {OBJECTIVES_FILE: "journeys:\n  - name: x\n"}),
    "journey not on a dashboard": (DASHBOARDS_CONFIG, {OBJECTIVES_FILE: CHARTED}),
    "journey on a dashboard": (DASHBOARDS_CONFIG, {OBJECTIVES_FILE: CHARTED,
                                                   "ops/dashboards/store.json": BOARD}),
    "record lacks sections": (SECTIONS_CONFIG, {"src/a.py": "a\n", "docs/adr/3.md": "# Cache\n"}),
    "record linked by path": (SECTIONS_CONFIG, {"src/a.py": "a\n"},
                              {"body": "Design: docs/adr/0001-store.md"}),
}
# Implementation and testing stages: instrumentation, tuning knobs, performance tests.
V1 = "version: 1\n"
# Entry points, which the default `functions: entry-points` asks to be instrumented.
FUNCTIONS = (
    "@app.get('/traced')\ndef traced(a):\n    with tracer.start_as_current_span('traced'):\n"
    "        a += 1\n        return a\n\n\n@app.get('/plain')\ndef plain(a):\n    a += 1\n"
    "    a += 2\n    a += 3\n    return a\n"
)
GO_FUNCTIONS = (
    "package s\n\nfunc (s *S) Put(w http.ResponseWriter, r *http.Request) {\n\ts.n++\n"
    "\ts.m[r.URL.Path] = 1\n\tw.WriteHeader(204)\n}\n"
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
# Benchmark results committed on the base, then changed by the PR (compared at the merge base).
BENCH = "benchmarks/results/bench.json"
BASE[BENCH] = pytest_benchmark({"test_get": samples(0.001), "test_put": samples(0.003)})
CASES["benchmark regression"] = (TEAM_CONFIG, {BENCH: pytest_benchmark(
    {"test_get": samples(0.0014, seed=2), "test_put": samples(0.003, seed=2)})})
CASES["benchmark A/A"] = (TEAM_CONFIG, {BENCH: pytest_benchmark(
    {"test_get": samples(0.001, seed=3), "test_put": samples(0.003, seed=3)})})
