"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``) and other
tools that read static-analysis results: one run, a reporting descriptor per rule, a result
per finding."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from bot.core.results import Evaluation, Finding, Severity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/perfbot/perfbot"
CONFIG_RULE = "config"
_LEVELS = {Severity.FAILURE: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}


def sarif_report(evaluation: Evaluation, version: str) -> str:
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def rule(rule_id: str, title: str, fix: str) -> int:
        if rule_id not in index:
            index[rule_id] = len(rules)
            descriptor: dict[str, Any] = {
                "id": rule_id, "name": title, "shortDescription": {"text": title}}
            if fix:
                descriptor["help"] = {"text": fix}
            rules.append(descriptor)
        return index[rule_id]

    for f in evaluation.findings:
        results.append(_result(f, CONFIG_RULE, rule(CONFIG_RULE, "Configuration", "")))
    for r in evaluation.results:
        at = rule(r.rule, r.title, r.fix)
        results += [_result(f, r.rule, at) for f in r.findings]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "perfbot", "version": version,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _result(f: Finding, rule_id: str, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(f.start_line, 1)}
    if f.end_line is not None and f.end_line >= f.start_line:
        region["endLine"] = f.end_line
    if f.start_column is not None and f.start_column >= 1:
        region["startColumn"] = f.start_column
        if f.end_column is not None and f.end_column >= f.start_column:
            region["endColumn"] = f.end_column + 1  # SARIF's end column is exclusive
    message = f"{f.title}: {f.message}" if f.title else f.message
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[f.severity],
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": quote(f.path), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }}],
    }
