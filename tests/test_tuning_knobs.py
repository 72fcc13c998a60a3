"""New tuning knobs must be documented in the same PR; patches come from real git."""

from dataclasses import replace
from pathlib import Path

import pytest
from gitchange import git_change

from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree
from bot.core.results import Outcome
from bot.core.rules import tuning_knobs
from bot.core.rules.scope import Scope

PY = '''\
import os

REQUEST_TIMEOUT = 30
NAME_PREFIX = "svc"
POOL_SIZE = int(os.getenv("DB_POOL_SIZE", "10"))
home = os.getenv("HOME")
'''


def run(pr, **settings):
    return tuning_knobs.evaluate(pr, replace(tuning_knobs.Settings(), **settings))


def knobs(result) -> list[tuple[str, int, str]]:
    return [(f.path, f.start_line, f.title.split("`")[1]) for f in result.findings]


def test_undocumented_knobs_are_annotated_on_their_lines(tmp_path: Path) -> None:
    result = run(git_change(tmp_path, {"svc/settings.py": PY}))
    assert result.outcome is Outcome.FAILED
    assert knobs(result) == [
        ("svc/settings.py", 3, "REQUEST_TIMEOUT"),
        ("svc/settings.py", 5, "DB_POOL_SIZE"),  # POOL_SIZE is computed, not set: no knob
    ]
    assert "2 new tuning knobs are not documented" in result.reason
    message = result.findings[0].message
    assert "`REQUEST_TIMEOUT`" in message and "`docs/**`" in message


def test_documenting_each_knob_in_a_changed_doc_passes(tmp_path: Path) -> None:
    doc = ("## Tuning\n\n- `REQUEST_TIMEOUT`: seconds before a request gives up.\n"
           "- DB_POOL_SIZE (env): connections kept open.\n")
    result = run(git_change(tmp_path, {"svc/settings.py": PY, "docs/tuning.md": doc}))
    assert result.outcome is Outcome.PASSED, result.reason
    # The passing row names the knobs it found, so a reader can tell what was checked.
    assert result.reason == (
        "Every new tuning knob (2) is mentioned in the documentation this PR changes: "
        "`REQUEST_TIMEOUT`, `DB_POOL_SIZE`.")


def test_a_partly_documented_change_names_the_changed_doc(tmp_path: Path) -> None:
    doc = "REQUEST_TIMEOUT bounds a request.\n"
    result = run(git_change(tmp_path, {"svc/settings.py": PY, "README.md": doc}))
    assert [k for _, _, k in knobs(result)] == ["DB_POOL_SIZE"]
    assert "Document it in `README.md`" in result.findings[0].message


def test_a_doc_mentioning_the_knob_only_in_unchanged_lines_does_not_count(tmp_path: Path) -> None:
    doc = "REQUEST_TIMEOUT: seconds.\n"
    base = {"docs/tuning.md": doc}
    change = {"svc/a.py": "REQUEST_TIMEOUT = 30\n", "docs/tuning.md": doc + "more\n"}
    assert run(git_change(tmp_path, change, base)).outcome is Outcome.FAILED


