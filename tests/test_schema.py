"""config/schema.json and the README's reference are generated from the settings code."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pytest

from bot.core import schema as schema_module
from bot.core.binding import Globs, Regexes, bind
from bot.core.validation import problems, published_schema
from bot.core.yamldoc import parse

ROOT = Path(__file__).parents[1]
DRAFT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = "run `python -m bot.core.schema --write` and commit the result"


def test_committed_schema_matches_the_settings_code() -> None:
    committed = (ROOT / "config" / "schema.json").read_text(encoding="utf-8")
    assert committed == schema_module.schema_text(), f"config/schema.json is stale: {REGENERATE}"


def test_readme_reference_matches_the_schema() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = schema_module.reference_table(published_schema())
    assert schema_module.with_reference(readme, table) == readme, (
        f"the README's configuration reference is stale: {REGENERATE}"
    )
    for key, *_ in schema_module.reference_rows(published_schema()):
        assert f"`{key}`" in readme


def test_validation_uses_the_packaged_schema() -> None:
    assert published_schema() == json.loads(schema_module.schema_text())
    assert published_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# A settings class using every supported kind of field, as a future rule might.
class Mode(StrEnum):
    FAST = "fast"
    SAFE = "safe"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    """What is measured."""
    limit: float = 1.0


@dataclass(frozen=True, slots=True)
class Inner:
    on: bool = True


@dataclass(frozen=True, slots=True)
class Example:
    count: int = 3
    """How many."""
    ratio: float = 0.5
    mode: Mode = Mode.FAST
    files: Globs = ("a/**",)
    patterns: Regexes = ()
    inner: Inner = Inner()
    maybe: Inner | None = None
    owner: str | None = None
    targets: tuple[Target, ...] = ()
    note: str = field(default="", metadata={"doc": "Free text."})


@pytest.fixture(scope="module")
def example() -> dict[str, object]:
    return schema_module._object(Example, Example(), ())


def test_every_kind_of_field_has_a_schema(example: dict[str, object]) -> None:
    props = example["properties"]
    assert isinstance(props, dict)
    assert props["count"] == {"description": "How many.", "type": "integer", "default": 3}
    assert props["ratio"]["type"] == "number"
    assert props["mode"]["enum"] == ["fast", "safe"]
    assert props["files"]["items"]["format"] == "glob"
    assert props["files"]["type"] == ["array", "string"]
    assert props["patterns"]["items"]["format"] == "regex"
    assert props["inner"]["additionalProperties"] is False
    assert props["maybe"]["type"] == ["object", "null"]
    assert props["owner"]["type"] == ["string", "null"]
    targets = props["targets"]
    assert targets["type"] == "array"
    assert targets["items"]["required"] == ["name"]
    assert targets["items"]["properties"]["name"]["description"] == "What is measured."
    assert props["note"]["description"] == "Free text."


def test_floats_and_lists_of_settings_bind(example: dict[str, object]) -> None:
    doc = parse(
        "ratio: 2\n"
        "targets:\n"
        "  - name: p95\n"
        "    limit: 250\n"
        "  - name: rss\n"
        "maybe: {on: false}\n"
    )
    assert problems(doc, {"$schema": DRAFT, **example}) == ()
    bound, found = bind(Example, doc)
    assert found == ()
    assert bound.ratio == 2.0 and isinstance(bound.ratio, float)
    assert bound.targets == (Target("p95", 250.0), Target("rss", 1.0))
    assert bound.maybe == Inner(on=False)


def test_a_missing_required_key_and_a_float_for_an_int_are_errors(
    example: dict[str, object],
) -> None:
    doc = parse("count: 1.5\ntargets:\n  - limit: 3\n")
    found = problems(doc, {"$schema": DRAFT, **example})
    assert [(p.position.line, p.position.column, p.message) for p in found] == [
        (1, 8, "count: must be a whole number, not 1.5"),
        (3, 5, "targets[0]: missing required key 'name'"),
    ]


def test_regenerating_rewrites_schema_and_readme_together(tmp_path, monkeypatch) -> None:
    (tmp_path / "config").mkdir()
    start, end = schema_module.README_START, schema_module.README_END
    readme = f"# x\n\n{start}\nstale-table-row\n{end}\n\nend\n"
    (tmp_path / "README.md").write_text(readme)
    monkeypatch.setattr(schema_module, "__file__", str(tmp_path / "bot" / "core" / "schema.py"))
    assert schema_module.main(["schema", "--write"]) == 0
    assert (tmp_path / "config" / "schema.json").read_text() == schema_module.schema_text()
    written = (tmp_path / "README.md").read_text()
    assert "`rules.design_record.when.paths`" in written and "stale-table-row" not in written
    assert written.endswith(f"{schema_module.README_END}\n\nend\n")


def test_the_readme_example_is_a_valid_config() -> None:
    from bot.core.config import ConfigSource, Drafts, load

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### A complete example") :]
    example = section[section.index("```yaml\n") + 8 : section.index("```\n", 8)]
    config = load(ConfigSource(text=example, origin="README"))
    assert config.drafts is Drafts.SKIP
    assert config.rules.design_record.record_paths == ("docs/decisions/**",)
