"""Design records held to the team's template: sections and status, read at the PR's head."""

from dataclasses import replace
from pathlib import Path

import pytest
from gitchange import run_rule

from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree
from bot.core.results import Outcome
from bot.core.rules import design_record

SECTIONS = replace(design_record.Settings(), required_sections=("Performance", "Alternatives"))
CODE = {"svc/api/routes.py": "def route():\n    return 1\n"}
FULL = """\
# ADR 2: Cache the catalogue

* Status: Accepted

## Context
Reads dominate.

## 3. Performance impact
p95 falls from 180 ms to 40 ms.

## Alternatives considered
A read replica.
"""
PARTIAL = "# ADR 2: Cache the catalogue\n\nStatus: Proposed\n\n## Context\nReads dominate.\n"


def run(tmp_path: Path, head: dict, *, base: dict | None = None, body: str = "",
        settings: design_record.Settings = SECTIONS):
    return run_rule(tmp_path, design_record, settings, base or {"README.md": "x\n"},
                    {**CODE, **head}, body=body)


def test_a_record_with_every_section_passes(tmp_path: Path) -> None:
    result = run(tmp_path, {"docs/adr/0002-cache.md": FULL})
    assert result.outcome is Outcome.PASSED
    assert "`docs/adr/0002-cache.md` has every required section" in result.reason


def test_missing_sections_are_named_on_the_record_file(tmp_path: Path) -> None:
    result = run(tmp_path, {"docs/adr/0002-cache.md": PARTIAL})
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert (finding.path, finding.start_line) == ("docs/adr/0002-cache.md", 1)
    assert "no `Performance` and `Alternatives` sections" in finding.message
    assert "Add `## Performance` and `## Alternatives`" in result.fix


def test_sections_are_read_as_they_stand_at_head_not_in_the_diff(tmp_path: Path) -> None:
    # The PR only fixes a typo; the record already had its sections on main.
    base = {"docs/adr/0002-cache.md": FULL}
    result = run(tmp_path, {"docs/adr/0002-cache.md": FULL.replace("dominate", "dominate!")},
                 base=base)
    assert result.outcome is Outcome.PASSED


def test_a_record_linked_by_path_is_read_at_head_too(tmp_path: Path) -> None:
    base = {"docs/adr/0001-queue.md": PARTIAL, "docs/adr/0002-cache.md": FULL}
    good = run(tmp_path / "good", {}, base=base, body="Design: [ADR](docs/adr/0002-cache.md)")
    assert good.outcome is Outcome.PASSED
    bad = run(tmp_path / "bad", {}, base=base, body="Implements docs/adr/0001-queue.md.")
    assert bad.outcome is Outcome.FAILED
    assert bad.findings[0].path == "docs/adr/0001-queue.md"


@pytest.fixture(autouse=True)
def _dirs(tmp_path: Path) -> None:
    for name in ("good", "bad"):
        (tmp_path / name).mkdir()


def test_a_linked_path_that_does_not_exist_is_said(tmp_path: Path) -> None:
    result = run(tmp_path, {}, body="See docs/adr/0099-nothing.md")
    assert result.outcome is Outcome.FAILED
    assert "does not exist at the PR's head" in result.reason
    assert result.findings == ()


def test_a_link_by_number_cannot_be_checked_and_asks_for_a_path(tmp_path: Path) -> None:
    result = run(tmp_path, {}, body="Implements ADR-0002.")
    assert result.outcome is Outcome.FAILED
    assert "linked by path" in result.reason
    assert "docs/adr/0012-x.md" in result.fix
    [finding] = result.findings
    assert (finding.path, finding.start_line) == ("svc/api/routes.py", 1)


def test_without_required_sections_a_number_link_still_satisfies(tmp_path: Path) -> None:
    result = run(tmp_path, {}, body="Implements ADR-0002.", settings=design_record.Settings())
    assert result.outcome is Outcome.PASSED


def test_required_status_points_at_the_status_line(tmp_path: Path) -> None:
    settings = replace(design_record.Settings(), required_status=(r"(?im)^\W*status:\s*accepted",))
    assert run(tmp_path / "good", {"docs/adr/2.md": FULL}, settings=settings).outcome is (
        Outcome.PASSED)
    result = run(tmp_path / "bad", {"docs/adr/2.md": PARTIAL}, settings=settings)
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert finding.start_line == 3  # "Status: Proposed"
    assert "Status: Accepted" in finding.message


def test_headings_in_code_fences_do_not_count() -> None:
    text = "# ADR\n```md\n## Performance\n## Alternatives\n```\n"
    pr = PullRequest(head_sha="h", base_ref="main", files=(
        ChangedFile("svc/api/x.py", FileStatus.MODIFIED, patch="@@ -1 +1 @@\n-a\n+b\n"),
        ChangedFile("docs/adr/1.md", FileStatus.ADDED)),
        head=Tree(texts={"docs/adr/1.md": text}))
    assert design_record.evaluate(pr, SECTIONS).outcome is Outcome.FAILED


def test_wants_reads_records_only_when_it_checks_them() -> None:
    pr = PullRequest(head_sha="h", base_ref="main", body="see docs/adr/0001-q.md and ADR-7",
                     files=(ChangedFile("svc/api/x.py", FileStatus.MODIFIED),
                            ChangedFile("docs/adr/2.md", FileStatus.ADDED)))
    assert design_record.wants(pr, design_record.Settings()).head == frozenset()
    assert design_record.wants(pr, SECTIONS).head == {"docs/adr/2.md", "docs/adr/0001-q.md"}


def test_a_catastrophic_link_pattern_fails_instead_of_hanging() -> None:
    settings = replace(design_record.Settings(), link_patterns=(r"(x+x+)+y",))
    pr = PullRequest(head_sha="h", base_ref="main", body="x" * 5000,
                     files=(ChangedFile("svc/api/x.py", FileStatus.MODIFIED),))
    result = design_record.evaluate(pr, settings)
    assert result.outcome is Outcome.FAILED
    assert "took too long" in result.reason
