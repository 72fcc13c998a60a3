from dataclasses import replace

import pytest

from bot.core.config import Config, OutOfScope
from bot.core.evaluate import evaluate
from bot.core.facts import ChangedFile, FileStatus, PullRequest
from bot.core.results import Conclusion, Outcome, Severity
from bot.core.rules import RuleSettings, design_record
from bot.core.rules.scope import Scope

PATCH = "@@ -10,3 +10,4 @@ def f():\n     a = 1\n+    b = 2\n     c = 3\n"


def change(*paths: str, body: str = "", labels: tuple[str, ...] = (), removed: bool = False):
    status = FileStatus.REMOVED if removed else FileStatus.MODIFIED
    files = tuple(ChangedFile(p, status, 1, 0, patch=PATCH) for p in paths)
    return PullRequest(head_sha="h", base_ref="main", body=body, labels=frozenset(labels),
                       files=files)


def run(pr: PullRequest, **settings: object):
    return design_record.evaluate(pr, replace(design_record.Settings(), **settings))


def test_significant_change_without_record_fails_with_annotation_on_the_changed_line() -> None:
    result = run(change("README.md", "svc/api/routes.py"))
    assert result.outcome is Outcome.FAILED
    assert "svc/api/routes.py" in result.reason
    assert "docs/adr" in result.fix
    [finding] = result.findings
    assert finding.path == "svc/api/routes.py"
    assert finding.start_line == 11  # the added line, not the hunk's first context line
    assert finding.severity is Severity.FAILURE


def test_adding_a_record_satisfies_it() -> None:
    result = run(change("svc/api/routes.py", "docs/adr/0007-cache.md"))
    assert result.outcome is Outcome.PASSED
    assert "docs/adr/0007-cache.md" in result.reason


def test_deleting_a_record_does_not_count() -> None:
    pr = change("svc/api/routes.py")
    pr = replace(pr, files=(*pr.files, ChangedFile("docs/adr/1.md", FileStatus.REMOVED)))
    assert run(pr).outcome is Outcome.FAILED


@pytest.mark.parametrize(
    "body",
    ["Implements ADR-0012.", "see adr 12", "RFC-7 covers this", "Design: docs/adr/0003-queue.md"],
)
def test_linking_a_record_in_the_body_satisfies_it(body: str) -> None:
    assert run(change("svc/api/x.py", body=body)).outcome is Outcome.PASSED


def test_out_of_scope_change_is_skipped_with_a_reason() -> None:
    result = run(change("README.md", "src/util.py"))
    assert result.outcome is Outcome.SKIPPED
    assert result.reason


def test_a_scope_limited_to_other_base_branches_says_why_it_skipped() -> None:
    when = Scope(paths=("**/api/**",), base_branches=("release/*",))
    result = run(change("svc/api/routes.py"), when=when)
    assert result.outcome is Outcome.SKIPPED
    assert result.reason == "This PR targets `main`, which is not one of `release/*`."


def test_label_brings_a_change_into_scope_without_annotation() -> None:
    result = run(change("README.md", labels=("architecture",)))
    assert result.outcome is Outcome.FAILED
    assert "labelled `architecture`" in result.reason
    assert result.findings == ()


def test_negated_glob_excludes_paths() -> None:
    scope = Scope(paths=("src/**", "!src/**/test_*.py"))
    assert run(change("src/core/test_x.py"), when=scope).outcome is Outcome.SKIPPED
    assert run(change("src/core/x.py"), when=scope).outcome is Outcome.FAILED


def test_no_annotation_on_a_file_the_change_removed() -> None:
    result = run(change("svc/api/old.py", removed=True))
    assert result.outcome is Outcome.FAILED
    assert result.findings == ()


def test_disabled_rule_is_skipped() -> None:
    assert run(change("svc/api/x.py"), enabled=False).outcome is Outcome.SKIPPED


def conclusion(pr: PullRequest, severity: Severity, out_of_scope=OutOfScope.SUCCESS):
    settings = replace(design_record.Settings(), severity=severity)
    config = Config(out_of_scope=out_of_scope, rules=RuleSettings(design_record=settings))
    return evaluate(pr, config)


def test_conclusion_follows_severity() -> None:
    pr = change("svc/api/x.py")
    assert conclusion(pr, Severity.FAILURE).conclusion is Conclusion.FAILURE
    assert conclusion(pr, Severity.WARNING).conclusion is Conclusion.NEUTRAL
    assert conclusion(pr, Severity.NOTICE).conclusion is Conclusion.SUCCESS


def test_out_of_scope_conclusion_is_configurable() -> None:
    pr = change("README.md")
    assert conclusion(pr, Severity.FAILURE).conclusion is Conclusion.SUCCESS
    neutral = conclusion(pr, Severity.FAILURE, OutOfScope.NEUTRAL)
    assert neutral.conclusion is Conclusion.NEUTRAL
    assert neutral.title == "No performance rule applies to this change"


def test_truncated_file_list_is_said() -> None:
    pr = replace(change("README.md"), files_truncated=True, total_files=4200)
    [note] = evaluate(pr, Config()).notes
    assert "4,200" in note
