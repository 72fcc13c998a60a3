"""``perfbot bench compare`` on files real tools wrote (the corpus in benchmarks/corpus)."""

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main

CORPUS = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus" / "data"
PYTEST_BASE = CORPUS / "pytest-benchmark" / "run007-aa.json"
PYTEST_SAME = CORPUS / "pytest-benchmark" / "run026-aa.json"  # unchanged code, another run
PYTEST_SLOWER = CORPUS / "pytest-benchmark" / "run044-all25.json"  # every workload +25 %
PYPERF_BASE = CORPUS / "pyperf" / "run002-mix2.json"


def compare(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main(["bench", "compare", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_unchanged_code_passes_with_a_table(capsys) -> None:
    code, out, _ = compare(capsys, PYTEST_BASE, PYTEST_SAME)
    assert code == 0
    assert "0 regressed" in out and "8 unchanged" in out
    assert "<details>" in out and "test_workload[recursion]" in out


def test_a_slowdown_fails_and_json_names_every_benchmark(capsys) -> None:
    code, out, _ = compare(capsys, PYTEST_BASE, PYTEST_SLOWER, "--json")
    assert code == 1
    report = json.loads(out)
    assert len(report["benchmarks"]) == 8
    first = report["benchmarks"][0]
    assert {"name", "metric", "base", "head", "unit", "change", "verdict"} <= first.keys()
    assert {b["verdict"] for b in report["benchmarks"]} == {"regressed"}
    assert first["unit"] == "s" and first["change"] > 0.1
    assert report["counts"]["regressed"] == 8


def test_folders_pair_benchmarks_across_files_and_report_new_and_missing(capsys, tmp_path) -> None:
    base, head = tmp_path / "base", tmp_path / "head"
    (base / "py").mkdir(parents=True)
    head.mkdir()
    shutil.copy(PYTEST_BASE, base / "pytest.json")
    shutil.copy(PYPERF_BASE, base / "py" / "pyperf.json")
    shutil.copy(PYTEST_SAME, head / "renamed.json")
    code, out, _ = compare(capsys, base, head, "--format", "auto", "--json")
    verdicts = {b["name"]: b["verdict"] for b in json.loads(out)["benchmarks"]}
    assert verdicts["sum_squares"] == "missing"
    assert verdicts["bench_pytest.py::test_workload[sum_squares]"] == "unchanged"
    assert code == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (PYTEST_BASE.read_bytes()[:500], ""),
        (b'{"benchmarks": []}', ""),
    ],
    ids=["empty", "truncated", "no-benchmarks"],
)
def test_unreadable_input_exits_2_naming_the_file(capsys, tmp_path, content, problem) -> None:
    bad = tmp_path / "results.json"
    bad.write_bytes(content)
    code, out, err = compare(capsys, PYTEST_BASE, bad)
    assert code == 2
    assert str(bad) in err and problem in err
    assert out == ""


def test_missing_path_and_empty_folder_exit_2(capsys, tmp_path) -> None:
    code, _, err = compare(capsys, tmp_path / "nope.json", PYTEST_BASE)
    assert code == 2 and "no such file" in err
    (tmp_path / "empty").mkdir()
    code, _, err = compare(capsys, PYTEST_BASE, tmp_path / "empty")
    assert code == 2 and "no result files" in err


def test_a_named_format_that_does_not_fit_is_refused(capsys) -> None:
    code, _, err = compare(capsys, PYTEST_BASE, PYTEST_SAME, "--format", "pyperf")
    assert code == 2 and "run007-aa.json" in err


CRITERION_TREE = Path(__file__).resolve().parent / "fixtures" / "bench" / "criterion" / "target"


def test_a_saved_copy_of_a_criterion_folder_compares_with_the_live_one(capsys, tmp_path) -> None:
    # `cp -r target/criterion before` is how one keeps a baseline; the copy's path no longer
    # says "criterion", and Criterion's older runs (base/, change/) are still beside new/.
    before = tmp_path / "before"
    shutil.copytree(CRITERION_TREE / "criterion", before)
    code, out, err = compare(capsys, before, CRITERION_TREE / "criterion", "--json")
    assert code == 0, err
    report = json.loads(out)
    names = {b["name"] for b in report["benchmarks"]}
    assert {"fib 10", "sort/256"} <= names
    assert {b["verdict"] for b in report["benchmarks"]} == {"unchanged"}


def test_a_criterion_folder_with_its_reports_compares(capsys, tmp_path) -> None:
    # Criterion writes HTML and SVG reports and raw.csv beside its JSON (the fixture keeps
    # only the JSON); a folder as Criterion leaves it must compare, not exit 2 on them.
    live = tmp_path / "live"
    shutil.copytree(CRITERION_TREE / "criterion", live)
    (live / "report").mkdir()
    (live / "report" / "index.html").write_text("<!DOCTYPE html><html></html>\n")
    (live / "fib 10" / "report").mkdir()
    (live / "fib 10" / "report" / "pdf.svg").write_text("<svg></svg>\n")
    (live / "fib 10" / "new" / "raw.csv").write_text(
        "group,function,value,throughput_num,throughput_type,sample_measured_value,unit,"
        "iteration_count\nfib 10,,,,,1260.0,ns,10\n")
    code, out, err = compare(capsys, live, CRITERION_TREE / "criterion")
    assert code == 0, err
    assert "unchanged" in out


def test_results_of_two_different_tools_are_refused_not_passed(capsys) -> None:
    # Nothing pairs between a pytest-benchmark file and a pyperf file: "0 regressed" with
    # every benchmark new and missing would pass a comparison that never happened.
    code, _, err = compare(capsys, PYTEST_BASE, PYPERF_BASE)
    assert code == 2
    assert "pytest-benchmark" in err and "pyperf" in err


@pytest.mark.parametrize("written", ["30%", "30 %", "0.3", " 0.30 "])
def test_the_threshold_is_a_fraction_or_a_percentage(capsys, written) -> None:
    # Every workload got slower, by 18 % to 44 %: four of the eight by more than 30 %.
    code, out, err = compare(capsys, PYTEST_BASE, PYTEST_SLOWER, "--json", "--threshold", written)
    assert (code, err) == (1, "")
    assert json.loads(out)["counts"]["regressed"] == 4


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("30", "--threshold 30 would be 3000 %; write 30% for 30 %, or 0.3"),
        ("1", "--threshold 1 would be 100 %"),
        ("-1", "--threshold -1 is no threshold: it must be more than 0"),
        ("0", "--threshold 0 is no threshold: it must be more than 0"),
        ("=-5%", "--threshold -5% is no threshold"),
        ("0%", "--threshold 0% is no threshold"),
        ("ten", "--threshold 'ten' is not a number; write a relative change as a fraction or a "
         "percentage: 0.1 or 10%"),
        ("nan", "--threshold 'nan' is not a number"),
        ("inf%", "--threshold 'inf%' is not a number"),
    ],
)
def test_a_threshold_that_is_no_relative_change_is_refused_in_one_line(
    capsys, written, says
) -> None:
    args = [f"--threshold{written}"] if written.startswith("=") else ["--threshold", written]
    code, out, err = compare(capsys, PYTEST_BASE, PYTEST_SAME, *args)
    assert (code, out) == (2, "")
    assert err.startswith(f"perfbot: {says}")
    assert err.count("\n") == 1


def test_a_negative_threshold_no_longer_calls_unchanged_benchmarks_improved(capsys) -> None:
    # `--threshold -1` used to compare every change against -100 %: the same file against
    # itself came out with every `+0.0 %` row "improved".
    code, out, err = compare(capsys, PYTEST_BASE, PYTEST_BASE, "--json", "--threshold", "-1")
    assert code == 2 and out == "" and "must be more than 0" in err
    code, out, _ = compare(capsys, PYTEST_BASE, PYTEST_BASE, "--json", "--threshold", "1%")
    assert code == 0 and json.loads(out)["counts"]["improved"] == 0
