"""``perfbot init``: a commented config, an objectives skeleton and an Actions workflow,
fitted to the repository's layout and languages, so a team starts from files that
validate and pass on their own repository.

It refuses to overwrite a file that exists (``--force`` does), and writes rules that
advise (``severity: warning``) so adopting perfbot fails nobody's pull request.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

CONFIG = ".github/performance.yml"
OBJECTIVES = "docs/performance/objectives.yml"
WORKFLOW = ".github/workflows/performance.yml"
LANGUAGES = {".py": "Python", ".go": "Go", ".js": "JavaScript", ".ts": "TypeScript",
             ".tsx": "TypeScript", ".java": "Java", ".kt": "Kotlin", ".rs": "Rust"}
# Directories whose code is not the service's: no spans or benchmarks asked of them.
NOT_SOURCE = {"test", "tests", "testing", "docs", "doc", "examples", "example", "scripts",
              "vendor", "third_party", "benchmarks", "bench", ".github", "node_modules"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="checkout (default: .)")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")


def run(args: argparse.Namespace) -> int:
    from bot.local.git import Checkout, GitError

    try:
        listed = Checkout(args.repo).git("ls-files", "-z").split("\0")
    except GitError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return 2
    files = scaffold([p for p in listed if p])
    existing = [name for name in files if (args.repo / name).exists()]
    if existing and not args.force:
        print(f"perfbot: {', '.join(existing)} already exist{'s' if len(existing) == 1 else ''};"
              " pass --force to overwrite", file=sys.stderr)
        return 2
    for name, text in files.items():
        target = args.repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {name}")
    print(f"next: perfbot config validate {CONFIG}, then commit the three files")
    return 0


def scaffold(paths: list[str]) -> dict[str, str]:
    """The three files for a repository holding ``paths`` (pure: no I/O)."""
    extensions: Counter[str] = Counter()
    roots: Counter[str] = Counter()
    at_root: set[str] = set()
    for path in paths:
        dot = path.rfind(".")
        ext = path[dot:].lower() if dot > path.rfind("/") else ""
        if ext not in LANGUAGES:
            continue
        parts = path.split("/")
        if any(p in NOT_SOURCE or p.startswith(".") for p in parts[:-1]):
            continue
        extensions[ext] += 1
        if len(parts) == 1:
            at_root.add(ext)
        else:
            roots[parts[0]] += 1
    names = sorted({LANGUAGES[e] for e in extensions}) or ["none found"]
    globs = [f"{r}/**" for r in sorted(roots)] + [f"*{e}" for e in sorted(at_root)]
    if not globs:
        globs = ["**"]
    shown = ", ".join(f"{r}/" for r in sorted(roots)) or "the repository's root"
    return {CONFIG: _config(names, shown, globs), OBJECTIVES: OBJECTIVES_TEXT,
            WORKFLOW: WORKFLOW_TEXT}


def _config(languages: list[str], shown: str, globs: list[str]) -> str:
    paths = "\n".join(f"        - '{g}'" for g in globs)
    return f"""\
# .github/performance.yml, written by `perfbot init` for this repository.
# Languages found: {", ".join(languages)}. Source: {shown}.
# perfbot reads this file from the base branch of each pull request. Every rule here
# advises (severity: warning); raise one to `failure` when the team is ready.
version: 1
rules:
  objectives:
    # Planning: list the journeys and targets a change puts at stake.
    enabled: true
    severity: warning
    file: {OBJECTIVES}
  design_record:
    severity: warning
  instrumentation:
    # Implementation: new code in these paths opens a span or records a metric.
    severity: warning
    when:
      paths:
{paths}
  tuning_knobs:
    severity: warning
  performance_tests:
    # Testing: a sizeable change to these paths comes with a benchmark or load test.
    severity: warning
    when:
      paths:
{paths}
  alerts:
    severity: warning
  rollout:
    severity: warning
"""


OBJECTIVES_TEXT = """\
# docs/performance/objectives.yml, written by `perfbot init`: the journeys users care
# about, what each promises and who answers for it. Fill in one per critical journey:
#
#   - name: checkout
#     sli: Server-side latency of POST /checkout, measured at the load balancer
#     targets: [p95 latency <= 250ms, throughput >= 1200 rps]
#     paths: ["services/checkout/**"]
#     owners: ["@octo-org/payments"]
journeys: []
"""

WORKFLOW_TEXT = """\
# .github/workflows/performance.yml, written by `perfbot init`: perfbot check on every
# pull request, annotating the PR's files and writing the job summary. No secrets needed.
name: performance workflow
on: pull_request
permissions:
  contents: read
jobs:
  perfbot:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0        # the base branch and the merge base are needed
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install "perfbot @ git+https://github.com/perfbot/perfbot"
      - name: perfbot check
        env:
          PR_BODY: ${{ github.event.pull_request.body }}  # untrusted text: never inline it
        run: perfbot check --base "origin/$GITHUB_BASE_REF" --format github --body "$PR_BODY"
"""
