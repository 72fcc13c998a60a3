"""Record the paired-jobs corpus: ``perfbot bench run`` per tool and variant, quiet and under drift.

    python benchmarks/paired/record.py --python /tmp/v-paired/bin/python

For every condition (``quiet``: the machine as it is; ``drift``: with ``drift.py`` running
the whole time) and every job (a tool's fixture repository from ``fixtures.py``, base
``main`` against head ``v/<variant>``), in a seeded shuffled order, it runs

    perfbot bench run --base main --head v/<variant> --repo REPO --setup SETUP
                      --format TOOL --output paired.json --json -- python round.py TOOL

and keeps in ``corpus/<condition>/<NN>-<tool>-<variant>/``:

- ``bench-run.json``: ``bench run``'s ``--json`` output (its verdicts, rounds, intervals);
- ``rounds.jsonl``: each round's per-benchmark minimum, median and count on each side,
  written by ``round.py`` (the values the paired statistics judge, so that verdicts can be
  recomputed offline under any setting);
- ``first-<sha>.*``: the tool's own result file from the first base run and the first
  head run, and ``single.json``, ``perfbot bench compare``'s ``--json`` on those two: the
  single-run way, on the same job;
- ``job.json``: tool, variant, true effects, SHAs, exit codes, wall time.

``paired.json`` (``--output``, with every raw sample) is kept gzipped when ``--keep-paired``
is given; the corpus stays small without it. ``corpus/<condition>/drift.jsonl`` is the
injected drift's schedule. ``--driver abba`` runs the rounds itself (worktrees, ABBA order,
``--rounds`` rounds, no sequential stopping) for a perfbot without ``bench run``; its
verdicts are then computed offline only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import fixtures  # noqa: E402

ROUND = HERE / "round.py"
CONDITIONS = ("quiet", "drift")


def jobs(tools: list[str], aa: int, seed: int, mixes: list[str]) -> list[tuple[str, str]]:
    """Every (tool, variant) of one condition, shuffled so no tool runs all at once."""
    out = [(t, v) for t in tools for v in ["aa"] * aa + mixes]
    random.Random(seed).shuffle(out)
    return out


def sha(repo: Path, ref: str) -> str:
    return fixtures.git(repo, "rev-parse", ref)


def perfbot() -> str:
    found = Path(sys.executable).with_name("perfbot")
    return str(found) if found.exists() else "perfbot"


def run_paired(
    args: argparse.Namespace, repo: Path, tool: str, variant: str, folder: Path, env: dict[str, str]
) -> int:
    """``perfbot bench run`` on one job; its --json on stdout goes to bench-run.json."""
    paired = folder / "paired.json"
    command = [
        perfbot(), "bench", "run", "--base", "main", "--head", f"v/{variant}",
        "--repo", str(repo), "--setup", fixtures.TOOLS[tool].setup,
        "--format", fixtures.TOOLS[tool].format, "--output", str(paired), "--json",
    ]  # fmt: skip
    if args.rounds:
        command += ["--rounds", str(args.rounds)]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    command += ["--", sys.executable, str(ROUND), tool]
    with (folder / "bench-run.json").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
        code = subprocess.run(command, env=env, stdout=out, stderr=err).returncode
    tail = (folder / "stderr.txt").read_text(errors="replace").splitlines()[-5:]
    (folder / "stderr.txt").write_text("\n".join(tail) + "\n")
    if paired.exists():
        if args.keep_paired:
            with paired.open("rb") as src, gzip.open(folder / "paired.json.gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
        paired.unlink()
    return code


def run_abba(
    args: argparse.Namespace, repo: Path, tool: str, variant: str, folder: Path, env: dict[str, str]
) -> int:
    """The same rounds without ``bench run``: both checkouts side by side, ABBA order."""
    with tempfile.TemporaryDirectory(prefix="paired-") as scratch:
        sides = {"base": Path(scratch) / "base", "head": Path(scratch) / "head"}
        refs = {"base": "main", "head": f"v/{variant}"}
        try:
            for side, path in sides.items():
                fixtures.git(repo, "worktree", "add", "-q", "--detach", str(path), refs[side])
                subprocess.run(fixtures.TOOLS[tool].setup, shell=True, cwd=path, check=True)
            for i in range(args.rounds or 20):
                order = ("base", "head") if i % 4 in (0, 3) else ("head", "base")
                for side in order:
                    out = Path(scratch) / f"{side}-{i}.out"
                    subprocess.run(
                        [sys.executable, str(ROUND), tool],
                        cwd=sides[side],
                        env={**env, "PERFBOT_RESULTS": str(out)},
                        check=True,
                        stdout=subprocess.DEVNULL,
                    )
        finally:
            for path in sides.values():
                subprocess.run(
                    ["git", "-C", str(repo), "worktree", "remove", "--force", str(path)],
                    capture_output=True,
                )
    return 0


def single_run(folder: Path, tool: str, base: str, head: str) -> int | None:
    """``bench compare``'s default on the job's first base run and first head run."""
    first = {p.name.split("-")[1].split(".")[0]: p for p in folder.glob("first-*")}
    if base[:12] not in first or head[:12] not in first:
        return None
    command = [
        perfbot(), "bench", "compare", str(first[base[:12]]), str(first[head[:12]]),
        "--format", fixtures.TOOLS[tool].format, "--json",
    ]  # fmt: skip
    with (folder / "single.json").open("wb") as out:
        return subprocess.run(command, stdout=out, stderr=subprocess.DEVNULL).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="interpreter with pytest-benchmark, pyperf")
    parser.add_argument("--out", type=Path, default=HERE / "corpus")
    parser.add_argument("--tools", default=",".join(fixtures.TOOLS))
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--aa", type=int, default=2, help="unchanged jobs per tool and condition")
    parser.add_argument(
        "--mix", default="mix0,mix1,mix2", help="changed variants, one job per tool each"
    )
    parser.add_argument("--rounds", type=int, help="passed to bench run (default: its own)")
    parser.add_argument("--max-time", type=float, help="passed to bench run")
    parser.add_argument("--driver", choices=("perfbot", "abba"), default="perfbot")
    parser.add_argument("--keep-paired", action="store_true", help="keep paired.json.gz")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--budget", type=float, default=3600, help="drift stops after this")
    args = parser.parse_args()
    tools = args.tools.split(",")
    scratch = Path(tempfile.mkdtemp(prefix="paired-fixtures-"))
    repos = {t: fixtures.make_repo(scratch, t) for t in tools}
    runner = run_paired if args.driver == "perfbot" else run_abba
    try:
        for c, condition in enumerate(args.conditions.split(",")):
            where = args.out / condition
            where.mkdir(parents=True, exist_ok=True)
            start = len(list(where.glob("[0-9]*")))
            drift = None
            if condition == "drift":
                drift = subprocess.Popen(
                    [sys.executable, str(HERE / "drift.py"), "--seconds", str(args.budget),
                     "--seed", str(args.seed + c), "--log", str(where / "drift.jsonl")]
                )  # fmt: skip
            try:
                todo = jobs(tools, args.aa, args.seed + c, args.mix.split(","))
                for n, (tool, variant) in enumerate(todo, start):
                    folder = where / f"{n:03d}-{tool}-{variant}"
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir()
                    env = {**os.environ, "PAIRED_JOB_DIR": str(folder)}
                    env["PAIRED_PYTHON"] = args.python
                    repo = repos[tool]
                    base, head = sha(repo, "main"), sha(repo, f"v/{variant}")
                    began = time.time()
                    code = runner(args, repo, tool, variant, folder, env)
                    seconds = round(time.time() - began, 1)
                    single = single_run(folder, tool, base, head)
                    job = {
                        "tool": tool, "variant": variant, "condition": condition,
                        "effects": fixtures.effects(variant), "base": base, "head": head,
                        "driver": args.driver, "exit": code, "single_exit": single,
                        "started": round(began, 1), "seconds": seconds,
                    }  # fmt: skip
                    (folder / "job.json").write_text(json.dumps(job) + "\n")
                    print(f"{condition} {n - start + 1}/{len(todo)} {folder.name}: exit {code}"
                          f" in {seconds} s", flush=True)  # fmt: skip
            finally:
                if drift is not None:
                    drift.terminate()
                    drift.wait()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
