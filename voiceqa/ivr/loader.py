"""Load flow and scenario YAML files with one-line errors that name the file and line."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import FlowError
from .model import Flow

T = TypeVar("T", bound=BaseModel)
__all__ = ["FlowError", "load_flow", "read_yaml", "validate", "flow_schema"]


def _node_line(text: str, loc: tuple) -> int:
    """Best-effort line of the YAML node at ``loc`` (a pydantic error location)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return 1
    line = node.start_mark.line + 1 if node else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            match = node.value[key]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def read_yaml(path: Path) -> tuple[Any, str]:
    if not path.is_file():
        raise FlowError(path, "file not found")
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise FlowError(path, f"{where}malformed YAML ({getattr(exc, 'problem', exc)})") from None


def validate(model: type[T], data: Any, text: str, path: Path) -> T:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in {"menu", "collect", "play", "condition", "set", "transfer", "hangup", "goto", "return"}))
        where = ".".join(str(x) for x in err["loc"])
        raise FlowError(path, f"line {_node_line(text, loc)}: {where}: {err['msg']}") from None


def load_flow(path: str | Path) -> Flow:
    path = Path(path)
    data, text = read_yaml(path)
    if not isinstance(data, dict):
        raise FlowError(path, "line 1: a flow is a mapping with name, start and nodes")
    flow = validate(Flow, data, text, path)
    if flow.start not in flow.nodes:
        raise FlowError(path, f"line {_node_line(text, ('start',))}: start node {flow.start!r} does not exist")
    return flow


def flow_schema() -> str:
    return json.dumps(Flow.model_json_schema(), ensure_ascii=False, indent=2)
