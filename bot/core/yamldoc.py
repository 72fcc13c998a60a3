"""YAML to plain data, remembering where each value stood.

Composing nodes (rather than constructing objects) is the safest way to read
untrusted YAML, and the nodes carry the line and column every config error
must point at. Untrusted text is bounded before and while it is read: its size,
its nesting, and how far aliases may expand (a "billion laughs" document is a few
hundred bytes that alias into billions of values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KeyPath = tuple[str | int, ...]

# A config is a few kilobytes; GitHub's contents API inlines files up to 1 MB.
MAX_BYTES = 1024 * 1024
# Values after alias expansion, and nesting depth: far beyond any real config.
MAX_VALUES = 100_000
MAX_DEPTH = 50

TOO_LARGE = "the file is {size}; perfbot reads configuration files of at most 1 MB"
TOO_MANY_VALUES = (
    "the document expands to more than {limit:,} values (anchors and aliases that "
    "multiply, or refer to themselves?); write the values out instead"
)
TOO_DEEP = "the document nests deeper than {limit} levels"
SELF_ALIAS = "an alias refers to the value that contains it, which never ends"

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
# Plain scalars YAML resolves to types perfbot has no use for (a date, a bare "="):
# kept as the text written, as Prometheus and GitHub read them.
_AS_TEXT = frozenset({"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"})


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
    positions: Mapping[KeyPath, Position]
    key_positions: Mapping[KeyPath, Position]
    # Which file each value came from, for documents merged from several (see
    # ``bot.core.layers``); a path not listed came from the document's own file ("").
    files: Mapping[KeyPath, str] = field(default_factory=dict)

    def position(self, path: KeyPath) -> Position:
        """Where ``path`` stood, or its nearest ancestor when it is absent."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Position(1, 1))

    def key_position(self, path: KeyPath) -> Position:
        """Where the key naming ``path`` stood (for unknown or misplaced keys)."""
        return self.key_positions.get(path) or self.position(path)

    def file(self, path: KeyPath) -> str:
        """The file ``path`` (or its nearest ancestor) came from; "" for this document's own."""
        while path not in self.files and path:
            path = path[:-1]
        return self.files.get(path, "")


def parse(text: str) -> Document:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise DocumentError(too_large(size), Position(1, 1))
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
    except RecursionError:
        raise DocumentError(TOO_DEEP.format(limit=MAX_DEPTH), Position(1, 1)) from None
    if root is None:
        return Document(None, {}, {})
    reader = _Reader()
    return Document(reader.plain(root, ()), reader.positions, reader.keys)


def too_large(size: int) -> str:
    return TOO_LARGE.format(size=f"{size / 2**20:.1f} MB")


def _at(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Reader:
    """Nodes to plain data, counting every value so aliases cannot expand without bound."""

    def __init__(self) -> None:
        self.positions: dict[KeyPath, Position] = {}
        self.keys: dict[KeyPath, Position] = {}
        self.values = 0
        self.open: set[int] = set()  # collections being read, to catch an alias to itself

    def plain(self, node: Node, path: KeyPath) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise DocumentError(TOO_MANY_VALUES.format(limit=MAX_VALUES), _at(node))
        if len(path) > MAX_DEPTH:
            raise DocumentError(TOO_DEEP.format(limit=MAX_DEPTH), _at(node))
        self.positions[path] = _at(node)
        if isinstance(node, MappingNode | SequenceNode):
            if id(node) in self.open:
                raise DocumentError(SELF_ALIAS, _at(node))
            self.open.add(id(node))
            try:
                return self.collection(node, path)
            finally:
                self.open.discard(id(node))
        return _scalar(node)

    def collection(self, node: Node, path: KeyPath) -> Any:
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise DocumentError("YAML merge keys (<<) are not supported", _at(key_node))
                if not isinstance(key_node, ScalarNode):
                    raise DocumentError("mapping keys must be plain strings", _at(key_node))
                key = str(key_node.value)
                if key in out:
                    first = self.keys[(*path, key)]
                    raise DocumentError(
                        f"duplicate key {key!r} (first at line {first.line})", _at(key_node)
                    )
                self.keys[(*path, key)] = _at(key_node)
                out[key] = self.plain(value_node, (*path, key))
            return out
        return [self.plain(item, (*path, i)) for i, item in enumerate(node.value)]


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
    if tag == _STR or tag in _AS_TEXT:
        return value
    raise DocumentError(f"unsupported YAML tag {tag}", _at(node))
