"""One round of a fixture's benchmarks: the COMMAND that ``record.py`` gives ``perfbot bench run``.

    perfbot bench run ... -- python benchmarks/paired/round.py TOOL

Runs TOOL's benchmarks in the current checkout and writes the tool's own result file to
``$PERFBOT_RESULTS``, as ``bench run`` asks. When ``$PAIRED_JOB_DIR`` is set (the recorder
sets it), it also keeps what the corpus needs beside ``bench run``'s own output, so that
verdicts can be recomputed offline whatever ``bench run`` stores:

- ``rounds.jsonl``: one line per round and side — the checkout's commit, when the round
  started and ended, and per benchmark the minimum, median and count of its samples
  (read with perfbot's own readers);
- ``first-<sha>.<ext>``: the tool's result file of the first round of each side, the
  single-run way of comparing (one base run, one head run).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.core.bench.readers import read  # noqa: E402

PYTHON = os.environ.get("PAIRED_PYTHON", "/tmp/v-paired/bin/python")
KINDS = ("sum_squares", "sort_numbers", "build_map", "join_strings", "recursion")
WORKLOADS = (*KINDS, *(f"{k}_short" for k in KINDS))


def command(tool: str, out: str) -> tuple[list[str], bool]:
    """The tool's command line, and whether its results come on stdout."""
    if tool == "pytest-benchmark":
        return [
            PYTHON,
            "-m",
            "pytest",
            "test_bench.py",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--benchmark-json={out}",
            "--benchmark-save-data",
            "--benchmark-max-time=0.04",
            "--benchmark-min-rounds=5",
            "--benchmark-disable-gc",
        ], False
    if tool == "pyperf":
        return [
            PYTHON,
            "bench.py",
            "-o",
            out,
            "-p",
            "1",
            "-n",
            "6",
            "-w",
            "1",
            "-l",
            "1",
            "--quiet",
        ], False
    if tool == "go":
        return [
            "./bench.test",
            "-test.run",
            "^$",
            "-test.bench",
            ".",
            "-test.benchtime",
            "10ms",
            "-test.count",
            "5",
        ], True
    if tool == "hyperfine":
        args = ["hyperfine", "-N", "--warmup", "1", "--runs", "5", "--style", "none"]
        args += ["--export-json", out]
        for w in WORKLOADS:
            args += ["-n", w, f"./work {w}"]
        return args, False
    if tool == "google-benchmark":
        return [
            "./bench",
            "--benchmark_repetitions=5",
            "--benchmark_min_time=0.01",
            "--benchmark_report_aggregates_only=false",
            f"--benchmark_out={out}",
            "--benchmark_out_format=json",
        ], False
    raise SystemExit(f"round.py: unknown tool {tool!r}")


def summary(path: Path) -> dict[str, dict[str, float]]:
    results = read(path.name, path.read_bytes())
    out: dict[str, dict[str, float]] = {}
    for m in results.measurements:
        if m.metric != "time" or not m.samples:
            continue
        s = sorted(m.samples)
        out[m.benchmark] = {
            "min": float(f"{s[0]:.7g}"),
            "median": float(f"{statistics.median(s):.7g}"),
            "n": len(s),
        }
    return out


def main() -> None:
    tool = sys.argv[1]
    out = Path(os.environ["PERFBOT_RESULTS"])
    out.unlink(missing_ok=True)  # pyperf refuses to overwrite a file
    started = time.time()
    args, to_stdout = command(tool, str(out))
    if to_stdout:
        with out.open("wb") as sink:
            subprocess.run(args, check=True, stdout=sink)
    else:
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    ended = time.time()
    job = os.environ.get("PAIRED_JOB_DIR")
    if not job:
        return
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    folder = Path(job)
    line = {"sha": sha, "start": round(started, 2), "end": round(ended, 2)}
    line["values"] = summary(out)  # type: ignore[assignment]
    with (folder / "rounds.jsonl").open("a") as log:
        log.write(json.dumps(line, separators=(",", ":")) + "\n")
    first = folder / f"first-{sha[:12]}{'.txt' if to_stdout else '.json'}"
    if not first.exists():
        if to_stdout:
            shutil.copyfile(out, first)
        else:
            data = json.loads(out.read_text())
            first.write_text(json.dumps(data, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
