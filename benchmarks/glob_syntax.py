"""How many real gitignore patterns perfbot's glob syntax check refuses (target: none that git
would read as meant).

    python benchmarks/glob_syntax.py GIT_DIR [GIT_DIR ...]

Config globs are gitignore patterns, so the patterns teams already keep in their
``.gitignore`` files are the fairest sample of what they will write. For each bare git
directory given (e.g. the ``repo`` folder of a repository brought here with the ``fetch``
tool), every pattern of every ``.gitignore`` at HEAD goes through
``bot.core.globs.syntax_problem``; the script prints how many patterns it read and each one
refused, with the reason, so a refusal can be judged by eye.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.globs import syntax_problem


def git(gitdir: str, *args: str) -> str:
    done = subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True,
                          text=True, check=False)
    return done.stdout if done.returncode == 0 else ""


def patterns(gitdir: str) -> list[tuple[str, str]]:
    found = []
    for name in git(gitdir, "ls-tree", "-r", "--name-only", "HEAD").splitlines():
        if name.rsplit("/", 1)[-1] != ".gitignore":
            continue
        for line in git(gitdir, "show", f"HEAD:{name}").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                found.append((name, line))
    return found


def main(gitdirs: list[str]) -> int:
    if not gitdirs:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    total = 0
    refused = []
    for gitdir in gitdirs:
        for file, pattern in patterns(gitdir):
            total += 1
            problem = syntax_problem(pattern)
            if problem:
                refused.append((gitdir, file, pattern, problem))
    print(f"{total} .gitignore patterns from {len(gitdirs)} repositories; "
          f"{len(refused)} refused")
    for gitdir, file, pattern, problem in refused:
        print(f"  {gitdir} {file}: {pattern!r}: {problem}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
