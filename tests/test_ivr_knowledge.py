"""Phrase knowledge (voiceqa/ivr/knowledge), confirmations that use the collect's own variable,
number corrections at a confirmation, lint of prompt variables, scenario checks of a running
call, and the flows written for issue 12 before tuning (tests/data/ivr_newflows)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from voiceqa.errors import FlowError
from voiceqa.ivr.knowledge import attach, attached_intents, load_knowledge, preload_vectors, prompt_part
from voiceqa.ivr.lint import lint
from voiceqa.ivr.loader import load_flow
from voiceqa.ivr.model import Flow
from voiceqa.ivr.runner import CallerInput, FlowRunner
from voiceqa.ivr.scenarios import ScenarioFile, load_scenarios, run_file
from voiceqa.ivr.understand import Matcher
from voiceqa.ivr.utterances import evaluate, load_set

from .conftest import REPO

DATA = REPO / "tests" / "data"
FLOWS = REPO / "ivr_flows"
NEW = DATA / "ivr_newflows"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher("e5")


def _runner(flow: Flow) -> FlowRunner:
    r = FlowRunner(flow)
    r.start()
    return r


# ---------------------------------------------------------------- the knowledge file
def test_knowledge_file_covers_common_intents():
    kn = load_knowledge()
    ids = {i.id for i in kn.intents}
    assert len(kn.intents) >= 50 and kn.version >= 1
    for needed in ("balance", "pay", "repair", "complaint", "agent", "card_loss", "refund", "ticket_change",
                   "logistics", "open_account", "outage_water", "gas_leak", "appointment", "social_security"):
        assert needed in ids
    assert all(len(i.phrases) >= 3 for i in kn.intents)
    assert {"weather", "chit_chat", "wrong_number"} <= {name for name, _ in kn.out_of_scope}


def test_bad_knowledge_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "intents.yaml"
    bad.write_text("version: 1\nintents:\n  pay: {phrases: []}\n", encoding="utf-8")
    with pytest.raises(FlowError) as e:
        load_knowledge(bad)
    assert str(bad) in str(e.value) and "no phrases" in str(e.value) and "\n" not in str(e.value)
    bad.write_text("intents: [", encoding="utf-8")
    with pytest.raises(FlowError, match="cannot read phrase knowledge"):
        load_knowledge(bad)


def test_prompt_part_names_the_option():
    p = "停水及管道报修请按1，水费缴纳和查询请按2，人工服务请按0。"
    assert prompt_part(p, "1") == "停水及管道报修" and prompt_part(p, "2") == "水费缴纳和查询"
    assert prompt_part(p, "3") == "" and prompt_part(p, None) == ""
    assert prompt_part("如需挂失请按12，查询请按1。", "1") == "查询"  # 12 is not 1


def test_intents_attach_to_the_options_that_offer_them(matcher):
    flow = load_flow(FLOWS / "credit_card.yaml")
    r = FlowRunner(flow)
    node = flow.nodes["main_menu"]
    got = attached_intents([c for c, _ in r._choices(node)], node.prompt, matcher)
    assert "card_loss" in got["lost"] and "credit_limit" in got["limit"] and "credit_bill" in got["bill"]
    assert got["agent"] == []  # a person is asked for by words, never by borrowed phrases
    assert not set(got["lost"]) & set(got["bill"])  # one intent, one option
    # a menu of department names shares no words with any intent: nothing is borrowed
    hosp = load_flow(DATA / "hospital_hotline.yaml")
    dept = hosp.nodes["dept_menu"]
    got = attached_intents([c for c, _ in FlowRunner(hosp)._choices(dept)], dept.prompt, matcher)
    assert all(v == [] for v in got.values())


def test_out_of_scope_groups_reject_instead_of_routing(matcher):
    flow = load_flow(NEW / "water_utility.yaml")
    r = FlowRunner(flow)
    node = flow.nodes["main_menu"]
    cs = attach(tuple(c for c, _ in r._choices(node)), node.prompt, matcher)
    assert any(c.other for c in cs) and not any(c.other for c in cs if c.knowledge)
    res = matcher.understand("帮我点个外卖送到家", list(cs))
    assert res.choice is None


WATER = NEW / "water_utility.yaml"


def test_paraphrase_the_author_did_not_write_and_the_switch(matcher):
    flow = load_flow(WATER)
    said = "这个季度的账单能帮我看看吗"  # no option keyword or example says this
    on = _runner(flow)
    on.send(CallerInput("say", said))
    assert on.node_id == "ask_account_bill"
    off = _runner(flow.model_copy(update={"phrase_knowledge": False}))
    off.send(CallerInput("say", said))
    assert off.node_id == "main_menu" and off.s.retries["no_match"] == 1
    # the key is part of the flow file format (and of its JSON schema)
    data = yaml.safe_load(WATER.read_text(encoding="utf-8"))
    assert Flow.model_validate({**data, "phrase_knowledge": False}).phrase_knowledge is False
    assert "phrase_knowledge" in (FLOWS / "flow.schema.json").read_text(encoding="utf-8")


def test_knowledge_vectors_are_cached_on_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEQA_CACHE", str(tmp_path / "cache"))
    small = tmp_path / "intents.yaml"  # the mechanism on a small file (the real one takes ~30 s to encode)
    small.write_text("version: 3\nintents:\n  pay: {keywords: [缴费], phrases: [我想交钱, 这个月该付多少]}\n"
                     "  repair: {keywords: [报修], phrases: [东西坏了, 派个师傅来]}\n"
                     "out_of_scope:\n  weather: [今天天气怎么样]\n", encoding="utf-8")
    kn = load_knowledge(small)
    m = Matcher("e5")
    preload_vectors(m, kn)
    files = list((tmp_path / "cache" / "ivr_knowledge").glob("*.npz"))
    assert len(files) == 1 and f"v{kn.version}-{kn.digest}" in files[0].name
    # a second process (a fresh matcher) reads them instead of encoding: the encoder is not called
    m2 = Matcher("e5")
    m2._enc = m.encoder

    def refuse(texts):
        raise AssertionError("re-encoded the knowledge phrases")

    monkeypatch.setattr(m2, "_embed_fresh", refuse)
    preload_vectors(m2, kn)
    t = kn.intents[0].phrases[0]
    assert np.allclose(m2._vecs[t], m.encoder.encode([t])[0], atol=1e-4)


# ---------------------------------------------------------------- labelled set, same run
def test_knowledge_improves_the_labelled_set_in_the_same_run(matcher):
    _, cases = load_set(DATA / "ivr_utterances.yaml")
    without = evaluate(cases, FLOWS, matcher, knowledge=False)
    with_kn = evaluate(cases, FLOWS, matcher, knowledge=True)
    misses = [(r.case.text, r.case.expect, r.got) for r in with_kn.errors()]
    # measured: 0.944 without, 0.970 with (scripts/bench_ivr.py); 1 point of margin for CPUs
    assert with_kn.intent_accuracy >= 0.955, misses
    assert with_kn.intent_accuracy > without.intent_accuracy
    assert with_kn.false_accepts == [] and with_kn.confirm_accuracy == 1.0
    kinds = with_kn.by_kind()
    assert kinds["keyword"][0] == kinds["keyword"][1] and kinds["negation"][0] == kinds["negation"][1]


# ---------------------------------------------------------------- confirmations
CONFIRM_FLOW = """
name: waybill
start: ask
globals: {agent: {next: agent}}
nodes:
  ask:
    type: collect
    prompt: 请说出您的八位运单号。
    variable: waybill
    validation: {min_length: 8, max_length: 8, pattern: "\\\\d{8}"}
    confirm: 运单号{waybill}，确认请按1，重新输入请按2。
    on_success: {next: done}
    on_failure: {next: agent}
  done: {type: play, prompt: "运单{waybill}已为您查询。", next: bye}
  bye: {type: hangup}
  agent: {type: transfer, queue: general}
