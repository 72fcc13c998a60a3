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
    # Issue 11: values the schema used to accept and perfbot then ignored or misread.
    Case(
        "budget-not-a-quantity",
        "version: 1\nrules:\n  benchmarks:\n    budgets:\n      - limit: 'p95 <= banana'\n",
        5, 16, "rules.benchmarks.budgets[0].limit: cannot read the limit 'p95 <= banana'",
    ),
    Case(
        "budget-bad-operator",
        "version: 1\nrules:\n  benchmarks:\n    budgets:\n      - limit: 'time <== 2ms'\n",
        5, 16, "rules.benchmarks.budgets[0].limit: cannot read the limit 'time <== 2ms'",
    ),
    Case(
        "budget-empty",
        "version: 1\nrules:\n  benchmarks:\n    budgets:\n"
        "      - benchmarks: ['a*']\n        limit: ''\n",
        6, 16, "rules.benchmarks.budgets[0].limit: cannot read the limit '': write a limit as",
    ),
    Case(
        "budget-without-limit",
        "version: 1\nrules:\n  benchmarks:\n    budgets:\n      - benchmarks: ['a*']\n",
        5, 9, "rules.benchmarks.budgets[0]: missing required key 'limit'",
    ),
    Case(
        "negative-threshold",
        "version: 1\nrules:\n  benchmarks:\n    policy:\n      threshold: -0.1\n",
        5, 18, "rules.benchmarks.policy.threshold: must be a number greater than 0 and less "
        "than 1 (a fraction: 0.1 is 10 %), not -0.1",
    ),
    Case(
        "threshold-as-percent",
        "version: 1\nrules:\n  benchmarks:\n    policy:\n      overrides:\n"
        "        - benchmarks: ['io_*']\n          threshold: 30\n",
        7, 22, "rules.benchmarks.policy.overrides[0].threshold: must be a number greater than 0",
    ),
    Case(
        "confidence-over-1",
        "version: 1\nrules:\n  benchmarks:\n    policy:\n      confidence: 7\n",
        5, 19, "rules.benchmarks.policy.confidence: must be a number greater than 0 and less "
        "than 1",
    ),
    Case(
        "negative-min-samples",
        "version: 1\nrules:\n  benchmarks:\n    policy:\n      min_samples: -4\n",
        5, 20, "rules.benchmarks.policy.min_samples: must be a whole number of at least 1, not -4",
    ),
    Case(
        "negative-timeout",
        "version: 1\nrules:\n  benchmarks:\n    artifacts:\n      timeout_minutes: -5\n",
        5, 24, "rules.benchmarks.artifacts.timeout_minutes: must be a whole number of at least 1",
    ),
    Case(
        "zero-max-bytes",
        "version: 1\nrules:\n  benchmarks:\n    artifacts:\n      max_bytes: 0\n",
        5, 18, "rules.benchmarks.artifacts.max_bytes: must be a whole number of at least 1, not 0",
    ),
    Case(
        "negative-min-function-lines",
        "version: 1\nrules:\n  instrumentation:\n    min_function_lines: -3\n",
        4, 25, "rules.instrumentation.min_function_lines: must be a whole number of at least 1",
    ),
    Case(
        "glob-unclosed-class",
        "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/[abc']\n",
        5, 15, "rules.design_record.when.paths[0]: invalid path pattern 'src/[abc': `[` opens a "
        "character class that is never closed",
    ),
    Case(
        "glob-unclosed-brace",
        "version: 1\nrules:\n  rollout:\n    when:\n      paths:\n        - 'deploy/{a,b'\n",
        6, 11, "rules.rollout.when.paths[0]: invalid path pattern 'deploy/{a,b': braces are not "
        "expanded",
    ),
    Case(
        "glob-three-stars",
        "version: 1\npaths: ['**/***']\n",
        2, 9, "paths[0]: invalid path pattern '**/***': `***` is no pattern",
    ),
    Case(
        "knob-pattern-without-group",
        "version: 1\nrules:\n  tuning_knobs:\n    patterns:\n      - 'getenv\\(\"(\\w+)'\n",
        5, 9, "rules.tuning_knobs.patterns[0]: must be a pattern with the group (?P<knob>…) or "
        "(?P<name>…), not 'getenv",
    ),
    Case(
        "required-item-that-does-not-exist",
        "version: 1\nreview:\n  checklist:\n    testing: ['load: Load test run']\n"
        "    required: [laod]\n",
        5, 16, "review.checklist.required[0]: no manual checklist item has the id 'laod' "
        "(did you mean 'load'?)",
    ),
)
