"""Turn an evaluation into what people read: a check run's output, or a local report."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from bot.core.results import Conclusion, Evaluation, Finding, Outcome

# GitHub refuses check run output.summary and output.text longer than this.
OUTPUT_LIMIT = 65_535
_MESSAGE_LIMIT = 4_000
_TITLE_LIMIT = 255
# A check run shows at most this many annotations per rule (one request's worth, as GitHub
# takes 50 per request); the local report lists every finding.
ANNOTATIONS_PER_RULE = 50
ANNOTATED_FIRST = (
    "_{title}: annotated the first {limit} of {count:,} findings; "
    "`perfbot check --format json` lists every one._"
)

ICONS = {Outcome.PASSED: "✅", Outcome.FAILED: "❌", Outcome.SKIPPED: "⏭️"}
WARNING_ICON = "⚠️"
CONCLUSION_WORDS = {
    Conclusion.SUCCESS: "passed",
    Conclusion.NEUTRAL: "passed with warnings",
    Conclusion.FAILURE: "failed",
}


@dataclass(frozen=True, slots=True)
class CheckOutput:
    title: str
    summary: str
    text: str
    annotations: tuple[Finding, ...]


def check_output(evaluation: Evaluation) -> CheckOutput:
    return CheckOutput(
        title=_clip(evaluation.title, _TITLE_LIMIT),
        summary=fit(_summary(evaluation)),
        text=fit(_details(evaluation)),
        annotations=_annotated(evaluation),
    )


def all_findings(evaluation: Evaluation) -> tuple[Finding, ...]:
    """Every finding: config problems first, then each rule's, in the rules' order."""
    return evaluation.findings + tuple(f for r in evaluation.results for f in r.findings)


def _annotated(evaluation: Evaluation) -> tuple[Finding, ...]:
    return evaluation.findings + tuple(
        f for r in evaluation.results for f in r.findings[:ANNOTATIONS_PER_RULE]
    )


def annotation(finding: Finding) -> dict[str, Any]:
    """A finding as GitHub's Checks API takes an annotation."""
    end_line = finding.end_line or finding.start_line
    body: dict[str, Any] = {
        "path": finding.path,
        "start_line": finding.start_line,
        "end_line": end_line,
        "annotation_level": finding.severity.value,
        "message": _clip(finding.message, _MESSAGE_LIMIT),
    }
    if finding.title:
        body["title"] = _clip(finding.title, _TITLE_LIMIT)
    # GitHub takes columns only on single-line annotations.
    if end_line == finding.start_line and finding.start_column is not None:
        body["start_column"] = finding.start_column
        body["end_column"] = finding.end_column or finding.start_column
    return body


def markdown_report(evaluation: Evaluation) -> str:
    """The local CLI's report: the check run as a PR author would see it."""
    output = check_output(evaluation)
    verdict = CONCLUSION_WORDS[evaluation.conclusion]
    parts = [f"# {evaluation.check_name}: {verdict}", f"**{output.title}**", output.summary]
    if output.text:
        parts.append(output.text)
    return "\n\n".join(parts) + "\n"


def json_report(evaluation: Evaluation) -> str:
    """Every finding, not only those a check run would show: the annotation limits are
    GitHub's, not the CLI's."""
    output = check_output(evaluation)
    return json.dumps(
        {
            "check_name": evaluation.check_name,
            "conclusion": evaluation.conclusion.value,
            "title": output.title,
            "summary": output.summary,
            "config": evaluation.config_origin,
            "notes": list(evaluation.notes),
            "rules": [asdict(r) for r in evaluation.results],
            "annotations": [annotation(f) for f in all_findings(evaluation)],
        },
        indent=2,
        ensure_ascii=False,
    )


def fit(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """Cut ``text`` at a line boundary so it fits GitHub's limit, saying that it was cut."""
    if len(text) <= limit:
        return text
    note = (
        "\n\n_… truncated to fit GitHub's size limit; "
        "run `perfbot check` locally for all of it._"
    )
    cut = text.rfind("\n", 0, limit - len(note))
    return text[: cut if cut > 0 else limit - len(note)] + note


def _summary(evaluation: Evaluation) -> str:
    lines: list[str] = []
    if evaluation.findings and not evaluation.results:
        lines.append("perfbot could not read its configuration, so no rule was evaluated.")
        lines.append("")
        for f in evaluation.findings:
            lines.append(f"- `{f.path}` line {f.start_line}, column {f.start_column}: {f.message}")
        lines.append("")
        lines.append("Fix the file on the base branch; a pull request cannot change its own rules.")
    if evaluation.results:
        lines += [
            "| | Stage | Rule | Result | Why | How to fix |",
            "|---|---|---|---|---|---|",
        ]
        for r in evaluation.results:
            icon = ICONS[r.outcome]
            if r.outcome is Outcome.FAILED and r.severity.value != "failure":
                icon = WARNING_ICON
            result = r.outcome.value if r.outcome is not Outcome.FAILED else r.severity.value
            cells = (icon, r.stage.value, r.title, result, r.reason, r.fix or "")
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    for note in evaluation.notes:
        lines += ["", f"> **Note:** {note}"]
    if evaluation.config_origin:
        lines += ["", f"<sub>Configuration: {evaluation.config_origin}</sub>"]
    return "\n".join(lines)


def _details(evaluation: Evaluation) -> str:
    lines = [f"### {r.title}\n\n{r.details}\n" for r in evaluation.results if r.details]
    findings = _annotated(evaluation)
    if not findings:
        return "\n".join(lines).rstrip("\n")
    lines += ["### Findings", ""]
    lines += [
        ANNOTATED_FIRST.format(title=r.title, limit=ANNOTATIONS_PER_RULE, count=len(r.findings))
        + "\n"
        for r in evaluation.results
        if len(r.findings) > ANNOTATIONS_PER_RULE
    ]
    for f in findings:
        column = f":{f.start_column}" if f.start_column is not None else ""
        where = f"{f.path}:{f.start_line}{column}"
        lines.append(f"- **{f.severity.value}** `{where}`: {_cell(f.message)}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
