"""`perfbot check` on a real repository's range, beside `git diff --stat` on the same range.

Usage: python benchmarks/check_speed.py REPO BASE HEAD [ROUNDS]
(e.g. a python/mypy clone, v0.900 and HEAD: about 2,000 changed files). Each round runs
the two commands one after the other, in fresh processes; the figure is the median of the
per-round ratios. Skips, saying why, when REPO is not a git checkout with both refs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 0
    repo, base, head = Path(argv[0]), argv[1], argv[2]
    rounds = int(argv[3]) if len(argv) > 3 else 5
    probes = [subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet",
                             f"{ref}^{{commit}}"], capture_output=True, check=False)
              for ref in (base, head)]
    if any(p.returncode != 0 for p in probes):
        print(f"skipped: {repo} is not a git checkout with {base} and {head}")
        return 0
    files = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", base, head],
                           capture_output=True, text=True, check=True).stdout.count("\n")
    perfbot = [sys.executable, "-m", "bot", "check", "--repo", str(repo), "--base", base,
               "--head", head, "--format", "json"]
    stat = ["git", "-C", str(repo), "diff", "--stat", base, head]
    pairs = [(timed(perfbot), timed(stat)) for _ in range(rounds)]
    print(f"{repo.name} {base}..{head}: {files:,} changed files, {rounds} rounds")
    print(f"perfbot check  median {statistics.median(p for p, _ in pairs):.2f} s")
    print(f"git diff --stat median {statistics.median(s for _, s in pairs):.2f} s")
    print(f"ratio (median of per-round ratios): "
          f"{statistics.median(p / s for p, s in pairs):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
