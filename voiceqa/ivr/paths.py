"""Enumerate a flow's distinct paths (loops bounded) and write one scenario per path."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import expr
from .model import Collect, Condition, Flow, Goto, Hangup, Menu, Return, SetVars, Transfer, edges

OPEN_TIME = "2026-11-23T10:00:00"  # a Monday morning
CLOSED_TIME = "2026-11-23T03:00:00"


@dataclass
class Path_:
    nodes: list[str]
    steps: list[dict] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    now: str | None = None
    end: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    assigned: dict[str, Any] = field(default_factory=dict)  # variables set by `set` nodes on the way


def luhn_complete(prefix: str) -> str:
    from stdnum import luhn

    return prefix + luhn.calc_check_digit(prefix)


def valid_value(node: Collect) -> str:
    v = node.validation
    if v.checksum == "mobile":
        return "13800138000"
    if v.checksum == "id_card":
        return "11010519491231002X"
    n = v.min_length or v.max_length or 6
    if v.checksum == "luhn":
        return luhn_complete(("6222021234567890123")[: n - 1])
    return ("1234567890" * 4)[:n]


def _reply_for_option(opt) -> dict:
    if opt.key:
        return {"dtmf": opt.key}
    return {"say": (opt.keywords or opt.examples or [opt.label])[0]}


def _constrain(path: Path_, flags: list[tuple[str, str, bool]]) -> bool:
    for root, name, value in flags:
        if root == "hours":
            if name != "open":
                return False
            want = OPEN_TIME if value else CLOSED_TIME
            if path.now not in (None, want):
                return False
            path.now = want
            continue
        target = path.profile if root == "profile" else path.variables
        if target.get(name, value) != value:
            return False
        target[name] = value
    return True


def _negate(value: Any) -> Any:
    """A value that makes ``x == value`` false: the opposite boolean, or unset for literals."""
    return (not value) if isinstance(value, bool) else None


def _known(flow: Flow, p: Path_, when: str) -> bool | None:
    """The branch's value if every variable it reads was set on this path, else None."""
    refs = expr.referenced_flags(when)
    if not refs or any(root != "vars" or name not in p.assigned for root, name, _ in refs):
        return None
    return expr.evaluate(when, {"vars": {**flow.variables, **p.assigned}, "profile": p.profile, "hours": {}})


def enumerate_paths(flow: Flow, max_paths: int = 1000, max_visits: int = 1, flows_dir=None) -> list[Path_]:
    """Every distinct path from the start, each node at most ``max_visits`` times per path;
    sub-flows (``goto: flow``) are entered when ``flows_dir`` is given."""
    out: list[Path_] = []

    def copy(p: Path_) -> Path_:
        return Path_(list(p.nodes), [dict(s) for s in p.steps], dict(p.profile), dict(p.variables), p.now, dict(p.end), list(p.labels), dict(p.assigned))

    def walk(node_id: str, p: Path_) -> None:
        if len(out) >= max_paths:
            return
        if node_id not in flow.nodes:
            p.end = {"outcome": "error"}
            out.append(p)
            return
        if p.nodes.count(node_id) >= max_visits:
            p.end = {"loop_to": node_id}
            out.append(p)
            return
        p.nodes.append(node_id)
        node = flow.nodes[node_id]
        if isinstance(node, Transfer):
            p.end = {"outcome": "transfer", "queue": node.queue}
            out.append(p)
            return
        if isinstance(node, Hangup):
            p.end = {"outcome": "hangup", "resolved": node.resolved}
            out.append(p)
            return
        if isinstance(node, Return):
            p.end = {"outcome": "return"}
            out.append(p)
            return
        if isinstance(node, Goto) and node.flow:
            if flows_dir is None:
                p.end = {"subflow": node.flow}
                out.append(p)
                return
            from .loader import load_flow

            sub = load_flow(flows_dir / f"{node.flow.removesuffix('.yaml')}.yaml")
            for sp in enumerate_paths(sub, max_paths, max_visits, flows_dir):
                q = copy(p)
                if not (_constrain(q, [("profile", k, v) for k, v in sp.profile.items()])
                        and (sp.now is None or q.now in (None, sp.now))):
                    continue
                q.now = q.now or sp.now
                q.steps.extend(sp.steps)
                q.labels.extend(f"{sub.name}/{lab}" for lab in sp.labels)
                q.assigned.update(sp.assigned)
                if sp.end.get("outcome") == "return" and node.next:
                    walk(node.next, q)
                else:
                    q.end = sp.end
                    out.append(q)
            return
        if isinstance(node, Menu):
            for opt in node.options:
                q = copy(p)
                q.steps.append({"reply": _reply_for_option(opt)})
                q.labels.append(f"{node_id}:{opt.key or opt.intent or opt.label}")
                walk(opt.next, q)
            if node.fallback:
                q = copy(p)
                q.steps.extend({"reply": {"silence": True}} for _ in range(node.max_no_input))
                q.labels.append(f"{node_id}:fallback")
                walk(node.fallback.next, q)
            return
        if isinstance(node, Collect):
            q = copy(p)
            q.steps.append({"reply": {"dtmf": valid_value(node)}})
            if node.confirm:
                q.steps.append({"reply": {"dtmf": "1"}})
            q.labels.append(f"{node_id}:success")
            walk(node.on_success.next, q)
            q = copy(p)
            q.steps.extend({"reply": {"silence": True}} for _ in range(node.max_attempts))
            q.labels.append(f"{node_id}:failure")
            walk(node.on_failure.next, q)
            return
        if isinstance(node, Condition):
            earlier: list[tuple[str, str, bool]] = []
            for b in node.branches:
                known = _known(flow, p, b.when)
                if known is not None:  # decided by variables set earlier on this path
                    if known:
                        q = copy(p)
                        q.labels.append(f"{node_id}:{b.when}")
                        walk(b.next, q)
                        return
                    continue
                q = copy(p)
                wanted = expr.referenced_flags(b.when)
                negated_earlier = [(r, n, _negate(v)) for r, n, v in earlier if (r, n) not in {(r2, n2) for r2, n2, _ in wanted}]
                if _constrain(q, negated_earlier) and _constrain(q, wanted):
                    q.labels.append(f"{node_id}:{b.when}")
                    walk(b.next, q)
                earlier.extend(wanted)
            q = copy(p)
            if _constrain(q, [(r, n, _negate(v)) for r, n, v in earlier]):
                q.labels.append(f"{node_id}:default")
                walk(node.default.next, q)
            return
        q = copy(p)
        if isinstance(node, SetVars):
            q.assigned.update(node.values)
        for _, target in edges(node):  # play, set, goto within the flow
            walk(target, q)
            return

    walk(flow.start, Path_([]))
    return out


def scenarios_for(flow: Flow, paths: list[Path_]) -> dict:
    scenarios = []
    for i, p in enumerate(paths, 1):
        sc: dict[str, Any] = {"name": f"path {i}: {' > '.join(p.labels) or flow.start}"}
        if p.profile:
            sc["profile"] = p.profile
        if p.variables:
            sc["variables"] = p.variables
        if p.now:
            sc["now"] = p.now
        sc["steps"] = p.steps
        end = {k: v for k, v in p.end.items() if k in ("outcome", "queue", "resolved")}
        end["visited"] = p.nodes[-3:]
        sc["expect_end"] = end
        scenarios.append(sc)
    return {"flow": f"{flow.name}.yaml", "scenarios": scenarios}
