"""One table of config errors, each with the line and column it must be reported at.

The core, the CLI and the App are each tested against the same table, so the three
report a broken config identically.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    line: int
    column: int
    says: str


CASES = (
    Case(
        "yaml-syntax",
        "version: 1\nrules:\n  design_record:\n    when: {paths: [src/**}\n",
        4, 26, "YAML syntax error: expected ',' or ']', but got '}'",
    ),
    Case(
        "unknown-key",
        "version: 1\nrules:\n  design_record:\n    severty: failure\n",
        4, 5, "rules.design_record.severty: unknown key (did you mean 'severity'?)",
    ),
    Case(
        "wrong-type",
        "version: 1\nrules:\n  design_record:\n    enabled: maybe\n",
        4, 14, "rules.design_record.enabled: must be true or false, not 'maybe'",
    ),
    Case(
        "bad-enum",
        "version: 1\ndrafts: never\n",
        2, 9, "drafts: must be one of evaluate, skip, not 'never'",
    ),
    Case(
        "bad-regex",
        "version: 1\nrules:\n  design_record:\n    link_patterns:\n      - 'ADR-\\d+'\n"
        "      - '(unclosed'\n",
        6, 9, "rules.design_record.link_patterns[1]: invalid regular expression '(unclosed'",
    ),
    Case(
        "bad-glob",
        "version: 1\npaths:\n  - 'src/**'\n  - '\\'\n",
        4, 5, "paths[1]: invalid path pattern '\\\\'",
    ),
    Case(
        "bad-extends",
        "version: 1\nextends: 'octo-org'\n",
        2, 10, "extends: 'octo-org' is not a config reference; write org, OWNER/REPO",
    ),
)
