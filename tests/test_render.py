import json

from bot.core.config import Config
from bot.core.evaluate import evaluate
from bot.core.facts import ChangedFile, FileStatus, PullRequest
from bot.core.render import OUTPUT_LIMIT, annotation, check_output, fit, json_report
from bot.core.results import Finding, Severity


def test_long_output_is_cut_at_a_line_and_says_so() -> None:
    text = "\n".join(f"row {i} " + "x" * 80 for i in range(2000))
    cut = fit(text)
    assert len(cut) <= OUTPUT_LIMIT
    assert cut.endswith("_") and "truncated" in cut
    assert cut.splitlines()[-3].startswith("row ")  # whole rows only


def test_columns_only_on_single_line_annotations() -> None:
    single = Finding("a.yml", "m", Severity.FAILURE, start_line=3, start_column=5)
    multi = Finding("a.yml", "m", Severity.FAILURE, start_line=3, end_line=4, start_column=5)
    assert annotation(single)["start_column"] == 5
    assert "start_column" not in annotation(multi)


def test_table_cells_cannot_break_the_table() -> None:
    pr = PullRequest(
        head_sha="h",
        base_ref="main",
        files=(ChangedFile("svc/api/a|b\nc.py", FileStatus.ADDED, 1, 0, patch=None),),
    )
    output = check_output(evaluate(pr, Config()))
    rows = [line for line in output.summary.splitlines() if line.startswith("| ❌")]
    assert len(rows) == 1
    assert "a\\|b<br>c.py" in rows[0]


def test_json_report_is_machine_readable() -> None:
    pr = PullRequest(head_sha="h", base_ref="main",
                     files=(ChangedFile("svc/api/a.py", FileStatus.ADDED, 1, 0, patch=None),))
    data = json.loads(json_report(evaluate(pr, Config())))
    assert data["conclusion"] == "failure"
    assert data["annotations"][0]["path"] == "svc/api/a.py"
    rules = {r["rule"]: r for r in data["rules"]}
    assert rules["design_record"]["outcome"] == "failed"
