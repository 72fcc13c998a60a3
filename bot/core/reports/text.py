"""Plain text for a terminal: one line a rule, then each finding as ``path:line:col``.

Colour (ANSI escapes) only when asked for: the CLI asks when stdout is a terminal and
``NO_COLOR`` is unset, so a log or a pipe gets plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.render import CONCLUSION_WORDS, all_findings
from bot.core.results import Conclusion, Evaluation, Finding, Outcome, RuleResult, Severity

_RESET = "\033[0m"
_COLOURS = {"red": "\033[31m", "yellow": "\033[33m", "green": "\033[32m", "dim": "\033[2m",
            "bold": "\033[1m"}
_CONCLUSION_COLOUR = {Conclusion.SUCCESS: "green", Conclusion.NEUTRAL: "yellow",
                      Conclusion.FAILURE: "red"}
_SEVERITY_COLOUR = {Severity.FAILURE: "red", Severity.WARNING: "yellow", Severity.NOTICE: "dim"}
# Markdown a rule's reason may carry that means nothing on a terminal.
_MARKUP = re.compile(r"<br>|</?sub>|</?details>|</?summary>|\*\*")


def text_report(evaluation: Evaluation, *, colour: bool = False) -> str:
    def paint(text: str, name: str) -> str:
        return f"{_COLOURS[name]}{text}{_RESET}" if colour else text

    verdict = CONCLUSION_WORDS[evaluation.conclusion]
    lines = [
        paint(f"{evaluation.check_name}: {verdict}", _CONCLUSION_COLOUR[evaluation.conclusion])
        + f" — {_plain(evaluation.title)}",
    ]
    if evaluation.results:
        lines.append("")
    width = max((len(r.title) for r in evaluation.results), default=0)
    for r in evaluation.results:
        label, name = _status(r)
        lines.append(f"  {paint(f'{label:<8}', name)} {r.title:<{width}}  {_plain(r.reason)}")
        if r.outcome is Outcome.FAILED and r.fix:
            lines.append(f"  {'':<8} {'':<{width}}  fix: {_plain(r.fix)}")
    findings = all_findings(evaluation)
    if findings:
        lines += ["", paint(f"Findings ({len(findings):,}):", "bold")]
        lines += [f"  {_finding(f, paint)}" for f in findings]
    for r in evaluation.results:
        if r.details:
            lines += ["", paint(r.title, "bold"), r.details]
    for note in evaluation.notes:
        lines += ["", f"Note: {_plain(note)}"]
    if evaluation.config_origin:
        lines += ["", paint(f"Configuration: {_plain(evaluation.config_origin)}", "dim")]
    return "\n".join(lines) + "\n"


def _status(r: RuleResult) -> tuple[str, str]:
    if r.outcome is Outcome.PASSED:
        return "passed", "green"
    if r.outcome is Outcome.SKIPPED:
        return "skipped", "dim"
    return r.severity.value, _SEVERITY_COLOUR[r.severity]


def _finding(f: Finding, paint: Callable[[str, str], str]) -> str:
    where = f"{f.path}:{f.start_line}"
    if f.start_column is not None:
        where += f":{f.start_column}"
    level = paint(f.severity.value, _SEVERITY_COLOUR[f.severity])
    return f"{where}: {level}: {_plain(f.message)}"


def _plain(text: str) -> str:
    return _MARKUP.sub(lambda m: " " if m.group(0) == "<br>" else "", text).replace("\n", " ")
