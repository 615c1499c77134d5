"""Flow diagrams as Mermaid or Graphviz dot."""
from __future__ import annotations

from .model import Flow, edges


def _label(node_id: str, node) -> str:
    kind = type(node).__name__.lower()
    extra = getattr(node, "queue", "") or ""
    return f"{node_id}\\n({kind}{' ' + extra if extra else ''})"


def mermaid(flow: Flow) -> str:
    ids = {n: f"n{i}" for i, n in enumerate(flow.nodes)}
    lines = ["flowchart TD"]
    for n, node in flow.nodes.items():
        shape = ("([", "])") if type(node).__name__ in ("Transfer", "Hangup") else ("{", "}") if type(node).__name__ == "Condition" else ("[", "]")
        lines.append(f'    {ids[n]}{shape[0]}"{_label(n, node).replace(chr(92) + "n", "<br/>")}"{shape[1]}')
    for n, node in flow.nodes.items():
        for label, target in edges(node):
            dst = ids.get(target, f"missing_{target}")
            lines.append(f'    {ids[n]} -->|"{label.replace(chr(34), "")}"| {dst}')
    if flow.globals.agent:
        lines.append(f'    global(("0 / 人工")) -.-> {ids.get(flow.globals.agent.next, "missing")}')
    return "\n".join(lines) + "\n"


def dot(flow: Flow) -> str:
    lines = [f'digraph "{flow.name}" {{', "  rankdir=TB;", '  node [fontname="Noto Sans CJK SC"];']
    for n, node in flow.nodes.items():
        shape = "doublecircle" if type(node).__name__ in ("Transfer", "Hangup") else "diamond" if type(node).__name__ == "Condition" else "box"
        lines.append(f'  "{n}" [label="{_label(n, node)}", shape={shape}];')
    for n, node in flow.nodes.items():
        for label, target in edges(node):
            lines.append(f'  "{n}" -> "{target}" [label="{label.replace(chr(34), "")}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
