"""Flow conditions: one small grammar, one evaluator, one type checker.

    profile.vip and hours.open
    vars.tries + 1 >= 3
    vars.level in ['gold', 'platinum'] and not profile.elderly

Allowed: ``profile.NAME``, ``vars.NAME``, ``hours.open`` / ``hours.holiday``, literals (numbers,
strings, True/False/None, lists), ``and`` / ``or`` / ``not``, comparisons (== != < <= > >= in,
not in) and arithmetic (+ - * / %). :func:`parse` rejects anything else, so what lint accepts
is exactly what the runner evaluates. :func:`evaluate` never raises on values (an operation on
the wrong types makes the condition false); :func:`check` reports such operations before the
call, from the declared types of ``vars.*`` and ``profile.*``.
"""
from __future__ import annotations

import ast
import operator
from typing import Any

from ..errors import ExprError

__all__ = ["ExprError", "ROOTS", "parse", "evaluate", "check", "referenced_flags", "type_of"]

ROOTS = ("profile", "vars", "hours")
HOURS_FIELDS = {"open": "bool", "holiday": "bool"}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Mod: operator.mod}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.BinOp, ast.Compare,
            ast.Name, ast.Attribute, ast.Constant, ast.List, ast.Tuple, ast.Load, *_ARITH, *_CMP)


class _Undefined(Exception):
    """A value-level failure during evaluation (wrong types, division by zero)."""


def parse(expr: str) -> ast.Expression:
    """The condition's syntax tree; :class:`ExprError` when it is outside the grammar."""
    if not isinstance(expr, str) or not expr.strip():
        raise ExprError(f"bad condition {expr!r}: empty")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"bad condition {expr!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExprError(f"bad condition {expr!r}: {type(node).__name__.lower()} is not allowed "
                            "(only names, literals, comparisons, arithmetic and and/or/not)")
        if isinstance(node, ast.Name) and node.id not in ROOTS + ("True", "False", "None"):
            raise ExprError(f"bad condition {expr!r}: unknown name {node.id!r} (use {', '.join(ROOTS)})")
        if isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name) and node.value.id in ROOTS):
            raise ExprError(f"bad condition {expr!r}: only {', '.join(r + '.NAME' for r in ROOTS)} can be read")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise ExprError(f"bad condition {expr!r}: literal {node.value!r} is not allowed")
    return tree


def evaluate(expr: str, scope: dict[str, dict[str, Any]]) -> bool:
    """True/False for the caller's ``scope`` ({profile, vars, hours}); an operation on values of
    the wrong type makes the whole condition False (lint reports those beforehand)."""
    tree = parse(expr)

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
            if isinstance(node.op, ast.And):
                return all(ev(v) for v in node.values)
            return any(ev(v) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return not v
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _Undefined
            return -v
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
                raise _Undefined
            try:
                return _ARITH[type(node.op)](a, b)
            except (TypeError, ZeroDivisionError, ValueError):
                raise _Undefined from None
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            for op, right in zip(node.ops, node.comparators):
                r = ev(right)
                try:
                    if not _CMP[type(op)](left, r):
                        return False
                except TypeError:
                    raise _Undefined from None
                left = r
            return True
        if isinstance(node, (ast.List, ast.Tuple)):
            return [ev(e) for e in node.elts]
        raise ExprError(f"bad condition {expr!r}: {type(node).__name__.lower()} is not allowed")  # parse() prevents this

    try:
        return bool(ev(tree))
    except _Undefined:
        return False


def type_of(value: Any) -> str:
    """The checker's name for a Python value's type."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "none"
    return "any"


_NUM = ("int", "float")


def check(expr: str, var_types: dict[str, str], profile_types: dict[str, str] | None = None) -> list[str]:
    """Type problems of a condition that parses. ``var_types``: every variable the flow sets
    (name -> int/float/str/bool/any); ``profile_types``: declared profile fields, or None when
    the flow declares none (then ``profile.*`` is not checked)."""
    tree = parse(expr)
    problems: list[str] = []

    def bad(msg: str) -> str:
        problems.append(f"condition {expr!r}: {msg}")
        return "any"

    def t(node) -> str:
        if isinstance(node, ast.Expression):
            return t(node.body)
        if isinstance(node, ast.Constant):
            return type_of(node.value)
        if isinstance(node, ast.Name):
            if node.id in ROOTS:
                return bad(f"`{node.id}` alone is not a value (use {node.id}.NAME)")
            return "bool" if node.id in ("True", "False") else "none"
        if isinstance(node, ast.Attribute):
            root, name = node.value.id, node.attr
            if root == "hours":
                return HOURS_FIELDS.get(name) or bad(f"hours.{name} does not exist (hours.open, hours.holiday)")
            if root == "vars":
                if name not in var_types:
                    return bad(f"vars.{name} is never set (declare it under `variables:` or set it with a set/collect node)")
                return var_types[name]
            if profile_types:
                if name not in profile_types:
                    return bad(f"profile.{name} is not a declared profile field ({', '.join(sorted(profile_types))})")
                return profile_types[name]
            return "any"
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                t(v)
            return "bool"
        if isinstance(node, ast.UnaryOp):
            a = t(node.operand)
            if isinstance(node.op, ast.Not):
                return "bool"
            if a not in _NUM + ("any",):
                return bad(f"cannot negate a {a}")
            return a
        if isinstance(node, ast.BinOp):
            a, b = t(node.left), t(node.right)
            op = type(node.op).__name__.lower()
            if a == "any" or b == "any":
                return "any" if "none" not in (a, b) and "bool" not in (a, b) else bad(f"cannot {op} {a} and {b}")
            if a in _NUM and b in _NUM:
                return "float" if "float" in (a, b) or isinstance(node.op, ast.Div) else "int"
            if isinstance(node.op, ast.Add) and a == b == "str":
                return "str"
            return bad(f"cannot {op} {a} and {b}")
        if isinstance(node, ast.Compare):
            left = t(node.left)
            for op, right in zip(node.ops, node.comparators):
                r = t(right)
                if isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
                    ok = "any" in (left, r) and "none" not in (left, r) or (left in _NUM and r in _NUM) or left == r == "str"
                    if not ok:
                        bad(f"cannot order {left} and {r} (the comparison is never true)")
                elif isinstance(op, (ast.In, ast.NotIn)):
                    if r not in ("list", "str", "any") or (r == "str" and left not in ("str", "any")):
                        bad(f"`in` needs a list or text on the right, not {r}")
                else:
                    kinds = {("num" if x in _NUM else x) for x in (left, r)}
                    if "any" not in kinds and "none" not in kinds and len(kinds) > 1:
                        bad(f"{left} compared with {r} is never equal")
                left = r
            return "bool"
        if isinstance(node, (ast.List, ast.Tuple)):
            for e in node.elts:
                t(e)
            return "list"
        return bad(f"{type(node).__name__.lower()} is not allowed")

    t(tree)
    return problems


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
