"""YAML to plain data, remembering where each value stood.

Composing nodes (rather than constructing objects) is the safest way to read
untrusted YAML, and the nodes carry the line and column every config error
must point at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based, as GitHub annotations count
    column: int  # 1-based


class DocumentError(ValueError):
    """The text is not YAML we accept; carries where it went wrong."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Document:
    data: Any
    positions: Mapping[Path, Position]
    key_positions: Mapping[Path, Position]

    def position(self, path: Path) -> Position:
        """Where ``path`` stood, or its nearest ancestor when it is absent."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Position(1, 1))

    def key_position(self, path: Path) -> Position:
        """Where the key naming ``path`` stood (for unknown or misplaced keys)."""
        return self.key_positions.get(path) or self.position(path)


def parse(text: str) -> Document:
    yaml = YAML(typ="safe", pure=True)
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise DocumentError(f"YAML syntax error: {problem}", where) from None
    except YAMLError as exc:
        raise DocumentError(f"YAML error: {exc}", Position(1, 1)) from None
    positions: dict[Path, Position] = {}
    keys: dict[Path, Position] = {}
    data = None if root is None else _plain(root, (), positions, keys)
    return Document(data, positions, keys)


def _at(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _plain(
    node: Node, path: Path, positions: dict[Path, Position], keys: dict[Path, Position]
) -> Any:
    positions[path] = _at(node)
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise DocumentError("YAML merge keys (<<) are not supported", _at(key_node))
            if not isinstance(key_node, ScalarNode):
                raise DocumentError("mapping keys must be plain strings", _at(key_node))
            key = str(key_node.value)
            if key in out:
                raise DocumentError(f"duplicate key {key!r}", _at(key_node))
            keys[(*path, key)] = _at(key_node)
            out[key] = _plain(value_node, (*path, key), positions, keys)
        return out
    if isinstance(node, SequenceNode):
        return [_plain(item, (*path, i), positions, keys) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: Node) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() in {"true", "yes", "on", "y"}
    if tag == _INT:
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag == _FLOAT:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    if tag == _STR:
        return value
    raise DocumentError(f"unsupported YAML tag {tag}", _at(node))
