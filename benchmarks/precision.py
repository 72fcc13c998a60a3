"""Precision and entry-point recall of the instrumentation rule, on labelled real ranges.

    .venv/bin/python benchmarks/precision.py [--baseline REV] [--list]

The corpus is ``benchmarks/precision/<name>/``: ``range.patch`` (the ``git diff -M -U3`` of
a real range of a public repository, trimmed to its changed source files) and
``labels.json`` (where it comes from, and every new function in the patch with a label
written by reading the code: ``instrument`` when a reviewer would want it to carry
instrumentation of its own, ``no`` with the reason otherwise, and ``entry_point`` for
request handlers, routes, message consumers, scheduled jobs and CLI commands). See
``benchmarks/precision/README.md`` for the labelling guide.

Each patch is read into the core's facts (``ChangedFile`` as GitHub and ``perfbot
check`` give them) and evaluated with the default configuration by
``bot.core.evaluate``; the instrumentation rule's findings are the flagged functions.
A finding is matched to the innermost labelled function whose lines hold it.

- precision: flagged functions labelled ``instrument`` / flagged functions
- recall: entry points flagged / entry points (an entry point already instrumented in
  the code is not counted: nothing should be asked of it)

``--baseline REV`` (default: the commit before the rule was rewritten) runs the same
corpus through the ``bot`` package as it was at REV, read with ``git archive``, so the
figures before and after sit side by side; ``--baseline none`` skips it. ``--list``
prints every false positive and every missed entry point.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "precision"
BASELINE = "9cff5e8"  # main before issue 11's rewrite of the instrumentation rule
RULE = "instrumentation"
CAP = 50  # findings one rule result may carry; a larger change is evaluated in parts
_NAME = re.compile(r"`([^`]+)`")


@dataclass(frozen=True, slots=True)
class Label:
    path: str
    line: int
    start: int
    end: int
    name: str
    label: str
    entry_point: bool
    reason: str
    instrumented: bool = False

    @property
    def wanted(self) -> bool:
        return self.label == "instrument"


@dataclass(frozen=True, slots=True)
class Flag:
    path: str
    line: int
    name: str


@dataclass
class Score:
    corpus: str
    language: str
    functions: int
    title: str = ""
    flagged: list[tuple[Flag, Label | None]] = field(default_factory=list)
    entry_points: list[Label] = field(default_factory=list)
    missed: list[Label] = field(default_factory=list)

    @property
    def true_positives(self) -> int:
        return sum(1 for _, label in self.flagged if label is not None and label.wanted)

    @property
    def false_positives(self) -> list[tuple[Flag, Label | None]]:
        return [(f, label) for f, label in self.flagged if label is None or not label.wanted]

    @property
    def found(self) -> int:
        return len(self.entry_points) - len(self.missed)


def corpora(root: Path = CORPUS) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "labels.json").is_file())


def labels_of(directory: Path) -> tuple[dict[str, Any], list[Label]]:
    doc = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return doc, [Label(**entry) for entry in doc["functions"]]


# --- reading a patch into the core's facts ------------------------------------------------


def split_patch(text: str) -> list[dict[str, Any]]:
    """Per file of a ``git diff`` output: status, paths, counts and the hunks (no header)."""
    files: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    hunk_lines: list[str] = []

    def finish() -> None:
        if current is not None:
            current["patch"] = "\n".join(hunk_lines) if hunk_lines else None
            files.append(current)

    for line in text.split("\n"):
        if line.startswith("diff --git "):
            finish()
            a, b = line[len("diff --git "):].split(" b/", 1)
            current = {"path": b, "old": a[2:], "status": "modified", "add": 0, "del": 0,
                       "binary": False}
            hunk_lines = []
        elif current is None:
            continue
        elif hunk_lines:
            hunk_lines.append(line)
            if line.startswith("+"):
                current["add"] += 1
            elif line.startswith("-"):
                current["del"] += 1
        elif line.startswith("@@"):
            hunk_lines.append(line)
        elif line.startswith("new file mode"):
            current["status"] = "added"
        elif line.startswith("deleted file mode"):
            current["status"] = "removed"
        elif line.startswith("rename to "):
            current["status"] = "renamed"
        elif line.startswith("Binary files"):
            current["binary"] = True
    finish()
    for f in files:  # the trailing newline of the diff is not part of the last hunk
        if f["patch"] is not None:
            f["patch"] = f["patch"].rstrip("\n")
    return files


def pull_request(doc: dict[str, Any], patch: str) -> Any:
    from bot.core.facts import ChangedFile, FileStatus, PullRequest

    files = tuple(
        ChangedFile(
            path=f["path"],
            status=FileStatus(f["status"]),
            additions=f["add"],
            deletions=f["del"],
            previous_path=f["old"] if f["status"] == "renamed" else None,
            patch=f["patch"],
            binary=f["binary"],
        )
        for f in split_patch(patch)
    )
    return PullRequest(head_sha=doc["head"], base_ref="main", title=doc["range"], files=files)


def flags(pr: Any) -> list[Flag]:
    """The functions the instrumentation rule of the default config flags in ``pr``."""
    from dataclasses import replace

    from bot.core.config import Config
    from bot.core.evaluate import evaluate

    config = Config()
    result = next(r for r in evaluate(pr, config).results if r.rule == RULE)
    if len(result.findings) >= CAP and len(pr.files) > 1:
        half = len(pr.files) // 2
        return (flags(replace(pr, files=pr.files[:half]))
                + flags(replace(pr, files=pr.files[half:])))
    if len(result.findings) >= CAP:
        print(f"warning: {pr.files[0].path} alone has {CAP}+ findings; some may be unseen",
              file=sys.stderr)
    out = []
    for finding in result.findings:
        name = _NAME.search(finding.title)
        out.append(Flag(finding.path, finding.start_line, name.group(1) if name else ""))
    return out


# --- matching findings to labels -------------------------------------------------------------


def match(flag: Flag, labels: Sequence[Label]) -> Label | None:
    """The innermost labelled function holding the flagged line (by name on a tie); failing
    that, a function of the same name starting within a few lines (a multi-line attribute
    or decorator above it)."""
    holding = [label for label in labels
               if label.path == flag.path and label.start <= flag.line <= label.end]
    if holding:
        return min(holding, key=lambda label: (label.end - label.start,
                                               label.name != flag.name))
    near = [label for label in labels
            if label.path == flag.path and label.name == flag.name
            and abs(label.line - flag.line) <= 20]
    return min(near, key=lambda label: abs(label.line - flag.line)) if near else None


def score(name: str, doc: dict[str, Any], labels: list[Label], found: Iterable[Flag]) -> Score:
    repository = doc.get("repository", "").removeprefix("https://github.com/")
    result = Score(name, doc.get("languages", ""), len(labels),
                   f"{repository} {doc.get('range', '')}".strip())
    seen: set[int] = set()
    for flag in found:
        label = match(flag, labels)
        if label is not None:
            if id(label) in seen:
                continue  # one function flagged twice counts once
            seen.add(id(label))
        result.flagged.append((flag, label))
    result.entry_points = [label for label in labels
                           if label.entry_point and not label.instrumented]
    result.missed = [label for label in result.entry_points if id(label) not in seen]
    return result


# --- running ---------------------------------------------------------------------------------


def evaluate_corpus(root: Path = CORPUS) -> list[Score]:
    """Scores of the ``bot`` package this process imports, per corpus entry."""
    scores = []
    for directory in corpora(root):
        doc, labels = labels_of(directory)
        pr = pull_request(doc, (directory / "range.patch").read_text(encoding="utf-8"))
        scores.append(score(directory.name, doc, labels, flags(pr)))
    return scores


def raw_flags(root: Path = CORPUS) -> dict[str, list[list[Any]]]:
    out = {}
    for directory in corpora(root):
        doc, _ = labels_of(directory)
        pr = pull_request(doc, (directory / "range.patch").read_text(encoding="utf-8"))
        out[directory.name] = [[f.path, f.line, f.name] for f in flags(pr)]
    return out


def baseline_scores(rev: str, root: Path = CORPUS) -> list[Score] | str:
    """Scores of the ``bot`` package as it was at ``rev``, or why they could not be had."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "bot"],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        return f"baseline {rev} not available ({detail.decode(errors='replace').strip()})"
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        run = subprocess.run(
            [sys.executable, __file__, "--flags-only", "--code", tmp, "--corpus", str(root)],
            capture_output=True, text=True,
        )
    if run.returncode != 0:
        return f"baseline {rev} failed: {run.stderr.strip().splitlines()[-1:]}"
    found = json.loads(run.stdout)
    scores = []
    for directory in corpora(root):
        doc, labels = labels_of(directory)
        scores.append(score(directory.name, doc, labels,
                            (Flag(p, line, n) for p, line, n in found.get(directory.name, []))))
    return scores


