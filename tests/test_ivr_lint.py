"""Lint catches every dead end, with the runner's own expression grammar; a flow that lints
clean never ends in an error (generated flows, run with random callers)."""
from __future__ import annotations

import random

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.errors import ExprError
from voiceqa.ivr import expr
from voiceqa.ivr.lint import lint
from voiceqa.ivr.model import Flow
from voiceqa.ivr.runner import CallerInput, FlowRunner

cli = CliRunner()


def flow_of(text: str) -> Flow:
    return Flow.model_validate(yaml.safe_load(text))


def codes(flow: Flow, flows_dir=None) -> set[tuple[str, str]]:
    return {(f.code, f.node) for f in lint(flow, flows_dir) if f.level == "error"}


BASE = """
name: t
start: m
variables: {tries: 0, level: gold}
globals: {agent: {next: AGENT}}
nodes:
  m:
    type: menu
    prompt: 请选择。
    options: [{key: "1", next: c}]
    fallback: {next: agent}
  c:
    type: condition
    branches: [{when: "WHEN", next: bye}]
    default: {next: agent}
  bye: {type: hangup}
  agent: {type: transfer, queue: general}
"""


def base(agent="agent", when="vars.tries >= 1") -> Flow:
    return flow_of(BASE.replace("AGENT", agent).replace("WHEN", when))


def test_clean_base_flow():
    assert codes(base()) == set()


def test_old_intent_threshold_loads_but_is_reported():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        flow = flow_of(BASE.replace("AGENT", "agent").replace("WHEN", "vars.tries > 1") + "intent_threshold: 0.6\n")
        assert any(f.code == "deprecated" for f in lint(flow))
    assert FlowRunner(flow)._matcher().threshold > 0.6  # not taken as a cosine threshold


def test_global_agent_target_missing_is_an_error_and_really_fails_at_runtime():
    flow = base(agent="ghost")
    assert ("missing-target", "globals") in codes(flow)
    r = FlowRunner(flow)
    r.start()
    r.send(CallerInput("dtmf", "0"))
    assert r.s.outcome.type == "error"  # what lint warned about


@pytest.mark.parametrize("when,problem", [
    ("vars.tries + 1 >= 3", None),  # declared int: fine
    ("vars.retries + 1 >= 3", "vars.retries is never set"),
    ("vars.level + 1 >= 3", "cannot add str and int"),
    ("vars.level > 3", "cannot order str and int"),
    ("hours.opened", "hours.opened does not exist"),
    ("profile.vip(1)", "call is not allowed"),
    ("vars.tries >=", "invalid syntax"),
    ("__import__('os')", "not allowed"),
    ("vars.tries in 3", "`in` needs a list or text"),
])
def test_conditions_checked_with_the_runner_grammar_and_types(when, problem):
    found = [f.message for f in lint(base(when=when)) if f.code == "bad-condition"]
    if problem is None:
        assert found == []
        assert expr.evaluate(when, {"vars": {"tries": 2}}) is True
    else:
        assert any(problem in m for m in found), found


def test_declared_profile_fields_are_type_checked():
    flow = flow_of(BASE.replace("AGENT", "agent").replace("WHEN", "profile.age > 60 and profile.vipp") + "profile: {age: int, vip: bool}\n")
    msgs = [f.message for f in lint(flow) if f.code == "bad-condition"]
    assert len(msgs) == 1 and "profile.vipp is not a declared profile field" in msgs[0]  # profile.age is fine


def test_expression_errors_are_voiceqa_errors_not_value_errors():
    with pytest.raises(ExprError):
        expr.parse("profile.vip(")
    assert not issubclass(ExprError, ValueError)
    # at runtime a type mismatch makes the branch false, it does not crash the call
    assert expr.evaluate("vars.level + 1 >= 3", {"vars": {"level": "gold"}}) is False


