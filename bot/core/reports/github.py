"""GitHub Actions: workflow commands that annotate the PR's files, and a job summary.

``::error file=F,line=L,endLine=E,col=C,title=T::message`` is how a step annotates a file
without a token (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
Values are escaped as the runner decodes them (``%``, CR and LF everywhere; ``:`` and ``,``
in properties too), so a message can neither break its line nor start a command of its own.
"""

from __future__ import annotations

from bot.core.render import all_findings, markdown_report
from bot.core.results import Evaluation, Finding, Severity

from .text import text_report

_LEVELS = {Severity.FAILURE: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def workflow_commands(evaluation: Evaluation) -> str:
    """One annotation command per finding, then the plain text report for the log."""
    commands = [command(f) for f in all_findings(evaluation)]
    return "\n".join([*commands, text_report(evaluation).rstrip("\n")]) + "\n"


def step_summary(evaluation: Evaluation) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the report a check run would show."""
    return markdown_report(evaluation)


def command(f: Finding) -> str:
    props = [f"file={_property(f.path)}", f"line={f.start_line}"]
    if f.end_line is not None and f.end_line != f.start_line:
        props.append(f"endLine={f.end_line}")
    if f.start_column is not None:
        props.append(f"col={f.start_column}")
        if f.end_column is not None:
            props.append(f"endColumn={f.end_column}")
    if f.title:
        props.append(f"title={_property(f.title)}")
    return f"::{_LEVELS[f.severity]} {','.join(props)}::{_data(f.message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