@pytest.mark.parametrize(
    ("path", "line", "knob"),
    [
        ("cmd/main.go", 'var n = flag.Int("batch-size", 100, "rows per batch")', "batch-size"),
        ("cmd/main.go", "const defaultBatchSize = 500", "defaultBatchSize"),
        ("cmd/main.go", 'v := os.Getenv("CACHE_TTL")', "CACHE_TTL"),
        ("web/a.ts", "const t = process.env.API_TIMEOUT_MS;", "API_TIMEOUT_MS"),
        ("web/a.ts", "export const MAX_RETRIES = 3;", "MAX_RETRIES"),
        ("src/A.java", '    @Value("${cache.ttl:60}")', "cache.ttl"),
        ("src/A.java", "    private static final int MAX_CONNECTIONS = 100;", "MAX_CONNECTIONS"),
        ("src/A.java", '    String s = System.getenv("WORKER_THREADS");', "WORKER_THREADS"),
        ("svc/a.py", 't = os.environ["HTTP_TIMEOUT"]', "HTTP_TIMEOUT"),
        ("deploy/app.yaml", "db:\n  max_connections: 100", "max_connections"),
        ("deploy/app.yaml", "retry_backoff: 2s", "retry_backoff"),
        ("conf/app.properties", "server.tomcat.threads.max=200", "server.tomcat.threads.max"),
    ],
)
def test_default_patterns(tmp_path: Path, path: str, line: str, knob: str) -> None:
    result = run(git_change(tmp_path, {path: line + "\n"}))
    assert [k for _, _, k in knobs(result)] == [knob]


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("svc/a.py", 'home = os.getenv("HOME")'),
        ("svc/a.py", "NAME_PREFIX = 'x'"),
        ("svc/a.py", "    timeout = 30"),  # a local variable, not configuration
        ("web/a.ts", "  fontSize: 12,"),
        ("deploy/app.yaml", "port: 8080"),
        (".github/workflows/ci.yml", "    timeout-minutes: 30"),
        (".gitlab-ci.yml", "  timeout: 30"),  # CI settings tune the build, not the service
        (".circleci/config.yml", "    parallelism: 4"),
        ("svc/test_a.py", "REQUEST_TIMEOUT = 30"),
        ("docs/ops.md", "REQUEST_TIMEOUT = 30"),
    ],
)
def test_not_knobs(tmp_path: Path, path: str, line: str) -> None:
    result = run(git_change(tmp_path, {path: line + "\n"}))
    assert result.outcome is not Outcome.FAILED
    assert result.findings == ()


def test_own_patterns_and_words(tmp_path: Path) -> None:
    pr = git_change(tmp_path, {"svc/a.py": 'LINGER = setting("linger_ms")\n'})
    assert run(pr).outcome is Outcome.PASSED
    own = run(pr, patterns=(r'setting\("(?P<knob>\w+)"\)',), knob_words=("linger",))
    assert [k for _, _, k in knobs(own)] == ["linger_ms"]


def test_knob_only_found_in_a_doc_read_at_the_head_when_github_sent_no_diff() -> None:
    patch = "@@ -0,0 +1 @@\n+REQUEST_TIMEOUT = 3"
    code = ChangedFile("svc/a.py", FileStatus.ADDED, 1, 0, patch=patch)
    big_doc = ChangedFile("docs/all.md", FileStatus.MODIFIED, 30_000, 0, patch=None)
    pr = PullRequest(head_sha="h", base_ref="main", files=(code, big_doc))
    settings = tuning_knobs.Settings()
    assert tuning_knobs.wants(pr, settings).head == {"docs/all.md"}
    unread = tuning_knobs.evaluate(pr, settings)
    assert unread.outcome is Outcome.FAILED
    assert "Could not read `docs/all.md`" in unread.reason
    read = replace(pr, head=Tree(texts={"docs/all.md": "REQUEST_TIMEOUT: 3 s"}))
    assert tuning_knobs.evaluate(read, settings).outcome is Outcome.PASSED


def test_out_of_scope_and_disabled(tmp_path: Path) -> None:
    pr = git_change(tmp_path, {"svc/settings.py": PY})
    assert run(pr, when=Scope(paths=("web/**",))).outcome is Outcome.SKIPPED
    assert run(pr, enabled=False).outcome is Outcome.SKIPPED
    assert tuning_knobs.wants(pr, replace(tuning_knobs.Settings(), enabled=False)).head == set()
    release = run(pr, when=Scope(paths=("**/*.py",), base_branches=("release/*",)))
    assert release.outcome is Outcome.SKIPPED and "targets `main`" in release.reason


def test_the_group_the_configuration_reference_names_marks_the_knob(tmp_path: Path) -> None:
    # The README documents the group `name`; a pattern written that way must work even
    # when another group comes first.
    pr = git_change(tmp_path, {"svc/a.py": 'LINGER = cfg.int("linger_ms")\n'})
    own = run(pr, patterns=(r'(cfg|conf)\.int\("(?P<name>\w+)"\)',), knob_words=("linger",))
    assert [k for _, _, k in knobs(own)] == ["linger_ms"]


def test_config_files_alone_say_which_config_files_are_read(tmp_path: Path) -> None:
    # Setting `config_files` without repeating it under `when.paths` must not skip them.
    pr = git_change(tmp_path, {"infra/db.hcl": "pool_size = 10\n"})
    result = run(pr, config_files=("**/*.hcl",))
    assert knobs(result) == [("infra/db.hcl", 1, "pool_size")]