"""


def test_confirm_prompt_may_use_the_collects_own_variable():
    r = _runner(Flow.model_validate(yaml.safe_load(CONFIRM_FLOW)))
    r.send(CallerInput("say", "一二三四五六七八"))
    assert r.last_prompt == "运单号12345678，确认请按1，重新输入请按2。"
    assert "waybill" not in r.s.variables  # set only once the caller confirms
    r.send(CallerInput("say", "嗯对"))
    assert r.s.variables["waybill"] == "12345678" and any("运单12345678已为您查询" in e.text for e in r.trace)
    assert not [f for f in lint(r.flow) if "waybill" in f.message]  # and lint knows it is fine


@pytest.mark.parametrize("answer", ["不对，是五六七九结尾", "后四位是5679", "一二三四五六七八不对", "不对，一二三四五六七八",
                                    "错了错了", "不是这个", "重新输", "少了一位"])
def test_a_correction_or_a_repeated_number_with_no_is_a_no(answer):
    r = _runner(Flow.model_validate(yaml.safe_load(CONFIRM_FLOW)))
    r.send(CallerInput("say", "一二三四五六七八"))
    r.send(CallerInput("say", answer))
    assert "waybill" not in r.s.variables, answer
    assert r.node_id == "ask" and r.last_prompt.startswith("请说出您的八位运单号"), (answer, r.last_prompt)


@pytest.mark.parametrize("answer", ["嗯对", "没问题", "行", "好的", "是一二三四五六七八", "对头", "不用改了", "没毛病"])
def test_spoken_yes_forms(answer):
    r = _runner(Flow.model_validate(yaml.safe_load(CONFIRM_FLOW)))
    r.send(CallerInput("say", "一二三四五六七八"))
    r.send(CallerInput("say", answer))
    assert r.s.variables.get("waybill") == "12345678", answer


# ---------------------------------------------------------------- lint of prompt variables
def test_lint_warns_about_unknown_and_unset_prompt_variables():
    flow = Flow.model_validate(yaml.safe_load("""
