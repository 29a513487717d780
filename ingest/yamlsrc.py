"""YAML parsing that remembers the line of every value, for error messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # the C loader is ~10x faster; fall back when libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

Path_ = tuple  # a path into the document: ("actors", 2, "role")


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


@dataclass
class Located:
    """Parsed YAML value plus the 1-based line of each path inside it."""

    value: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    line_offset: int = 0

    def line(self, *path) -> int | None:
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        line = self.lines.get(path)
        return None if line is None else line + self.line_offset


def _construct(node: yaml.Node, path: Path_, lines: dict, loader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                raise YamlError("a mapping key must be a plain value", key_node.start_mark.line + 1)
            if key in out:
                raise YamlError(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            out[key] = _construct(value_node, path + (key,), lines, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, line_offset: int = 0) -> Located:
    """Parse one YAML document; raise YamlError with the line of the problem."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict = {}
        value = None if node is None else _construct(node, (), lines, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        raise YamlError(f"invalid YAML: {problem}", None if line is None else line + line_offset) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None
    finally:
        loader.dispose()
    return Located(value, lines, line_offset)
