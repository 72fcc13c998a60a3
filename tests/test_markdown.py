import pytest

from bot.core.markdown import find, headings, section_text

RECORD = """\
# ADR 7: Cache the catalogue

Status: Accepted

## 1. Context
```sh
# Performance (a shell comment in a fence, not a heading)
```

Performance impact
------------------
p95 drops to 80 ms.

## Non-performance goals
none
"""


def test_headings_skip_fenced_code_and_read_setext() -> None:
    assert [(h.line, h.level, h.text) for h in headings(RECORD)] == [
        (1, 1, "ADR 7: Cache the catalogue"), (5, 2, "1. Context"),
        (10, 2, "Performance impact"), (14, 2, "Non-performance goals")]


def test_sections_match_by_name_case_insensitively_ignoring_numbering() -> None:
    assert find(RECORD, "performance").line == 10
    assert find(RECORD, "CONTEXT").line == 5
    assert find(RECORD, "Goals") is None
    assert find("## **Rollout plan**\n", "rollout") is not None
    assert find("## Rollouts\n", "rollout") is None


def test_section_text_stops_at_the_next_heading_and_drops_comments() -> None:
    assert section_text(RECORD, find(RECORD, "performance")) == "p95 drops to 80 ms."
    body = "## Rollout\n<!-- how will this ship? -->\n\n## Testing\nunit\n"
    assert section_text(body, find(body, "rollout")) == ""
    body = "## Rollout\nCanary 5% for a day.\n### Steps\n1. ship\n## Other\n"
    assert section_text(body, find(body, "rollout")) == "Canary 5% for a day.\n### Steps\n1. ship"


def test_heading_lines_are_counted_as_github_counts_them() -> None:
    # A Unicode line separator pasted into a paragraph, or a form feed, is not a new line
    # on GitHub; an annotation on the heading must land on the heading.
    text = "Intro\u2028still intro\f\n# Performance\r\nWe measured.\r\n"
    [heading] = headings(text)
    assert (heading.line, heading.text) == (2, "Performance")
    assert section_text(text, heading) == "We measured."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# Rollout", (1, "Rollout")),
        ("### Rollout plan ###", (3, "Rollout plan")),
        ("## Rollout#", (2, "Rollout#")),
        ("## Rollout \t# not closing # text", (2, "Rollout \t# not closing # text")),
        ("#", (1, "")),
        ("#   ", (1, "")),
        ("   ## Indented", (2, "Indented")),
        ("#\tTabbed", (1, "Tabbed")),
        ("#Rollout", None),
        ("####### Seven", None),
        ("    # Code", None),
        # A PR description is anyone's text: a long line must cost one pass, not n².
        ("# a" + " " * 60_000 + "x", (1, "a" + " " * 60_000 + "x")),
    ],
)
def test_atx_headings(line: str, expected: tuple[int, str] | None) -> None:
    got = [(h.level, h.text) for h in headings(line)]
    assert got == ([expected] if expected else [])


def test_comments_are_dropped_from_a_section_in_one_pass() -> None:
    body = "## Rollout\n<!-- say how -->Canary first.<!-- x --> <!-- unclosed" + "<!--" * 16_000
    heading = find(body, "Rollout")
    assert heading is not None
    assert section_text(body, heading) == "Canary first. <!-- unclosed" + "<!--" * 16_000
