"""`perfbot init` writes files that validate and pass on the repository they were made for."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import GitRepo

from bot.cli import main

LAYOUTS = {
    "a Python package at the root": {
        "httpkit/__init__.py": "def get(url):\n    return url\n",
        "httpkit/client.py": "class Client:\n    def send(self):\n        return 1\n",
        "tests/test_client.py": "def test_send():\n    assert True\n",
        "docs/index.md": "# httpkit\n",
    },
    "Go at the root": {
        "go.mod": "module example.com/zlog\n",
        "logger.go": "package zlog\n\nfunc New() *Logger {\n\treturn &Logger{}\n}\n",
        "internal/buf/buf.go": "package buf\n",
        "examples/main.go": "package main\n",
    },
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_init_output_validates_and_passes_on_its_repository(
    layout: str, tmp_path: Path, capsys
) -> None:
    repo = GitRepo(tmp_path)
    repo.commit(dict(LAYOUTS[layout]), "code")
    assert main(["init", "--repo", str(tmp_path)]) == 0
    config = tmp_path / ".github/performance.yml"
    text = config.read_text()
    assert text.startswith("# .github/performance.yml, written by `perfbot init`")
    assert main(["config", "validate", str(config)]) == 0
    assert (tmp_path / "docs/performance/objectives.yml").exists()
    workflow = (tmp_path / ".github/workflows/performance.yml").read_text()
    assert "fetch-depth: 0" in workflow and "--format github" in workflow
    capsys.readouterr()
    # Committed, the config is the base's; a later change is checked by it and passes.
    repo.commit({".github/performance.yml": text,
                 "docs/performance/objectives.yml":
                     (tmp_path / "docs/performance/objectives.yml").read_text(),
                 ".github/workflows/performance.yml": workflow}, "perfbot init")
    repo.branch("feature")
    repo.commit({"README.md": "more\n"}, "docs")
    assert main(["check", "--repo", str(tmp_path), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "in `.github/performance.yml`" in out or ".github/performance.yml" in out


def test_init_fits_the_layout(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    repo.commit(dict(LAYOUTS["a Python package at the root"]), "code")
    main(["init", "--repo", str(tmp_path)])
    text = (tmp_path / ".github/performance.yml").read_text()
    assert "Languages found: Python" in text and "'httpkit/**'" in text
    assert "'tests/**'" not in text and "'src/**'" not in text
    go = tmp_path / "go"
    go.mkdir()
    GitRepo(go).commit(dict(LAYOUTS["Go at the root"]), "code")
    main(["init", "--repo", str(go)])
    text = (go / ".github/performance.yml").read_text()
    assert "Languages found: Go" in text and "'*.go'" in text and "'internal/**'" in text
    assert "'examples/**'" not in text


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    repo = GitRepo(tmp_path)
    repo.commit({".github/performance.yml": "version: 1\n"}, "mine")
    assert main(["init", "--repo", str(tmp_path)]) == 2
    assert ".github/performance.yml already exists" in capsys.readouterr().err
    assert (tmp_path / ".github/performance.yml").read_text() == "version: 1\n"
    assert not (tmp_path / "docs/performance/objectives.yml").exists()
    assert main(["init", "--repo", str(tmp_path), "--force"]) == 0
    assert "perfbot init" in (tmp_path / ".github/performance.yml").read_text()