def totals(scores: Sequence[Score]) -> tuple[int, int, int, int, int]:
    """functions, flagged, true positives, entry points, entry points found."""
    return (sum(s.functions for s in scores), sum(len(s.flagged) for s in scores),
            sum(s.true_positives for s in scores), sum(len(s.entry_points) for s in scores),
            sum(s.found for s in scores))


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    -  "


def table(scores: Sequence[Score], baseline: Sequence[Score] | None) -> str:
    head = (f"{'corpus':<20} {'language':<44} {'new fns':>7} {'flagged':>7} {'wanted':>6} "
            f"{'precision':>9} {'entry pts':>9} {'found':>5} {'recall':>7}")
    if baseline is not None:
        head += f" | {'base flagged':>12} {'base prec.':>10} {'base recall':>11}"
    lines = [head, "-" * len(head)]
    before = {s.corpus: s for s in baseline or ()}

    def row(label: str, lang: str, s: Sequence[Score]) -> str:
        fn, fl, tp, ep, found = totals(s)
        text = (f"{label:<20} {lang:<44} {fn:>7} {fl:>7} {tp:>6} {percent(tp, fl):>9} "
                f"{ep:>9} {found:>5} {percent(found, ep):>7}")
        if baseline is not None:
            b = [before[x.corpus] for x in s if x.corpus in before]
            _, bfl, btp, bep, bfound = totals(b)
            text += f" | {bfl:>12} {percent(btp, bfl):>10} {percent(bfound, bep):>11}"
        return text

    for s in scores:
        lines.append(row(s.corpus, s.language[:44], [s]))
    lines.append("-" * len(head))
    lines.append(row("total", f"{len(scores)} ranges", scores))
    return "\n".join(lines)


