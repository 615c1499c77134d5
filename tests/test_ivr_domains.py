"""Requests for a neighbouring industry's service are out of scope (voiceqa.ivr.domains), and
scenarios can script the caller's answer to "A or B?" (a step's `choose`)."""
from __future__ import annotations

import pytest
import yaml

from voiceqa.ivr.domains import domains_of, flow_texts, foreign, mentioned
from voiceqa.ivr.loader import load_flow
from voiceqa.ivr.model import Flow
from voiceqa.ivr.runner import CallerInput, FlowRunner
from voiceqa.ivr.scenarios import ScenarioFile, run_file

from .conftest import REPO
from .test_ivr_understand import MENU

WATER = """
name: water
description: 自来水公司客服热线
start: m
globals: {agent: {next: agent}}
phrase_knowledge: false
nodes:
  m:
    type: menu
    prompt: 缴纳水费请按1，停水报修请按2。
    options:
      - {key: "1", intent: pay, label: 缴费, keywords: [缴费, 交费], next: paid}
      - {key: "2", intent: repair, label: 报修, keywords: [报修, 停水], next: fix}
    reprompts: {no_input: [请选择。], no_match: [没有听懂。]}
    fallback: {next: agent}
  paid: {type: hangup}
  fix: {type: transfer, queue: repair}
  agent: {type: transfer, queue: general}
"""


def test_flow_domains_from_its_own_words():
    assert domains_of(flow_texts(Flow.model_validate(yaml.safe_load(WATER)))) == frozenset({"water"})
    found = {p.stem: domains_of(flow_texts(load_flow(p))) for p in (REPO / "ivr_flows").glob("*.yaml")
             if not p.name.endswith((".scenarios.yaml", ".mix.yaml"))}
    assert "bank" in found["credit_card"] and "logistics" in found["ecommerce_aftersales"]
    assert "telecom" in found["broadband_repair"]


@pytest.mark.parametrize("text, own, out", [
    ("我要交电费", {"water"}, {"power"}),
    ("燃气费该交了", {"telecom"}, {"gas"}),
    ("我的银行卡被盗刷了", {"telecom"}, {"bank"}),
    ("不是电费，我交水费", {"water"}, set()),  # also names the flow's own service
    ("我想用银行卡交费", {"water"}, set()),  # the card is how to pay, not what is asked for
    ("保险丝烧了", {"power"}, set()),  # not insurance
    ("住院的费用能报多少", {"insurance"}, set()),  # insurers pay for hospital stays
    ("我要交电费", set(), set()),  # a flow whose domain is unknown is never judged
    ("帮我转人工", {"water"}, set()),
    # ordinary words that contain a service noun (用电 in 用电话, 保险 in 保险起见, 收件 in 收件箱)
    ("我用电话查一下余额", {"bank"}, set()),
    ("我用电脑查不了账单", {"telecom"}, set()),
    ("为了保险起见帮我转人工", {"bank"}, set()),
    ("短信收件箱里没有验证码", {"bank"}, set()),
])
def test_foreign_domain(text, own, out):
    assert foreign(text, frozenset(own)) == frozenset(out)
    assert mentioned("家里自来水发黄") == frozenset({"water"})


def test_neighbouring_industry_is_reprompted_not_routed_to_the_nearest_option():
    flow = Flow.model_validate(yaml.safe_load(WATER))
    r = FlowRunner(flow)
    r.start()
    r.send(CallerInput("say", "电费在哪缴费"))  # 缴费 is this menu's keyword, but said of power
    assert r.s.outcome is None and r.s.retries["no_match"] == 1 and r.last_prompt.startswith("没有听懂")
    assert any(e.kind == "understood" and "out of domain" in e.text and "power" in e.text for e in r.trace)
    r.send(CallerInput("say", "那交水费，缴费"))
    assert r.s.outcome.type == "hangup"
    r = FlowRunner(flow)
    r.start()  # an ASR slip that makes a foreign noun (一双 -> 医生) in another clause than the keyword
    r.send(CallerInput("say", "我上周退回去的医生运动鞋，想缴费"))
    assert r.s.outcome is not None and r.s.outcome.type == "hangup"


# the two-option menu of test_ivr_understand, with every meaning decision a close call
AMB = MENU.replace("nodes:", "ambiguity_margin: 1.0\nnodes:", 1)


def test_scenarios_answer_the_disambiguation_question(tmp_path):
    """`ambiguity_margin: 1.0`: every meaning decision is a close call, so the IVR asks."""
    flow = Flow.model_validate(yaml.safe_load(AMB))
    sf = ScenarioFile.model_validate({"scenarios": [
        {"name": "asked, picks the second", "steps": [
            {"reply": {"say": "家里想装个网线"}},
            {"expect": {"prompt_contains": "还是"}, "choose": "后面那个"}],
         "expect_end": {"outcome": "transfer", "queue": "mobile", "retries": {"no_match": 0}}},
        {"name": "asked, names it", "steps": [
            {"reply": {"say": "家里想装个网线"}}, {"choose": "宽带"}],
         "expect_end": {"outcome": "hangup"}},
        {"name": "not asked (a key): the choose step is skipped", "steps": [
            {"reply": {"dtmf": "2"}}, {"choose": "第一个"}],
         "expect_end": {"outcome": "transfer", "queue": "mobile", "max_steps": 1}},
        {"name": "the answer is scripted, so a wrong one fails", "steps": [
            {"reply": {"say": "家里想装个网线"}}, {"choose": "第一个"}],
         "expect_end": {"outcome": "transfer", "queue": "mobile"}},
    ]})
    res, _ = run_file(flow, sf, tmp_path)
    assert [r.passed for r in res] == [True, True, True, False], [(r.name, r.message) for r in res]


def test_a_step_has_reply_or_choose():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="either reply or choose"):
        ScenarioFile.model_validate({"scenarios": [{"name": "x", "steps": [{"reply": {"dtmf": "1"}, "choose": "第一个"}]}]})


@pytest.mark.parametrize("scores, expect", [
    ({"a": 0.880, "b": 0.875, "~other:x": 0.80}, ("ambiguous", None)),  # close, both near: ask
    ({"a": 0.880, "b": 0.860, "~other:x": 0.80}, ("meaning (lead)", "a")),  # a clear lead: take it
    ({"a": 0.880, "b": 0.875, "~other:x": 0.878}, ("no match", None)),  # out of scope is as close
    ({"a": 0.880, "b": 0.840, "~other:x": 0.875}, ("no match", None)),  # no clear lead
    ({"a": 0.950, "b": 0.9495, "~other:x": 0.80}, ("ambiguous", None)),  # above the threshold, within the margin
])
def test_close_calls_below_the_threshold_ask_the_caller(monkeypatch, scores, expect):
    from voiceqa.ivr.understand import Choice, Matcher

    m = Matcher("e5")
    monkeypatch.setattr(m, "meaning_scores", lambda text, cands: dict(scores))
    cs = [Choice("a", "", (), ("x",)), Choice("b", "", (), ("y",)), Choice("~other:x", "", (), ("z",))]
    res = m.understand("随便说点什么", cs)
    assert (res.how, res.choice) == expect, res.describe()
    if res.how == "ambiguous":
        assert res.ambiguous == ("a", "b")