def test_lint_cli_reports_a_malformed_expression_as_a_finding(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_text(BASE.replace("AGENT", "agent").replace("WHEN", "vars.tries + "), encoding="utf-8")
    result = cli.invoke(app, ["ivr", "lint", str(p)])
    assert result.exit_code == 1 and "bad-condition" in result.stdout and "Traceback" not in result.stdout


SUB_MAIN = """
name: main
start: g
globals: {agent: {next: agent}}
nodes:
  g: {type: goto, flow: SUB, NEXT}
  after:
    type: condition
    branches: [{when: vars.verified, next: bye}]
    default: {next: agent}
  bye: {type: hangup}
  agent: {type: transfer, queue: general}
"""
SUB_OK = """
name: sub
start: pick
nodes:
  pick:
    type: menu
    prompt: 验证请按1。
    options: [{key: "1", label: 验证, keywords: [验证], next: ask}]
    fallback: {next: done}
  ask:
    type: collect
    prompt: 请输入四位数字。
    variable: pin
    validation: {min_length: 4, max_length: 4}
    on_success: {next: ok}
    on_failure: {next: done}
  ok: {type: set, values: {verified: true}, next: done}
  done: {type: return}
"""
SUB_NORETURN = "name: sub2\nstart: h\nnodes:\n  h: {type: hangup}\n"


def test_subflows_exist_load_and_return(tmp_path):
    (tmp_path / "sub.yaml").write_text(SUB_OK, encoding="utf-8")
    (tmp_path / "sub2.yaml").write_text(SUB_NORETURN, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("name: b\nstart: x\nnodes: {x: {type: nope}}\n", encoding="utf-8")
    ok = flow_of(SUB_MAIN.replace("SUB", "sub").replace("NEXT", "next: after"))
    assert codes(ok, tmp_path) == set()  # vars.verified is set by the sub-flow
    missing = flow_of(SUB_MAIN.replace("SUB", "nosuch").replace("NEXT", "next: after"))
    assert ("bad-subflow", "g") in codes(missing, tmp_path)
    assert ("bad-subflow", "g") in codes(flow_of(SUB_MAIN.replace("SUB", "broken").replace("NEXT", "next: after")), tmp_path)
    no_resume = flow_of(SUB_MAIN.replace("SUB", "sub").replace("NEXT", "node: ask"))
    assert ("dead-end", "g") in codes(no_resume, tmp_path)
    never = [f for f in lint(flow_of(SUB_MAIN.replace("SUB", "sub2").replace("NEXT", "next: after")), tmp_path)]
    assert any(f.code == "subflow-never-returns" for f in never)
    bad_node = flow_of(SUB_MAIN.replace("SUB", "sub").replace("NEXT", "node: nowhere, next: after"))
    assert ("missing-target", "g") in codes(bad_node, tmp_path)
    # the runner agrees: a missing sub-flow ends the call in error, not in a traceback
    r = FlowRunner(missing, flows_dir=tmp_path)
    r.start()
    assert r.s.outcome.type == "error"
    # and the CLI checks sub-flows next to the flow file
    p = tmp_path / "main.yaml"
    p.write_text(SUB_MAIN.replace("SUB", "nosuch").replace("NEXT", "next: after"), encoding="utf-8")
    result = cli.invoke(app, ["ivr", "lint", str(p)])
    assert result.exit_code == 1 and "bad-subflow" in result.stdout


def test_collect_checks_loops_and_fallbacks():
    flow = flow_of("""
name: c
start: a
nodes:
  a:
    type: collect
    prompt: 请输入。
    variable: x
    validation: {pattern: "\\\\d+"}
    on_success: {next: p1}
    on_failure: {next: m}
  p1: {type: play, prompt: 好的, next: p2}
  p2: {type: set, values: {y: 1}, next: p1}
  m:
    type: menu
    prompt: 请选择。
    options: [{key: "1", next: free}]
  free:
    type: collect
    prompt: 请说。
    variable: z
    validation: {min_length: 5, max_length: 2}
    on_success: {next: bye}
    on_failure: {next: bye}
  bye: {type: hangup}
""")
    found = {(f.level, f.code, f.node) for f in lint(flow)}
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        flow_of("name: b\nstart: a\nnodes:\n  a: {type: collect, prompt: 说, variable: v, validation: {pattern: '(\\\\d'}, "
                "on_success: {next: h}, on_failure: {next: h}}\n  h: {type: hangup}\n")
    assert ("error", "loop-without-input", "p1") in found and ("error", "loop-without-input", "p2") in found
    assert ("warning", "no-fallback", "m") in found
    assert ("error", "impossible-validation", "free") in found
    bare = flow_of("name: b\nstart: a\nnodes:\n  a: {type: collect, prompt: 说, variable: v, on_success: {next: h}, on_failure: {next: h}}\n  h: {type: hangup}\n")
    assert ("warning", "no-validation", "a") in {(f.level, f.code, f.node) for f in lint(bare)}


# ---------------------------------------------------------------- lint and runner agree
CONDITIONS = ["profile.vip", "not hours.open", "vars.n + 1 >= 3", "vars.s == 'a'", "vars.s + 1 > 2", "vars.undeclared",
              "profile.vip and vars.n < 2", "vars.n >", "vars.s in ['a', 'b']", "hours.nope", "vars.n / 0 > 1"]
SAYS = ["一", "二", "按三", "转人工", "不要人工", "对", "不对", "幺二三四", "1234", "甲", "乙", "今天天气不错", "返回", "重听"]


def random_flow(rng: random.Random) -> dict:
    n = rng.randint(3, 9)
    names = [f"n{i}" for i in range(n)]

    def target():
        return rng.choice(names) if rng.random() > 0.03 else "ghost"

    nodes = {}
    for name in names:
        kind = rng.choice(["menu", "menu", "collect", "play", "set", "condition", "transfer", "hangup", "goto", "goto_sub"])
        if kind == "menu":
            opts = [{"key": str(k), "label": lab, "keywords": [lab], "next": target()}
                    for k, lab in zip(range(1, rng.randint(2, 4)), ["甲", "乙", "丙"])]
            node = {"type": "menu", "prompt": "请选择", "options": opts, "max_no_match": 2, "max_no_input": 2}
            if rng.random() < 0.8:
                node["fallback"] = {"next": target()}
        elif kind == "collect":
            node = {"type": "collect", "prompt": "请输入", "variable": "s", "max_attempts": 2,
                    "validation": {"min_length": 4, "max_length": 4, "pattern": rng.choice(["\\d{4}", "(\\d", "\\d+"])},
                    "confirm": rng.choice([None, "是{value}吗"]), "on_success": {"next": target()}, "on_failure": {"next": target()}}
        elif kind == "play":
            node = {"type": "play", "prompt": "提示", "next": target()}
        elif kind == "set":
            node = {"type": "set", "values": {rng.choice(["n", "s"]): rng.choice([1, "a"])}, "next": target()}
        elif kind == "condition":
            node = {"type": "condition", "branches": [{"when": rng.choice(CONDITIONS), "next": target()}], "default": {"next": target()}}
        elif kind == "goto":
            node = {"type": "goto", "node": target()} if rng.random() > 0.1 else {"type": "goto"}
        elif kind == "goto_sub":
            node = {"type": "goto", "flow": rng.choice(["sub", "sub", "nosub"]), **({"next": target()} if rng.random() > 0.2 else {})}
        elif kind == "transfer":
            node = {"type": "transfer", "queue": "q"}
        else:
            node = {"type": "hangup"}
        nodes[name] = node
    flow = {"name": "gen", "start": "n0", "variables": {"n": 0}, "nodes": nodes}
    if rng.random() < 0.7:
        flow["globals"] = {"agent": {"next": target()}}
    # drop nodes nothing reaches (lint calls them errors, but they cannot hurt a caller), so
    # that the other defects decide whether the flow lints clean
    try:
        f = Flow.model_validate(flow)
    except ValidationError:
        return flow
    from voiceqa.ivr.lint import _reachable, _successors

    keep = _reachable(f, _successors(f), [f.start])
    flow["nodes"] = {k: v for k, v in nodes.items() if k in keep}
    return flow


def run_randomly(flow: Flow, rng: random.Random, flows_dir) -> str:
    r = FlowRunner(flow, profile=rng.choice([{}, {"vip": True}]), flows_dir=flows_dir)
    try:
        r.start()
        for _ in range(25):
            if r.ended:
                break
            x = rng.random()
            if x < 0.2:
                inp = CallerInput("silence")
            elif x < 0.6:
                inp = CallerInput("dtmf", rng.choice(["1", "2", "3", "0", "*", "#", "1234", "9"]))
            else:
                inp = CallerInput("say", rng.choice(SAYS))
            r.send(inp)
    except Exception as exc:  # noqa: BLE001 - any crash counts against the flow
        return f"exception {type(exc).__name__}: {exc}"
    return r.s.outcome.type if r.s.outcome else "running"


def test_a_flow_that_lints_clean_never_ends_in_an_error(tmp_path):
    (tmp_path / "sub.yaml").write_text(SUB_OK, encoding="utf-8")
    rng = random.Random(12)
    clean = dirty_errors = rejected = 0
    for i in range(400):
        data = random_flow(rng)
        try:
            flow = Flow.model_validate(data)
        except ValidationError:
            rejected += 1  # e.g. a pattern that does not compile: the loader refuses the file
            continue
        errors = [f for f in lint(flow, tmp_path) if f.level == "error"]
        outcomes = [run_randomly(flow, random.Random(i * 7 + k), tmp_path) for k in range(4)]
        failed = [o for o in outcomes if o == "error" or o.startswith("exception")]
        if not errors:
            clean += 1
            assert not failed, (yaml.safe_dump(data, allow_unicode=True), outcomes)
        elif failed:
            dirty_errors += 1
    print(f"generated flows: {clean} lint clean, {dirty_errors} with lint errors that fail at runtime, {rejected} rejected by the loader")
    # the generator makes both kinds, and lint's errors are real (not a rubber stamp)
    assert clean >= 40 and dirty_errors >= 40 and rejected > 0, (clean, dirty_errors, rejected)


@pytest.mark.parametrize("node, field, value", [
    ("m", "timeout_s", -1), ("m", "timeout_s", 0), ("m", "max_no_input", 0), ("m", "max_no_match", -2),
    ("coll", "max_attempts", 0), ("coll", "timeout_s", -1), ("coll", "validation", {"max_length": 0}),
])
def test_impossible_limits_are_lint_errors_naming_the_field(tmp_path, node, field, value):
    data = yaml.safe_load(BASE.replace("AGENT", "agent").replace("WHEN", "vars.tries >= 1"))
    data["nodes"]["coll"] = {"type": "collect", "prompt": "请输入卡号。", "variable": "card",
                             "validation": {"min_length": 4}, "on_success": {"next": "bye"}, "on_failure": {"next": "agent"}}
    data["nodes"]["m"]["options"].append({"key": "2", "next": "coll"})
    data["nodes"][node][field] = value
    p = tmp_path / "f.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = cli.invoke(app, ["ivr", "lint", str(p)])
    out = result.stdout + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code != 0 and "Traceback" not in out
    assert field in out and str(p.name) in out
    assert len([ln for ln in out.splitlines() if ln.strip()]) == 1  # one line
    # the same values are refused by the JSON schema that editors use
    import json
    from pathlib import Path
    schema = json.loads((Path(__file__).parents[1] / "ivr_flows/flow.schema.json").read_text(encoding="utf-8"))
    kind = "Menu" if node == "m" else "Collect"
    prop = schema["$defs"][kind]["properties"][field] if field != "validation" else schema["$defs"]["Validation"]["properties"]["max_length"]
    assert any(k in json.dumps(prop) for k in ("minimum", "exclusiveMinimum"))
