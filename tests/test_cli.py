import json
from pathlib import Path

import pytest
from gitrepo import GitRepo

from bot.cli import main
from bot.local.git import Checkout

TEAM_CONFIG = "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path)


def check(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", "--repo", str(repo.path), *args])
    return code, capsys.readouterr().out


def test_builtin_defaults_advise_without_failing(repo, capsys) -> None:
    repo.branch("feature")
    repo.commit({"svc/api/routes.py": "def f():\n    pass\n"}, "add route")
    code, out = check(repo, capsys)
    assert code == 0
    assert "passed with warnings" in out
    assert "svc/api/routes.py" in out
    assert "built-in defaults" in out


def test_team_config_on_base_fails_then_passes_with_a_record(repo, capsys) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    repo.branch("feature")
    repo.commit({"src/cache.py": "x = 1\n"}, "cache")
    code, out = check(repo, capsys, "--base", "main")
    assert code == 1
    assert "Design record" in out and "failed" in out
    repo.commit({"docs/adr/0001-cache.md": "# Cache\n## Performance\n"}, "record")
    code, out = check(repo, capsys, "--base", "main")
    assert code == 0
    assert "docs/adr/0001-cache.md" in out


def test_config_on_the_head_cannot_weaken_the_rules(repo, capsys) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    repo.branch("feature")
    weaker = TEAM_CONFIG + "    enabled: false\n"
    repo.commit({"src/cache.py": "x = 1\n", ".github/performance.yml": weaker}, "sneaky")
    code, _ = check(repo, capsys, "--base", "main")
    assert code == 1


def test_invalid_config_on_base_is_a_config_error_with_its_place(repo, capsys) -> None:
    repo.commit({".github/performance.yml": "version: 1\nrules:\n  design_record:\n"
                 "    severity: fatal\n"}, "typo")
    repo.branch("feature")
    repo.commit({"src/a.py": "a\n"}, "change")
    code, out = check(repo, capsys, "--format", "json")
    assert code == 2
    data = json.loads(out)
    assert data["conclusion"] == "failure"
    [note] = data["annotations"]
    assert note["path"] == ".github/performance.yml"
    assert (note["start_line"], note["start_column"]) == (4, 15)
    assert "failure, warning, notice" in note["message"]


def test_labels_and_body_can_be_given(repo, capsys) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    repo.branch("feature")
    repo.commit({"README.md": "more\n"}, "docs")
    code, _ = check(repo, capsys, "--label", "architecture")
    assert code == 1
    code, _ = check(repo, capsys, "--label", "architecture", "--body", "Implements ADR-0004")
    assert code == 0


def test_commit_messages_stand_in_for_the_description(repo, capsys) -> None:
    repo.commit({".github/performance.yml": TEAM_CONFIG}, "opt in")
    repo.branch("feature")
    repo.commit({"src/a.py": "a\n"}, "Speed up a\n\nSee ADR-0009 for the trade-offs.")
    assert check(repo, capsys)[0] == 0


def test_not_a_repository_is_a_usage_error(tmp_path, capsys) -> None:
    code = main(["check", "--repo", str(tmp_path)])
    assert code == 2
    assert "perfbot:" in capsys.readouterr().err


def test_unknown_base_is_a_usage_error(repo, capsys) -> None:
    assert main(["check", "--repo", str(repo.path), "--base", "nope"]) == 2
    assert "perfbot:" in capsys.readouterr().err


def test_changed_files_look_like_githubs(repo) -> None:
    repo.commit({"keep.txt": "".join(f"line {i}\n" for i in range(20)), "logo.png": b"\x89P\x00"},
                "base files")
    repo.branch("feature")
    repo.git("mv", "keep.txt", "moved.txt")
    repo.commit({"moved.txt": "".join(f"line {i}\n" for i in range(19)) + "changed\n",
                 "logo.png": b"\x89P\x00\x01", "new file.py": "print(1)\n"}, "mix")
    checkout = Checkout(repo.path)
    pr = checkout.pull_request("main", "HEAD")
    files = {f.path: f for f in pr.files}
    moved = files["moved.txt"]
    assert moved.status == "renamed" and moved.previous_path == "keep.txt"
    assert moved.patch is not None and moved.patch.startswith("@@ -17,4 +17,4 @@")
    assert (moved.additions, moved.deletions) == (1, 1)
    assert files["logo.png"].binary and files["logo.png"].patch is None
    assert files["new file.py"].status == "added"
    assert files["new file.py"].patch == "@@ -0,0 +1 @@\n+print(1)"
