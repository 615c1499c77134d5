"""Static checks of a flow: defects an IVR designer wants to hear about before go-live."""
from __future__ import annotations

from dataclasses import dataclass

from . import expr
from .model import Collect, Condition, Flow, Goto, Hangup, Menu, Play, Return, Transfer, edges

MAX_OPTIONS = 5
ELDERLY_MAX_PROMPT = 40  # characters: about 13 s at an elderly caller's pace
TERMINAL = (Transfer, Hangup, Return)


@dataclass
class Finding:
    level: str  # error | warning
    code: str
    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.code}: {self.node}: {self.message}"


def _successors(flow: Flow) -> dict[str, list[str]]:
    out = {n: [t for _, t in edges(node)] for n, node in flow.nodes.items()}
    if flow.globals.agent:
        for n, node in flow.nodes.items():
            if isinstance(node, Menu):
                out[n].append(flow.globals.agent.next)
    return out


def _reachable(flow: Flow, succ: dict[str, list[str]], starts: list[str]) -> set[str]:
    """Nodes reachable from ``starts`` (inclusive)."""
    seen, todo = set(), list(starts)
    while todo:
        n = todo.pop()
        if n in seen or n not in flow.nodes:
            continue
        seen.add(n)
        todo.extend(succ.get(n, []))
    return seen


def _elderly_nodes(flow: Flow, succ: dict[str, list[str]]) -> set[str]:
    """Nodes reached through a branch taken for elderly callers."""
    starts = [
        b.next for node in flow.nodes.values() if isinstance(node, Condition)
        for b in node.branches if ("profile", "elderly", True) in expr.referenced_flags(b.when)
    ]
    return _reachable(flow, succ, starts)


def lint(flow: Flow) -> list[Finding]:
    out: list[Finding] = []
    succ = _successors(flow)
    for n, node in flow.nodes.items():
        for label, target in edges(node):
            if target not in flow.nodes:
                out.append(Finding("error", "missing-target", n, f"{label} goes to {target!r}, which does not exist"))
        if isinstance(node, Goto) and not node.flow and not node.node:
            out.append(Finding("error", "dead-end", n, "goto without node or flow"))
        if isinstance(node, Goto) and node.flow and not node.next:
            out.append(Finding("warning", "dead-end", n, f"sub-flow {node.flow} has no `next:` to resume at"))
        if isinstance(node, Condition):
            for b in node.branches:
                try:
                    expr.parse(b.when)
                except expr.ExprError as exc:
                    out.append(Finding("error", "bad-condition", n, str(exc)))
        if isinstance(node, Menu):
            keys = [o.key for o in node.options if o.key]
            reserved = set(flow.globals.agent_keys if flow.globals.agent else []) | set(flow.globals.back_keys) | set(flow.globals.repeat_keys)
            for k in sorted({k for k in keys if keys.count(k) > 1}):
                out.append(Finding("error", "duplicate-key", n, f"key {k} is used by more than one option"))
            for k in sorted(set(keys) & reserved):
                out.append(Finding("warning", "global-key", n, f"key {k} is also a global command"))
            if len(node.options) > MAX_OPTIONS:
                out.append(Finding("warning", "too-many-options", n, f"{len(node.options)} options (more than {MAX_OPTIONS} is hard to remember)"))
            if not node.fallback and not (node.reprompts.no_input and node.reprompts.no_match):
                missing = [k for k, v in (("no-input", node.reprompts.no_input), ("no-match", node.reprompts.no_match)) if not v]
                out.append(Finding("warning", "no-retry-handling", n, f"no {' / '.join(missing)} reprompt and no fallback"))
            if not node.fallback:
                out.append(Finding("warning", "no-fallback", n, "after max retries the caller is hung up on; add a fallback (e.g. to an agent)"))
    reach = _reachable(flow, succ, [flow.start])
    for n in flow.nodes:
        if n not in reach:
            out.append(Finding("error", "unreachable", n, "no path from the start node reaches it"))
    # loops with no exit: a set of reachable nodes from which no terminal node can be reached
    can_finish = {n for n, node in flow.nodes.items() if isinstance(node, TERMINAL) or (isinstance(node, Goto) and node.flow)}
    changed = True
    while changed:
        changed = False
        for n in flow.nodes:
            if n not in can_finish and any(t in can_finish for t in succ.get(n, [])):
                can_finish.add(n)
                changed = True
    for n in sorted(reach - can_finish):
        node = flow.nodes[n]
        kind = "loop-without-exit" if succ.get(n) else "dead-end"
        out.append(Finding("error", kind, n, "no transfer, hangup or return can be reached from here"))
    for n in sorted(_elderly_nodes(flow, succ)):
        node = flow.nodes[n]
        text = getattr(node, "prompt_elderly", None) or getattr(node, "prompt", None)
        if isinstance(node, (Menu, Collect, Play)) and text and len(text) > ELDERLY_MAX_PROMPT:
            out.append(Finding("warning", "elderly-prompt-too-long", n, f"{len(text)} characters on the elderly path (max {ELDERLY_MAX_PROMPT})"))
    return sorted(out, key=lambda f: (f.level != "error", f.node, f.code))
