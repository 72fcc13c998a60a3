"""Globs on the stdlib ``re`` where that is safe: the same verdicts as pathspec, always.

``bot.core.globs`` runs a glob on ``re`` only when its translation cannot backtrack
catastrophically (rewritten with atomic groups where a segment has several ``*``), and
under the ``regex`` timeout otherwise. Either way a path's verdict is pathspec's.
"""

import random

import pathspec
import pytest

from bot.core import globs
from bot.core.config import Config


def pathspec_says(patterns: tuple[str, ...], path: str) -> bool:
    """pathspec's own verdict, from its own regexes (``match_file`` would first normalise
    the path, which git's paths never need)."""
    verdict, priority = False, 0
    for p in reversed(pathspec.GitIgnoreSpec.from_lines(patterns).patterns):
        if p.include is None or p.regex is None:
            continue
        found = p.regex.search(path)
        if found is None:
            continue
        rank = 1 if found.groupdict().get("ps_d") else 2
        if rank > priority:
            verdict, priority = p.include, rank
        if rank == 2:
            break
    return verdict


def random_glob(rng: random.Random) -> str:
    pieces = ["a", "b", ".", "*", "?", "[ab]", "[!a]", "x*", "*.y*ml", "\\*", "\n"]
    segments = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.3:
            segments.append("**")
        else:
            segments.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))))
    glob = "/".join(segments)
    if rng.random() < 0.2:
        glob = "/" + glob
    if rng.random() < 0.1:
        glob += "/"
    return glob


def random_path(rng: random.Random) -> str:
    segments = ["".join(rng.choice("ab.xymlb*\n") for _ in range(rng.randint(1, 6)))
                for _ in range(rng.randint(1, 4))]
    return "/".join(segments)


def test_random_globs_and_paths_get_pathspecs_verdict() -> None:
    rng = random.Random(11)
    checked = on_re = 0
    for _ in range(1500):
        patterns = tuple(random_glob(rng) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.3:
            patterns += ("!" + random_glob(rng),)
        try:
            pathspec.GitIgnoreSpec.from_lines(patterns)
        except (ValueError, TypeError):
            continue
        on_re += all(globs.linear(p.regex.pattern) for p in globs._spec(patterns).patterns
                     if p.regex is not None)
        for _ in range(8):
            path = random_path(rng)
            assert globs.matches(patterns, path) == pathspec_says(patterns, path), (
                patterns, path)
            checked += 1
    assert checked > 8000 and on_re > 500  # most random sets do run on ``re``


def test_two_deep_globs_committed_to_their_first_name_keep_every_match() -> None:
    rng = random.Random(12)
    names = ["a", "ab", "a.b", "b"]
    for _ in range(400):
        glob = f"**/{rng.choice(names)}/**/{rng.choice(['*.y*ml', 'a', '*', 'b*'])}"
        patterns = (glob,)
        [p] = globs._spec(patterns).patterns
        assert p.regex is not None and globs.linear(p.regex.pattern)
        for _ in range(10):
            path = "/".join(rng.choice([*names, "a\n", "x.yml", "ab.yaml", ""])
                            for _ in range(rng.randint(1, 7)))
            assert globs.matches(patterns, path) == pathspec_says(patterns, path), (glob, path)


@pytest.mark.parametrize(("glob", "fast"), [
    ("**/*.py", True), ("src/**", True), ("**/api/**", True), ("a/*/b", True),
    ("**/*.generated.*", True), ("**/*.y*ml", True), ("**/*dashboard*.json", True),
    ("*a*a*a*a*b", True),          # rewritten with atomic groups: linear
    ("**/k6/**/*.js", True),       # two ``**``, the first committed to a literal segment
    ("**/alerts/**/*.y*ml", True),
    ("a/**/b/**/c", False),        # two ``**`` of another shape: stays under the timeout
    ("**/a/**/b/**/c", False),
    ("*[!a]*", False),             # a class that can match "/" between two ``*``
])
def test_which_globs_run_on_re(glob: str, fast: bool) -> None:
    [pattern] = pathspec.GitIgnoreSpec.from_lines([glob]).patterns
    assert pattern.regex is not None
    assert globs.linear(pattern.regex.pattern) is fast


def test_a_pathological_glob_on_a_hostile_path_is_answered_right() -> None:
    # Nested ``[^/]*`` over a long run of "a": exponential on a plain backtracking
    # engine; rewritten, one pass.
    glob = ("*a*a*a*a*a*a*a*a*b",)
    assert not globs.matches(glob, "a" * 5000)
    assert globs.matches(glob, "a" * 5000 + "b")
    assert not globs.matches(glob, "x/" + "a" * 5000 + "/c")


def test_the_default_configs_globs_all_run_on_re() -> None:
    config = Config()
    rules = config.rules
    sets = [rules.instrumentation.when.paths, rules.instrumentation.exclude,
            rules.tuning_knobs.exclude, rules.alerts.files, rules.dashboards.files,
            rules.rollout.when.paths, rules.design_record.when.paths,
            rules.performance_tests.when.paths]
    for patterns in sets:
        for p in globs._spec(patterns).patterns:
            if p.regex is not None:
                assert globs.linear(p.regex.pattern), p.pattern
