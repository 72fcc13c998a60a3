"""`perfbot check` where it runs in CI: errors that say the fix, every finding, CI formats."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gitrepo import GitRepo

from bot.cli import main

TEAM_CONFIG = "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"
UNINSTRUMENTED = "".join(  # routes: entry points, which the default asks to be instrumented
    f"@app.get('/h{n}')\ndef handler_{n}(a):\n    a += 1\n    a += 2\n    a += 3\n    return a\n\n"
    for n in range(60)
)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    (tmp_path / "repo").mkdir()
    return GitRepo(tmp_path / "repo")


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def feature(repo: GitRepo, files: dict[str, str | bytes | None]) -> None:
    repo.branch("feature")
    repo.commit(files, "change")


# Errors that name what is wrong and the fix.

def test_an_unknown_base_is_named_with_the_fix(repo, capsys) -> None:
    code, _, err = check(capsys, "--repo", str(repo.path), "--base", "nosuchref")
    assert code == 2
    assert "unknown ref `nosuchref`" in err and "git branch -a" in err
    assert "rev-parse" not in err


def test_a_folder_that_is_not_a_repository_says_so(tmp_path, capsys) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    code, _, err = check(capsys, "--repo", str(folder))
    assert code == 2
    assert f"{folder} is not a git repository" in err and "--repo" in err
    assert "base branch" not in err


def test_a_missing_folder_is_named(tmp_path, capsys) -> None:
    code, _, err = check(capsys, "--repo", str(tmp_path / "nowhere"))
    assert code == 2
    assert "nowhere does not exist" in err


def test_a_shallow_clone_is_told_to_fetch_full_history(repo, tmp_path, capsys) -> None:
    repo.commit({"src/a.py": "a = 1\n"}, "more history")
    feature(repo, {"src/b.py": "b = 1\n"})
    clone = tmp_path / "shallow"
    # As actions/checkout does by default: the head commit alone, then the base at depth 1.
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature",
                    f"file://{repo.path}", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--depth", "1", "origin",
                    "main:refs/remotes/origin/main"], check=True)
    code, _, err = check(capsys, "--repo", str(clone), "--base", "origin/main")
    assert code == 2
    assert "shallow clone" in err
    assert "fetch-depth: 0" in err and "git fetch --unshallow" in err


def test_a_base_missing_from_a_shallow_clone_gets_the_same_hint(repo, tmp_path, capsys) -> None:
    feature(repo, {"src/b.py": "b = 1\n"})
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature",
                    f"file://{repo.path}", str(clone)], check=True)
    code, _, err = check(capsys, "--repo", str(clone), "--base", "HEAD~1")
    assert code == 2
    assert "`HEAD~1`" in err and "fetch-depth: 0" in err


def test_no_guessable_base_says_what_was_looked_for(tmp_path, capsys) -> None:
    root = tmp_path / "trunk"
    root.mkdir()
    repo = GitRepo(root)
    repo.git("branch", "-m", "trunk")
    code, _, err = check(capsys, "--repo", str(root))
    assert code == 2
    assert "origin/HEAD, main or master" in err and "--base" in err


# The work tree.

def test_uncommitted_changes_are_warned_about_and_left_out(repo, capsys) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    feature(repo, {"README.md": "more\n"})
    (repo.path / "src").mkdir()
    (repo.path / "src" / "cache.py").write_text("x = 1\n")
    (repo.path / "README.md").write_text("edited\n")
    code, out, err = check(capsys, "--repo", str(repo.path), "--base", "main")
    assert code == 0  # the committed change alone passes
    assert "warning: 2 uncommitted changes" in err and "src/cache.py" in err
    assert "--worktree" in err
    assert "src/cache.py" not in out


def test_worktree_checks_uncommitted_and_untracked_files(repo, capsys) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    feature(repo, {"README.md": "more\n"})
    (repo.path / "src").mkdir()
    (repo.path / "src" / "cache.py").write_text("x = 1\n")
    index_before = repo.git("diff", "--cached", "--name-only")
    code, out, err = check(capsys, "--repo", str(repo.path), "--base", "main", "--worktree",
                           "--format", "json")
    assert code == 1  # src/cache.py needs a design record
    assert "uncommitted" not in err
    data = json.loads(out)
    assert any(a["path"] == "src/cache.py" for a in data["annotations"])
    assert repo.git("diff", "--cached", "--name-only") == index_before  # index untouched
    # Staged edits count too.
    repo.git("add", "src/cache.py")
    (repo.path / "docs" / "adr").mkdir(parents=True)
    (repo.path / "docs" / "adr" / "0001-cache.md").write_text("# Cache\n## Performance\n")
    code, _, _ = check(capsys, "--repo", str(repo.path), "--base", "main", "--worktree")
    assert code == 0


def test_worktree_takes_no_head(repo, capsys) -> None:
    code, _, err = check(capsys, "--repo", str(repo.path), "--worktree", "--head", "main")
    assert code == 2 and "--worktree" in err


def test_body_and_body_file_are_exclusive(repo, tmp_path, capsys) -> None:
    body = tmp_path / "body.md"
    body.write_text("Implements ADR-1\n")
    with pytest.raises(SystemExit) as exited:
        main(["check", "--repo", str(repo.path), "--body", "x", "--body-file", str(body)])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_unreadable_body_file_is_named(repo, tmp_path, capsys) -> None:
    code, _, err = check(capsys, "--repo", str(repo.path), "--body-file",
                         str(tmp_path / "missing.md"))
    assert code == 2 and "cannot read --body-file" in err and "missing.md" in err


# When there is nothing to compare.

def test_base_and_head_on_the_same_commit_say_what_to_pass(repo, capsys) -> None:
    code, out, _ = check(capsys, "--repo", str(repo.path), "--format", "markdown")
    assert code == 0
    assert "`HEAD` and `main` are the same commit" in out
    assert "--base origin/main" in out and "--base HEAD~1" in out


def test_a_head_already_merged_says_so(repo, capsys) -> None:
    repo.commit({"src/a.py": "a = 1\n"}, "more")
    code, out, _ = check(capsys, "--repo", str(repo.path), "--head", "HEAD~1",
                         "--format", "json")
    assert code == 0
    assert any("is already part of `main`" in n for n in json.loads(out)["notes"])


def test_a_real_change_has_no_same_commit_note(repo, capsys) -> None:
    feature(repo, {"src/a.py": "a = 1\n"})
    _, out, _ = check(capsys, "--repo", str(repo.path), "--format", "json")
    assert json.loads(out)["notes"] == []


# Every finding, in every format.

def test_json_lists_every_finding_beyond_the_check_runs_50(repo, capsys) -> None:
    feature(repo, {"svc/handlers.py": UNINSTRUMENTED})
    _, out, _ = check(capsys, "--repo", str(repo.path), "--format", "json")
    shown = [a for a in json.loads(out)["annotations"] if a["path"] == "svc/handlers.py"
             and (a.get("title") or "").startswith("Instrument ")]
    assert len(shown) == 60


def test_strict_fails_on_warnings(repo, capsys) -> None:
    feature(repo, {"svc/api/routes.py": "def f():\n    pass\n"})
    code, out, _ = check(capsys, "--repo", str(repo.path), "--format", "markdown")
    assert code == 0 and "passed with warnings" in out
    code, _, _ = check(capsys, "--repo", str(repo.path), "--strict")
    assert code == 1


def test_strict_passes_what_has_no_warning(repo, capsys) -> None:
    feature(repo, {"notes.txt": "hello\n"})
    code, _, _ = check(capsys, "--repo", str(repo.path), "--strict")
    assert code == 0


def test_github_format_writes_escaped_annotations_and_a_job_summary(
    repo, tmp_path, capsys, monkeypatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    feature(repo, {"svc/a,b:c.py": UNINSTRUMENTED})
    code, out, _ = check(capsys, "--repo", str(repo.path), "--format", "github")
    assert code == 0
    commands = [line for line in out.splitlines()
                if line.startswith("::") and ",title=Instrument " in line]
    assert len(commands) == 60
    first = commands[0]
    assert first.startswith("::warning file=svc/a%2Cb%3Ac.py,line=2,title=Instrument ")
    assert first.split("::", 2)[2].startswith("New endpoint `handler_0` is not instrumented.")
    # The log also carries the readable report.
    assert "Performance workflow: passed with warnings" in out
    written = summary.read_text()
    assert written.startswith("earlier step\n")  # appended, not overwritten
    assert "# Performance workflow: passed with warnings" in written
    assert "| Instrumentation |" in written


def test_github_format_without_a_summary_file_only_prints(repo, capsys, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    feature(repo, {"svc/handlers.py": UNINSTRUMENTED})
    code, out, _ = check(capsys, "--repo", str(repo.path), "--format", "github")
    assert code == 0 and out.startswith("::warning ")


def test_sarif_has_what_code_scanning_requires(repo, capsys) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    feature(repo, {"src/cache.py": "x = 1\n", "svc/handlers.py": UNINSTRUMENTED})
    code, out, _ = check(capsys, "--repo", str(repo.path), "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "perfbot" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids)) and "design_record" in ids and "instrumentation" in ids
    # 60 endpoints, the design record and the performance test the 360 lines of svc/ need.
    assert len(run["results"]) == 62
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] in {"src/cache.py", "svc/handlers.py"}
        assert physical["region"]["startLine"] >= 1
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["design_record"] == "error"


def test_sarif_reports_config_errors_at_their_line(repo, capsys) -> None:
    repo.commit({".github/performance.yml": "version: 1\nrules:\n  design_record:\n"
                 "    severity: fatal\n"}, "typo")
    feature(repo, {"src/a.py": "a\n"})
    code, out, _ = check(capsys, "--repo", str(repo.path), "--format", "sarif")
    assert code == 2
    [result] = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "config"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (4, 15)


def test_text_is_the_default_on_a_terminal_with_colour(repo, capsys, monkeypatch) -> None:
    feature(repo, {"svc/api/routes.py": "def f():\n    pass\n"})
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    _, out, _ = check(capsys, "--repo", str(repo.path))
    assert "\033[33m" in out  # a warning in yellow
    assert "|---|" not in out and "<sub>" not in out
    assert "Performance workflow: passed with warnings" in out
    assert "svc/api/routes.py:" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = check(capsys, "--repo", str(repo.path))
    assert "\033[" not in out


def test_markdown_stays_the_default_when_stdout_is_not_a_terminal(repo, capsys) -> None:
    feature(repo, {"svc/api/routes.py": "def f():\n    pass\n"})
    _, out, _ = check(capsys, "--repo", str(repo.path))
    assert out.startswith("# Performance workflow: passed with warnings")
    assert "|---|" in out
    _, text, _ = check(capsys, "--repo", str(repo.path), "--format", "text")
    assert "|---|" not in text and "\033[" not in text


def test_a_workflow_command_cannot_be_broken_out_of() -> None:
    from bot.core.reports.github import command
    from bot.core.results import Finding, Severity

    finding = Finding(path="a,b:c%.py", message="100% slower\r\n::error::forged",
                      severity=Severity.FAILURE, start_line=3, end_line=5, title="t: x, y")
    assert command(finding) == (
        "::error file=a%2Cb%3Ac%25.py,line=3,endLine=5,title=t%3A x%2C y"
        "::100%25 slower%0D%0A::error::forged"
    )
