"""Static checks of a flow: defects an IVR designer wants to hear about before go-live.

Errors are exactly the things that make the runner end a call in ``error`` (or never end it):
a missing target anywhere (options, fallbacks, collect outcomes, conditions, goto, the global
agent command), a sub-flow that does not exist / does not load / lacks the node, a condition
outside the grammar of :mod:`voiceqa.ivr.expr` (plus type errors from declared types), a regex
that does not compile, a loop of automatic nodes with no input, and nodes from which no call
can end. A flow with no errors never ends in ``error`` for any caller (tests/test_ivr_lint.py
runs generated flows to hold lint and runner to that).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExprError, VoiceQAError
from . import expr
from .model import Collect, Condition, Flow, Goto, Hangup, Menu, Play, Return, SetVars, Transfer, edges

MAX_OPTIONS = 5
ELDERLY_MAX_PROMPT = 40  # characters: about 13 s at an elderly caller's pace
TERMINAL = (Transfer, Hangup, Return)
AUTOMATIC = (Play, SetVars, Condition, Goto)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    code: str
    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.code}: {self.node}: {self.message}"


def _successors(flow: Flow) -> dict[str, list[str]]:
    out = {n: [t for _, t in edges(node) if t] for n, node in flow.nodes.items()}
    if flow.globals.agent:
        for n, node in flow.nodes.items():
            if isinstance(node, (Menu, Collect)):  # "转人工" is heard in menus and collects
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
    starts = []
    for node in flow.nodes.values():
        if isinstance(node, Condition):
            for b in node.branches:
                try:
                    if ("profile", "elderly", True) in expr.referenced_flags(b.when):
                        starts.append(b.next)
                except ExprError:
                    pass
    return _reachable(flow, succ, starts)


def _subflow_path(flows_dir: Path, name: str) -> Path:
    return flows_dir / (name if name.endswith(".yaml") else f"{name}.yaml")


def _load_subflows(flow: Flow, flows_dir: Path | None, seen: dict[str, Flow | VoiceQAError] | None = None):
    """Every sub-flow reachable through ``goto flow:`` (recursively): name -> Flow or the error."""
    from .loader import load_flow

    seen = {} if seen is None else seen
    if flows_dir is None:
        return seen
    for node in flow.nodes.values():
        if isinstance(node, Goto) and node.flow and node.flow not in seen:
            try:
                seen[node.flow] = load_flow(_subflow_path(flows_dir, node.flow))
            except VoiceQAError as exc:
                seen[node.flow] = exc
                continue
            _load_subflows(seen[node.flow], flows_dir, seen)
    return seen


def variable_types(flow: Flow, subflows: dict) -> dict[str, str]:
    """Every variable the flow (or a sub-flow it calls) can set, with its type (``any`` when
    different places set different types)."""
    found: dict[str, set[str]] = {}

    def add(name: str, t: str) -> None:
        found.setdefault(name, set()).add(t)

    def visit(f: Flow) -> None:
        for k, v in f.variables.items():
            add(k, expr.type_of(v))
        for node in f.nodes.values():
            if isinstance(node, SetVars):
                for k, v in node.values.items():
                    add(k, expr.type_of(v))
            elif isinstance(node, Collect):
                add(node.variable, "str")

    visit(flow)
    for sub in subflows.values():
        if isinstance(sub, Flow):
            visit(sub)
    out = {}
    for k, ts in found.items():
        out[k] = ts.pop() if len(ts) == 1 else ("float" if ts <= {"int", "float"} else "any")
    return out


def _can_return(sub: Flow) -> bool:
    succ = _successors(sub)
    return any(isinstance(sub.nodes[n], Return) for n in _reachable(sub, succ, [sub.start]))


def _auto_cycles(flow: Flow) -> set[str]:
    """Nodes on a cycle made only of automatic nodes (play/set/condition/goto in this flow):
    the runner would loop without ever asking the caller."""
    auto = {n for n, node in flow.nodes.items() if isinstance(node, AUTOMATIC) and not (isinstance(node, Goto) and node.flow)}
    succ = {n: [t for _, t in edges(flow.nodes[n]) if t in auto] for n in auto}
    on_cycle: set[str] = set()
    for n in auto:  # small graphs: a DFS from each node is enough
        todo, seen = list(succ[n]), set()
        while todo:
            m = todo.pop()
            if m == n:
                on_cycle.add(n)
                break
            if m not in seen:
                seen.add(m)
                todo.extend(succ[m])
    return on_cycle


def lint(flow: Flow, flows_dir: Path | str | None = None) -> list[Finding]:
    """Findings for ``flow``; ``flows_dir`` (the flow file's folder) lets sub-flows be checked."""
    flows_dir = Path(flows_dir) if flows_dir is not None else None
    out: list[Finding] = []
    succ = _successors(flow)
    subflows = _load_subflows(flow, flows_dir)
    var_types = variable_types(flow, subflows)
    profile_types = dict(flow.profile) or None
    g = flow.globals
    if "intent_threshold" in flow.model_fields_set:
        out.append(Finding("warning", "deprecated", "flow", "intent_threshold is no longer used; meaning_threshold "
                           "(a cosine for the flow's encoder) replaces it, default: the encoder's calibration"))
    if g.agent and g.agent.next not in flow.nodes:
        out.append(Finding("error", "missing-target", "globals", f"agent goes to {g.agent.next!r}, which does not exist"))
    for n, node in flow.nodes.items():
        for label, target in edges(node):
            if target not in flow.nodes:
                out.append(Finding("error", "missing-target", n, f"{label} goes to {target!r}, which does not exist"))
        if isinstance(node, Goto):
            out += _lint_goto(n, node, flows_dir, subflows)
        if isinstance(node, Condition):
            for b in node.branches:
                try:
                    problems = expr.check(b.when, var_types, profile_types)
                except ExprError as exc:
                    out.append(Finding("error", "bad-condition", n, str(exc)))
                    continue
                out += [Finding("error", "bad-condition", n, p) for p in problems]
        if isinstance(node, Menu):
            out += _lint_menu(n, node, flow)
        if isinstance(node, Collect):
            out += _lint_collect(n, node)
    reach = _reachable(flow, succ, [flow.start])
    out += _lint_prompt_variables(flow, var_types, subflows, reach)
    for n in flow.nodes:
        if n not in reach:
            out.append(Finding("error", "unreachable", n, "no path from the start node reaches it"))
    for n in sorted(_auto_cycles(flow) & reach):
        out.append(Finding("error", "loop-without-input", n, "a loop of play/set/condition/goto nodes never waits for the caller"))
    # nodes from which no call can end: no terminal node (or sub-flow) reachable
    can_finish = {n for n, node in flow.nodes.items() if isinstance(node, TERMINAL) or (isinstance(node, Goto) and node.flow)}
    changed = True
    while changed:
        changed = False
        for n in flow.nodes:
            if n not in can_finish and any(t in can_finish for t in succ.get(n, [])):
                can_finish.add(n)
                changed = True
    for n in sorted(reach - can_finish):
        kind = "loop-without-exit" if succ.get(n) else "dead-end"
        out.append(Finding("error", kind, n, "no transfer, hangup or return can be reached from here"))
    for n in sorted(_elderly_nodes(flow, succ)):
        node = flow.nodes[n]
        text = getattr(node, "prompt_elderly", None) or getattr(node, "prompt", None)
        if isinstance(node, (Menu, Collect, Play)) and text and len(text) > ELDERLY_MAX_PROMPT:
            out.append(Finding("warning", "elderly-prompt-too-long", n, f"{len(text)} characters on the elderly path (max {ELDERLY_MAX_PROMPT})"))
    return sorted(set(out), key=lambda f: (f.level != "error", f.node, f.code, f.message))


def _prompt_texts(node) -> list[tuple[str, str, set[str]]]:
    """(what, text, names it may use besides variables) for every prompt a node can play."""
    out = [("prompt", getattr(node, "prompt", None) or "", set()),
           ("prompt_elderly", getattr(node, "prompt_elderly", None) or "", set())]
    if isinstance(node, Collect):
        if node.confirm:
            out.append(("confirm", node.confirm, {"value", node.variable}))
        out.append(("invalid_prompt", node.invalid_prompt, set()))
    if isinstance(node, Menu):
        out += [("reprompt", t, set()) for t in node.reprompts.no_input + node.reprompts.no_match]
    return [(w, t, extra) for w, t, extra in out if t]


def _must_set(flow: Flow, subflows: dict) -> dict[str, set[str]]:
    """Per node: the variables set on every path from the start to it (a collect sets its
    variable on its success edge only; a sub-flow call is assumed to set what the sub-flow sets)."""
    everything = set(variable_types(flow, subflows))
    sub_vars = {name: set(variable_types(sub, {})) for name, sub in subflows.items() if isinstance(sub, Flow)}
    into: dict[str, set[str]] = {n: set(everything) for n in flow.nodes}
    into[flow.start] = set(flow.variables)
    agent = flow.globals.agent.next if flow.globals.agent else None
    changed = True
    while changed:
        changed = False
        for n, node in flow.nodes.items():
            have = into[n]
            outs = []
            for label, t in edges(node):
                gen = set()
                if isinstance(node, SetVars):
                    gen = set(node.values)
                elif isinstance(node, Collect) and label == "success":
                    gen = {node.variable}
                elif isinstance(node, Goto) and node.flow and label == "resume":
                    gen = sub_vars.get(node.flow, set())
                outs.append((t, have | gen))
            if agent and isinstance(node, (Menu, Collect)):
                outs.append((agent, have))
            for t, v in outs:  # the start keeps the flow's own variables (nothing is ever unset)
                if t in into and t != flow.start and not into[t] <= v:
                    into[t] &= v
                    changed = True
    return into


def _lint_prompt_variables(flow: Flow, var_types: dict, subflows: dict, reach: set[str]) -> list[Finding]:
    """``{name}`` in a prompt that nothing sets (error-free but played as empty), that is not set
    on every path to the node, or ``{value}`` outside a collect's confirmation."""
    out = []
    must = _must_set(flow, subflows)
    for n, node in flow.nodes.items():
        for what, text, extra in _prompt_texts(node):
            for name in _PLACEHOLDER.findall(text):
                if name in extra or name.startswith("profile_"):
                    continue
                if name == "value":
                    out.append(Finding("warning", "unknown-variable", n, f"{what} uses {{value}}, which only a collect's confirm has"))
                elif name not in var_types:
                    out.append(Finding("warning", "unknown-variable", n, f"{what} uses {{{name}}}, which nothing sets"))
                elif n in reach and name not in must.get(n, set()):
                    out.append(Finding("warning", "unset-variable", n,
                                       f"{what} uses {{{name}}}, which is not set on every path to here (played as empty)"))
    return out


def _lint_goto(n: str, node: Goto, flows_dir: Path | None, subflows: dict) -> list[Finding]:
    if not node.flow:
        return [] if node.node else [Finding("error", "dead-end", n, "goto without node or flow")]
    if flows_dir is None:
        return [Finding("warning", "subflow-not-checked", n, f"sub-flow {node.flow} not checked (flows folder unknown)")]
    sub = subflows.get(node.flow)
    if isinstance(sub, VoiceQAError):
        return [Finding("error", "bad-subflow", n, f"sub-flow {node.flow}: {sub}")]
    out = []
    if node.node and node.node not in sub.nodes:
        out.append(Finding("error", "missing-target", n, f"sub-flow {node.flow} has no node {node.node!r}"))
    returns = _can_return(sub)
    if returns and not node.next:
        out.append(Finding("error", "dead-end", n, f"sub-flow {node.flow} returns but this goto has no `next:` to resume at"))
    if node.next and not returns:
        out.append(Finding("warning", "subflow-never-returns", n, f"sub-flow {node.flow} never returns, so `next: {node.next}` is never used"))
    return out


def _lint_menu(n: str, node: Menu, flow: Flow) -> list[Finding]:
    out = []
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
    for name in _PLACEHOLDER.findall(node.disambiguate):
        if name not in ("first", "second"):
            out.append(Finding("warning", "bad-placeholder", n, f"disambiguate prompt uses {{{name}}} (only {{first}} and {{second}})"))
    return out


def _lint_collect(n: str, node: Collect) -> list[Finding]:
    out = []
    v = node.validation
    if v.pattern:
        try:
            re.compile(v.pattern)
        except re.error as exc:
            out.append(Finding("error", "bad-pattern", n, f"validation pattern {v.pattern!r} does not compile ({exc})"))
    if v.min_length is not None and v.max_length is not None and v.min_length > v.max_length:
        out.append(Finding("error", "impossible-validation", n, f"min_length {v.min_length} > max_length {v.max_length}: nothing is ever valid"))
    if v.min_length is None and v.max_length is None and not v.pattern and not v.checksum:
        out.append(Finding("warning", "no-validation", n, "collect without validation accepts any input"))
    return out
