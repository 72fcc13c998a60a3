"""The instrumentation rule's precision and entry-point recall on the labelled corpus of
real ranges (benchmarks/precision/): a regression guard a little below the figures
``benchmarks/precision.py`` prints, which the README quotes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from gitrepo import GitRepo

from bot.core.diff import added_lines
from bot.local.git import Checkout

ROOT = Path(__file__).resolve().parents[1]
# The figures of the rule in this tree, as `benchmarks/precision.py` measures them, less a
# small margin: a change to the rule that loses precision or misses entry points fails here.
MIN_PRECISION = 0.90
MIN_RECALL = 0.93
EXTENSIONS = {".py": "Python", ".go": "Go", ".js": "JavaScript", ".ts": "TypeScript",
              ".java": "Java", ".rs": "Rust"}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("precision", ROOT / "benchmarks/precision.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["precision"] = module
    spec.loader.exec_module(module)
    return module


precision = _load()


@pytest.fixture(scope="module")
def scores() -> list:  # type: ignore[type-arg]
    return precision.evaluate_corpus()


def test_the_default_config_holds_its_measured_precision_and_recall(scores: list) -> None:  # type: ignore[type-arg]
    _, flagged, wanted, entry_points, found = precision.totals(scores)
    assert flagged and entry_points
    assert wanted / flagged >= MIN_PRECISION, precision.details(scores)
    assert found / entry_points >= MIN_RECALL, precision.details(scores)


def test_the_corpus_spans_eight_repositories_and_five_languages() -> None:
    repositories, languages, entry_points = set(), set(), 0
    for directory in precision.corpora():
        doc, labels = precision.labels_of(directory)
        repositories.add(doc["repository"])
        assert len(doc["base"]) == 40 and len(doc["head"]) == 40, directory.name
        assert doc["license"], directory.name
        languages |= {EXTENSIONS[Path(label.path).suffix] for label in labels
                      if Path(label.path).suffix in EXTENSIONS}
        entry_points += sum(label.entry_point for label in labels)
    assert len(repositories) >= 8
    assert len(languages) >= 5
    assert entry_points >= 100


def test_every_label_names_a_function_the_patch_adds() -> None:
    """A label's line is an added line of its file's patch, and its body holds that line:
    labels and patches cannot drift apart unnoticed."""
    for directory in precision.corpora():
        _, labels = precision.labels_of(directory)
        files = {f["path"]: f for f in
                 precision.split_patch((directory / "range.patch").read_text("utf-8"))}
        added = {path: {a.number for a in added_lines(f["patch"])} for path, f in files.items()}
        for label in labels:
            assert label.path in files, (directory.name, label.path)
            assert label.line in added[label.path], (directory.name, label.path, label.line)
            assert label.start <= label.line <= label.end, (directory.name, label)
            assert label.label in ("instrument", "no") and label.reason, (directory.name, label)
        assert len({(x.path, x.line, x.name) for x in labels}) == len(labels), directory.name


def test_a_finding_counts_against_the_innermost_function_that_holds_it() -> None:
    outer = precision.Label("a.js", 3, 3, 20, "router.get('/')", "instrument", True, "route")
    inner = precision.Label("a.js", 5, 5, 8, "then callback", "no", False, "closure")
    doc = {"languages": "JavaScript"}
    hit = precision.score("x", doc, [outer, inner], [precision.Flag("a.js", 6, "?")])
    assert hit.flagged == [(precision.Flag("a.js", 6, "?"), inner)]
    assert hit.missed == [outer] and len(hit.false_positives) == 1
    twice = precision.score("x", doc, [outer], [precision.Flag("a.js", 3, "GET /"),
                                                precision.Flag("a.js", 4, "GET /")])
    assert len(twice.flagged) == 1 and twice.true_positives == 1 and not twice.missed
    stray = precision.score("x", doc, [outer], [precision.Flag("b.js", 1, "f")])
    assert stray.false_positives == [(precision.Flag("b.js", 1, "f"), None)]


def test_a_patch_is_read_as_perfbot_check_reads_the_same_change(tmp_path: Path) -> None:
    """The corpus's patches go through the same facts the CLI builds from git: statuses,
    renames, counts and hunks agree file for file."""
    repo = GitRepo(tmp_path)
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(30))
    repo.commit({"svc/old.py": body, "gone.go": "package a\n", "logo.png": b"\x89PNG\0\1"},
                "base")
    repo.branch("feature")
    repo.commit({"svc/old.py": None, "svc/new.py": body + "def g(y):\n    return y\n",
                 "gone.go": None, "api/app.ts": "export function h() {\n  return 1;\n}\n",
                 "logo.png": b"\x89PNG\0\2"}, "change")
    checkout = Checkout(tmp_path)
    pr = checkout.pull_request("main", "feature")
    diff = subprocess.run(["git", "-C", str(tmp_path), "diff", "-M", "-U3", "main", "feature"],
                          capture_output=True, text=True, check=True).stdout
    read = precision.pull_request({"head": pr.head_sha, "range": "main..feature"}, diff)
    assert sorted(read.files, key=lambda f: f.path) == sorted(pr.files, key=lambda f: f.path)


def test_the_script_prints_the_table_and_lists_disagreements() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks/precision.py"), "--list",
                          "--baseline", "none"], capture_output=True, text=True, check=True)
    corpora = precision.corpora()
    assert run.stdout.splitlines()[0].startswith(f"default config, {len(corpora)} ranges of ")
    total = next(line for line in run.stdout.splitlines() if line.startswith("total"))
    scores = precision.evaluate_corpus()
    _, flagged, _, entry_points, found = precision.totals(scores)
    assert f" {flagged} " in total and f" {found} " in total and f" {entry_points} " in total
    assert "missed entry" in run.stdout or found == entry_points
