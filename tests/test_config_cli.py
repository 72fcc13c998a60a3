"""``perfbot config validate`` and config errors in ``perfbot check``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from config_cases import CASES, Case
from gitrepo import GitRepo

from bot.cli import main

TEAM_CONFIG = "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["config", "validate", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_prints_each_problem_as_file_line_col(case: Case, tmp_path, capsys) -> None:
    path = tmp_path / "performance.yml"
    path.write_text(case.text)
    code, out, _ = validate(capsys, str(path))
    assert code == 1
    [line] = out.splitlines()
    assert line.startswith(f"{path}:{case.line}:{case.column}: ")
    assert case.says in line


def test_a_valid_file_exits_0(tmp_path, capsys) -> None:
    path = tmp_path / "performance.yml"
    path.write_text(TEAM_CONFIG)
    code, out, _ = validate(capsys, str(path))
    assert (code, out) == (0, f"{path}: valid\n")


def test_the_shipped_defaults_are_valid(capsys) -> None:
    default = Path(__file__).parents[1] / "config" / "default.yml"
    assert validate(capsys, str(default))[0] == 0


def test_an_unreadable_file_exits_2(tmp_path, capsys) -> None:
    code, out, err = validate(capsys, str(tmp_path / "missing.yml"))
    assert code == 2 and out == "" and "cannot read" in err
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = validate(capsys, str(binary))
    assert code == 2 and "not UTF-8" in err


def test_a_10_mb_file_is_refused_without_reading_it(tmp_path, capsys) -> None:
    path = tmp_path / "huge.yml"
    path.write_text("#" * (10 * 1024 * 1024))
    code, out, _ = validate(capsys, str(path))
    assert code == 1
    assert out == f"{path}:1:1: the file is 10.0 MB; perfbot reads configuration files of at " \
        "most 1 MB\n"


def test_extends_is_checked_against_the_given_file(tmp_path, capsys) -> None:
    org = tmp_path / "org.yml"
    org.write_text("version: 1\nrules:\n  design_record:\n    severity: loud\n")
    path = tmp_path / "performance.yml"
    path.write_text("version: 1\nextends: org\n")
    code, out, _ = validate(capsys, str(path))
    assert code == 0 and "not checked" in out
    code, out, _ = validate(capsys, str(path), "--extends", str(org))
    assert code == 1
    assert out.startswith(f"{org}:4:15: rules.design_record.severity: must be one of")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    (tmp_path / "repo").mkdir()
    return GitRepo(tmp_path / "repo")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_annotates_a_broken_base_config(case: Case, repo, capsys) -> None:
    repo.commit({".github/performance.yml": case.text}, "config")
    repo.branch("feature")
    repo.commit({"src/a.py": "a\n"}, "change")
    code = main(["check", "--repo", str(repo.path), "--base", "main", "--format", "json"])
    assert code == 2
    [note] = json.loads(capsys.readouterr().out)["annotations"]
    assert note["path"] == ".github/performance.yml"
    assert (note["start_line"], note["start_column"]) == (case.line, case.column)
    assert case.says in note["message"]


def test_check_fails_a_change_that_breaks_the_config_but_judges_it_by_the_base(
    repo, capsys
) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    repo.branch("feature")
    broken = TEAM_CONFIG.replace("paths:", "pathz:")
    repo.commit({".github/performance.yml": broken, "docs/a.md": "a\n"}, "typo")
    code = main(["check", "--repo", str(repo.path), "--base", "main", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["conclusion"] == "failure"
    assert "invalid" in report["title"]
    [note] = report["annotations"]
    assert (note["path"], note["start_line"], note["start_column"]) == (
        ".github/performance.yml", 5, 7,
    )
    assert "did you mean 'paths'" in note["message"]
    assert report["rules"][0]["outcome"] == "skipped"  # the base's rules: docs are out of scope


def test_check_reads_an_extends_target_from_a_file(repo, tmp_path, capsys) -> None:
    repo.commit({".github/performance.yml": "version: 1\nextends: org\n"}, "extend")
    repo.branch("feature")
    repo.commit({"src/a.py": "a\n"}, "change")
    args = ["check", "--repo", str(repo.path), "--base", "main"]
    assert main(args) == 2
    assert "--extends FILE" in capsys.readouterr().out
    org = tmp_path / "org.yml"
    org.write_text(TEAM_CONFIG)
    assert main([*args, "--extends", str(org)]) == 1  # the org's rules apply: src/** needs a record


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_names_each_config_problem_as_file_line_col_in_its_report(
    case: Case, repo, capsys
) -> None:
    repo.commit({".github/performance.yml": case.text}, "config")
    repo.branch("feature")
    repo.commit({"src/a.py": "a\n"}, "change")
    assert main(["check", "--repo", str(repo.path), "--base", "main"]) == 2
    out = capsys.readouterr().out
    assert f"`.github/performance.yml:{case.line}:{case.column}`: " in out
