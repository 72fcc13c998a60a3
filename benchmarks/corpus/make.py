"""Regenerate the labelled benchmark corpus from real runs of real tools.

    python benchmarks/corpus/make.py --python /tmp/v-corpus/bin/python

``--python`` is an interpreter with pytest, pytest-benchmark and pyperf installed
(a scratch venv: they are not project dependencies); ``go`` must be on PATH for the Go
runs (``--tools`` picks the tools; ``--append`` adds runs of some tools to an existing
labels.json, keeping the other tools' runs). Every run is a separate process;
the runs of all variants are shuffled together so that baseline and head of a pair
ran minutes apart and between-run drift is in the data. ``labels.json`` names the
pairs (base file, head file) and the true effect of each workload in the head.
See README.md in this folder for the design and how long it takes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import NAMES  # noqa: E402

# A mixed change: one workload of each kind changes, half stay as they were (rotated so each
# workload takes each role). A global change slows every workload alike.
MIX = (0.03, 0.10, 0.25, -0.20, 0.0, 0.0, 0.0, 0.0)
GLOBAL = (0.10, 0.25)
BASES_PER_HEAD = 6
TOOLS = ("pytest-benchmark", "pyperf", "go")


def previous_seconds(append: bool) -> dict[str, int]:
    """How long earlier generations took, by the tools they ran (kept when appending)."""
    path = HERE / "labels.json"
    if not append or not path.exists():
        return {}
    seconds = json.loads(path.read_text()).get("seconds", {})
    if isinstance(seconds, int):  # the first generation recorded one number
        return {"pytest-benchmark,pyperf": seconds}
    return dict(seconds)


def variants(aa: int, mix: int, global_: int) -> list[tuple[str, dict[str, float]]]:
    out: list[tuple[str, dict[str, float]]] = [("aa", {}) for _ in range(aa)]
    for i in range(mix):
        r = i % len(NAMES)
        rotated = MIX[-r:] + MIX[:-r] if r else MIX
        out.append((f"mix{r}", dict(zip(NAMES, rotated, strict=True))))
    for i in range(global_):
        effect = GLOBAL[i % len(GLOBAL)]
        out.append((f"all{round(effect * 100)}", dict.fromkeys(NAMES, effect)))
    return out


def command(tool: str, python: str, out: Path) -> list[str]:
    if tool == "go":
        return ["go", "test", "-run", "^$", "-bench", ".", "-benchtime", "50ms", "-count", "10"]
    if tool == "pytest-benchmark":
        return [
            python,
            "-m",
            "pytest",
            "bench_pytest.py",
            "-q",
            f"--benchmark-json={out}",
            "--benchmark-save-data",
            "--benchmark-max-time=0.15",
            "--benchmark-min-rounds=20",
        ]
    return [
        python,
        "bench_pyperf.py",
        "-o",
        str(out),
        "-p",
        "4",
        "-n",
        "5",
        "-w",
        "1",
        "--min-time",
        "0.01",
        "--quiet",
        "--inherit-environ",
        "CORPUS_EFFECTS",
    ]


def compact(path: Path) -> None:
    """Re-dump without indentation: same content, a third of the bytes."""
    path.write_text(json.dumps(json.loads(path.read_text()), separators=(",", ":")) + "\n")


def write_labels(labels: dict[str, object]) -> None:
    """One run or pair a line: readable in a diff, a third the size of indented JSON."""
    parts = []
    for key, value in labels.items():
        if isinstance(value, list):
            rows = ",\n".join("  " + json.dumps(item) for item in value)
            parts.append(f" {json.dumps(key)}: [\n{rows}\n ]")
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value)}")
    (HERE / "labels.json").write_text("{\n" + ",\n".join(parts) + "\n}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="interpreter with the tools installed")
    parser.add_argument("--aa", type=int, default=16, help="unchanged runs per tool")
    parser.add_argument("--mix", type=int, default=16, help="mixed-change runs per tool")
    parser.add_argument(
        "--global",
        dest="global_",
        type=int,
        default=4,
        help="runs per tool where every workload slows",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools to run")
    parser.add_argument(
        "--append", action="store_true", help="keep labels.json's runs of the other tools"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tools = tuple(args.tools.split(","))
    kept: dict[str, list[dict[str, object]]] = {"runs": [], "pairs": []}
    if args.append and (HERE / "labels.json").exists():
        old = json.loads((HERE / "labels.json").read_text())
        kept = {k: [x for x in old[k] if x["tool"] not in tools] for k in ("runs", "pairs")}
    first = len(kept["runs"])
    runs = [
        {"tool": tool, "variant": name, "effects": effects}
        for tool in tools
        for name, effects in variants(args.aa, args.mix, args.global_)
    ]
    rng.shuffle(runs)
    for tool in tools:
        (HERE / "data" / tool).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    for i, run in enumerate(runs):
        tool = str(run["tool"])
        suffix = ".txt" if tool == "go" else ".json"
        out = HERE / "data" / tool / f"run{first + i:03d}-{run['variant']}{suffix}"
        out.unlink(missing_ok=True)
        env = {**os.environ, "CORPUS_EFFECTS": json.dumps(run["effects"])}
        if tool == "go":
            with out.open("wb") as sink:
                subprocess.run(
                    command(tool, args.python, out),
                    cwd=HERE / "go",
                    env=env,
                    check=True,
                    stdout=sink,
                )
        else:
            subprocess.run(
                command(tool, args.python, out),
                cwd=HERE,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            compact(out)
        run["file"] = str(out.relative_to(HERE))
        run["finished"] = round(time.monotonic() - started, 1)
        print(f"{i + 1}/{len(runs)} {run['file']} at {run['finished']} s", flush=True)
    pairs = []
    for tool in tools:
        mine = [r for r in runs if r["tool"] == tool]
        bases = [r for r in mine if r["variant"] == "aa"]
        seen: set[frozenset[str]] = set()
        for head in mine:
            candidates = [b for b in bases if b is not head]
            for base in rng.sample(candidates, min(BASES_PER_HEAD, len(candidates))):
                key = frozenset((str(base["file"]), str(head["file"])))
                if key in seen:
                    continue
                seen.add(key)
                effects = {n: float(head["effects"].get(n, 0.0)) for n in NAMES}  # type: ignore[attr-defined]
                pairs.append(
                    {
                        "tool": tool,
                        "base": base["file"],
                        "head": head["file"],
                        "variant": head["variant"],
                        "effects": effects,
                    }
                )
    elapsed = round(time.monotonic() - started)
    labels = {
        "about": "Each pair compares base with head; effects[w] is the true relative change "
        "in the cost of workload w in head (+0.10 = 10 % more work; -0.20 = 20 % less). "
        "Benchmarks are matched to workloads by name (test_workload[w], w or .../w).",
        "seconds": {
            **previous_seconds(args.append),
            ",".join(tools): elapsed,
        },
        "runs": kept["runs"] + runs,
        "pairs": kept["pairs"] + pairs,
    }
    write_labels(labels)
    print(f"{len(runs)} runs, {len(pairs)} pairs in {elapsed} s")


if __name__ == "__main__":
    main()