name: vars
start: m
variables: {city: 北京}
nodes:
  m:
    type: menu
    prompt: "{city}客服：查询请按1，直接办理请按2。"
    options:
      - {key: "1", next: ask}
      - {key: "2", next: done}
    reprompts: {no_input: ["{nobody}您还在吗？"], no_match: [没有听懂。]}
    fallback: {next: done}
  ask:
    type: collect
    prompt: 请输入六位编号。
    variable: code
    validation: {min_length: 6, max_length: 6}
    confirm: 编号{code}（{value}），对吗？
    invalid_prompt: "{value}不是六位。"
    on_success: {next: done}
    on_failure: {next: done}
  done: {type: play, prompt: "编号{code}已受理，{city}欢迎您。", next: bye}
  bye: {type: hangup}
"""))
    found = {(f.code, f.node, f.message.split(",")[0]) for f in lint(flow) if f.level == "warning" and "variable" in f.code}
    assert ("unknown-variable", "m", "reprompt uses {nobody}") in found
    assert ("unknown-variable", "ask", "invalid_prompt uses {value}") in found
    assert ("unset-variable", "done", "prompt uses {code}") in found  # option 2 and the failure edge skip it
    assert not any(n == "ask" and "confirm" in m for _, n, m in found)  # {code} and {value} are fine there
    assert not any("{city}" in m for *_, m in found)  # a flow variable is always set


def test_shipped_flows_have_no_unset_prompt_variables():
    for f in sorted(FLOWS.glob("*.yaml")):
        if f.name.endswith((".scenarios.yaml", ".mix.yaml")):
            continue
        found = [str(x) for x in lint(load_flow(f), FLOWS) if x.code == "unset-variable"]
        assert found == [], found


# ---------------------------------------------------------------- scenarios
def test_scenario_node_check_while_the_call_waits_there():
    flow = Flow.model_validate(yaml.safe_load(CONFIRM_FLOW))
    ok = ScenarioFile.model_validate({"scenarios": [
        {"name": "reaches the collect", "steps": [], "expect_end": {"node": "ask"}},
        {"name": "wrong node", "steps": [], "expect_end": {"node": "done"}},
        {"name": "suffix is not a node", "steps": [], "expect_end": {"node": "sk"}},
    ]})
    res, _ = run_file(flow, ok, Path("."))
    assert [r.passed for r in res] == [True, False, False]
    assert "the call waits at waybill:ask" in res[1].message


# ---------------------------------------------------------------- flows written before tuning
# measured at main 7f07faa (first run): water 9/14, airline 9/14, car insurance 9/14 (27/42);
# with phrase knowledge: see README (IVR caller understanding)
NEW_FLOW_FLOORS = {"water_utility": 12, "airline_service": 11, "car_insurance": 11}


@pytest.mark.parametrize("name", sorted(NEW_FLOW_FLOORS))
def test_new_flows_written_before_tuning(name):
    path = NEW / f"{name}.yaml"
    flow = load_flow(path)
    assert not [f for f in lint(flow, NEW) if f.level == "error"]
    sf = load_scenarios(NEW / f"{name}.scenarios.yaml")
    res, _ = run_file(flow, sf, NEW, NEW)
    off, _ = run_file(flow.model_copy(update={"phrase_knowledge": False}), sf, NEW, NEW)
    passed = sum(r.passed for r in res)
    assert passed >= NEW_FLOW_FLOORS[name], [(r.name, r.message) for r in res if not r.passed]
    assert passed > sum(r.passed for r in off)
    assert len(res) >= 12



def test_none_of_those_only_as_the_whole_answer(matcher):
    from voiceqa.ivr.understand import Choice

    water = Choice("repair", "停水报修", ("停水", "报修"), ("家里没有水了",), "1")
    bill = Choice("bill", "水费查询", ("水费",), ("我要交水费",), "2")
    for refusal in ("你说的这些都不是我要的", "都不是", "上面的都不是啊", "嗯，哪个都不要"):
        res = matcher.understand(refusal, [water, bill])
        assert res.choice is None and res.scores == (), refusal  # decided before any meaning
    res = matcher.understand("早上起来家里一滴水都没有", [water, bill])
    assert res.choice == "repair", res.describe()  # a description containing 都没有 is not a refusal