def markdown(scores: Sequence[Score], baseline: Sequence[Score] | None) -> str:
    """The table as the README shows it, with the baseline's precision and recall."""
    before = {s.corpus: s for s in baseline or ()}
    head = "| range | language | new functions | flagged | precision | entry points | recall |"
    rule = "|---|---|---:|---:|---:|---:|---:|"
    if baseline is not None:
        head += " before: flagged | precision | recall |"
        rule += "---:|---:|---:|"
    lines = [head, rule]

    def cells(s: Sequence[Score]) -> str:
        fn, fl, tp, ep, found = totals(s)
        text = (f" {fn:,} | {fl:,} | {percent(tp, fl).strip()} | {ep:,} |"
                f" {percent(found, ep).strip()} |")
        if baseline is not None:
            b = [before[x.corpus] for x in s if x.corpus in before]
            _, bfl, btp, bep, bfound = totals(b)
            text += f" {bfl:,} | {percent(btp, bfl).strip()} | {percent(bfound, bep).strip()} |"
        return text

    for s in scores:
        lines.append(f"| {s.title} | {s.language} |" + cells([s]))
    lines.append(f"| **total** ({len(scores)} ranges) | |" + cells(scores))
    return "\n".join(lines)


def details(scores: Sequence[Score]) -> str:
    out = []
    for s in scores:
        for flag, label in s.false_positives:
            why = f"labelled no: {label.reason}" if label else "matches no new function"
            out.append(f"false positive  {flag.path}:{flag.line} `{flag.name}` ({why})")
        for label in s.missed:
            out.append(f"missed entry    {label.path}:{label.line} `{label.name}` "
                       f"({label.reason})")
    return "\n".join(out) if out else "no false positive, no missed entry point"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE,
                        help=f"git revision to compare with (default {BASELINE}); 'none' skips")
    parser.add_argument("--list", action="store_true",
                        help="list every false positive and missed entry point")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table as Markdown (the README's)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--flags-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(args.code or ROOT)]
    if args.flags_only:
        print(json.dumps(raw_flags(args.corpus)))
        return 0
    scores = evaluate_corpus(args.corpus)
    baseline: list[Score] | None = None
    if args.baseline != "none":
        got = baseline_scores(args.baseline, args.corpus)
        if isinstance(got, str):
            print(got, file=sys.stderr)
        else:
            baseline = got
    repos = {labels_of(d)[0]["repository"] for d in corpora(args.corpus)}
    print(f"default config, {len(scores)} ranges of {len(repos)} repositories"
          + (f"; 'base' = the rule at {args.baseline}" if baseline is not None else ""))
    print(markdown(scores, baseline) if args.markdown else table(scores, baseline))
    if args.list:
        print()
        print(details(scores))
        if baseline is not None:
            print(f"\nat {args.baseline}:")
            print(details(baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
