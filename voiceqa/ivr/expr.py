"""Safe evaluation of flow conditions: ``profile.vip``, ``vars.tries >= 2 and not hours.open``."""
from __future__ import annotations

import ast
import operator
from typing import Any

_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
ROOTS = ("profile", "vars", "hours")


class ExprError(ValueError):
    pass


def parse(expr: str) -> ast.Expression:
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"bad condition {expr!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in ROOTS + ("True", "False", "None"):
            raise ExprError(f"bad condition {expr!r}: unknown name {node.id!r} (use {', '.join(ROOTS)})")
        if isinstance(node, (ast.Call, ast.Lambda, ast.Subscript, ast.ListComp, ast.DictComp, ast.Await)):
            raise ExprError(f"bad condition {expr!r}: only names, comparisons and and/or/not are allowed")
    return tree


def evaluate(expr: str, scope: dict[str, dict[str, Any]]) -> bool:
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return scope.get(node.id, {}) if node.id in ROOTS else {"True": True, "False": False, "None": None}[node.id]
        if isinstance(node, ast.Attribute):
            base = ev(node.value)
            return base.get(node.attr) if isinstance(base, dict) else None
        if isinstance(node, ast.BoolOp):
            vals = (ev(v) for v in node.values)
            return all(vals) if isinstance(node.op, ast.And) else any(vals)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not ev(node.operand)
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            for op, right in zip(node.ops, node.comparators):
                r = ev(right)
                try:
                    if not _CMP[type(op)](left, r):
                        return False
                except TypeError:
                    return False
                left = r
            return True
        if isinstance(node, (ast.List, ast.Tuple)):
            return [ev(e) for e in node.elts]
        raise ExprError(f"unsupported expression: {ast.dump(node)}")

    return bool(ev(parse(expr)))


def referenced_flags(expr: str) -> list[tuple[str, str, Any]]:
    """What makes a simple condition true: (root, name, value) for terms like ``profile.vip``
    (True), ``not profile.elderly`` (False) and ``vars.level == 'gold'`` ('gold').
    Terms of other shapes are not listed (a path generator cannot satisfy them blindly)."""
    out: list[tuple[str, str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def attr(node) -> tuple[str, str] | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.value.id, node.attr
        return None

    def add(ref, value) -> None:
        if ref and ref not in seen:
            seen.add(ref)
            out.append((ref[0], ref[1], value))

    def visit(node) -> None:
        if isinstance(node, ast.Expression):
            visit(node.body)
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                visit(v)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(attr(node.operand), False)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq) \
                and isinstance(node.comparators[0], ast.Constant):
            add(attr(node.left), node.comparators[0].value)
        else:
            add(attr(node), True)

    visit(parse(expr))
    return out
