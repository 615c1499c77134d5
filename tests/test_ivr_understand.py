"""Caller understanding: normalisation, word boundaries, negation, yes/no, homophones, meaning,
disambiguation; the labelled utterance set; the unseen hospital flow."""
from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.ivr.loader import load_flow
from voiceqa.ivr.model import Flow
from voiceqa.ivr.runner import CallerInput, FlowRunner
from voiceqa.ivr.understand import Choice, Matcher, extract_digits, normalise, yes_no
from voiceqa.ivr.utterances import evaluate, keyword_baseline, load_set

from .conftest import REPO

DATA = REPO / "tests" / "data"
FLOWS = REPO / "ivr_flows"
cli = CliRunner()

FIXED = Choice("1", "已恢复", ("好了", "恢复了", "能上了"), ())
BROKEN = Choice("2", "未恢复", ("还是不行", "不行", "没好"), ())
LOGISTICS = Choice("logistics", "查询物流", ("物流", "快递"), ("我的快递到哪了",), "1")
RETURNS = Choice("returns", "退换货", ("退货", "换货"), ("东西坏了想换一个",), "2")
AGENT = Choice("agent", "人工服务", ("人工", "转人工"), ())


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


def test_normalise_simplified_fillers_and_digit_runs():
    u = normalise("呃，那個，我想報銷住院的錢")
    assert u.text == "我想报销住院的钱"  # Traditional -> Simplified, fillers gone
    assert "额度" in normalise("额度不够").text  # 额 is a word here, not a filler
    assert normalise("卡号幺三五七九").text.endswith("13579")
    assert normalise("我查一下").text == "我查一下"  # a lone 一 stays a word
    assert extract_digits("我的号码是幺三八，零零幺三，八零零零") == "13800138000"
    assert extract_digits("查一下，卡号是二零二六一一二三零一") == "2026112301"


def test_keywords_only_on_word_boundaries(matcher):
    # 能上了 is inside 不能上了: not the "fixed" option
    assert matcher.understand("现在还是不能上了", [FIXED, BROKEN]).choice != "1"
    assert matcher.understand("现在能上了", [FIXED, BROKEN]).choice == "1"


def test_negation_excludes_the_option(matcher):
    r = matcher.understand("不要退货，查一下快递", [LOGISTICS, RETURNS])
    assert r.choice == "logistics" and "returns" in r.negated
    r = matcher.understand("我不是要查物流，我要换货", [LOGISTICS, RETURNS])
    assert r.choice == "returns"
    assert matcher.understand("不用转人工，我查快递", [LOGISTICS, RETURNS, AGENT]).choice == "logistics"
    # negating the only thing said selects nothing (reprompt), never the negated option
    assert matcher.understand("我不要退货", [LOGISTICS, RETURNS]).choice is None
    assert matcher.understand("都不是", [LOGISTICS, RETURNS]).choice is None


def test_homophones_by_pinyin(matcher):
    r = matcher.understand("我要退火", [LOGISTICS, RETURNS])
    assert r.choice == "returns" and r.how == "pinyin keyword"


@pytest.mark.parametrize("text", ["对", "是的", "没错", "确认", "可以", "嗯对", "对对对", "没有错", "嗯，是的", "不好意思，对的"])
def test_yes(text):
    assert yes_no(text) == "yes"


@pytest.mark.parametrize("text", ["不对", "不是", "错了", "重新输入", "再输一次", "不正确", "对……不对", "没对上", "不是这个号",
                                  "是不是输错了", "不确定"])
def test_no_is_never_yes(text):
    assert yes_no(text) == "no"  # 不对 contains 对; 不是 contains 是: never substring-matched


def test_confirmation_in_the_runner_rejects_tricky_no_and_takes_corrections():
    r = FlowRunner(load_flow(DATA / "hospital_hotline.yaml"))
    r.start()
    r.send(CallerInput("dtmf", "1"))
    r.send(CallerInput("say", "幺三五七九二四六八零"))
    assert "1357924680" in r.last_prompt
    r.send(CallerInput("say", "不对，是幺三五七九二四六八八"))  # the correction is confirmed again
    assert "1357924688" in r.last_prompt and "card_no" not in r.s.variables
    r.send(CallerInput("say", "嗯，这个也不是"))
    assert "十位就诊卡号" in r.last_prompt and "card_no" not in r.s.variables
    r.send(CallerInput("dtmf", "1357924688"))
    r.send(CallerInput("say", "呃，随便"))  # neither yes nor no: asked again
    assert "请说“对”或“不对”" in r.last_prompt and "card_no" not in r.s.variables
    r.send(CallerInput("say", "对的没错"))
    assert r.s.variables["card_no"] == "1357924688" and r.node_id == "dept_menu"


MENU = """
name: amb
start: m
globals: {agent: {next: agent}}
nodes:
  m:
    type: menu
    prompt: 办理宽带请按1，办理手机套餐请按2。
    options:
      - {key: "1", intent: broadband, label: 宽带业务, examples: [我想办理宽带业务], next: a}
      - {key: "2", intent: mobile, label: 手机业务, examples: [我想办理手机业务], next: b}
    reprompts: {no_input: [请选择。], no_match: [没有听懂。]}
    fallback: {next: agent}
  a: {type: hangup}
  b: {type: transfer, queue: mobile}
  agent: {type: transfer, queue: general}
"""


def test_scores_are_logged_and_close_scores_ask_the_caller_to_choose(monkeypatch):
    flow = Flow.model_validate(yaml.safe_load(MENU))
    r = FlowRunner(flow)
    r.start()
    monkeypatch.setattr(r._matcher(), "margin", 1.0)  # every meaning decision counts as "too close"
    r.send(CallerInput("say", "家里想装个网线"))  # no keyword or label: decided by meaning
    understood = [e for e in r.trace if e.kind == "understood"]
    assert "broadband=" in understood[-1].text and "mobile=" in understood[-1].text  # scores in the trace
    assert r.last_prompt == "请问您是要宽带业务，还是手机业务？" and r.s.pending_choice == ("broadband", "mobile")
    assert r.s.retries["no_match"] == 0
    r.send(CallerInput("say", "后面那个"))  # answered by position
    assert r.s.outcome.queue == "mobile"
    r2 = FlowRunner(flow)
    r2.start()
    r2.send(CallerInput("say", "家里想装个网线"))
    r2.send(CallerInput("say", "办宽带业务"))  # or by name
    assert r2.s.outcome.type == "hangup"


def test_out_of_scope_is_a_no_match_reprompt():
    r = FlowRunner(load_flow(FLOWS / "ecommerce_aftersales.yaml"))
    r.start()
    r.send(CallerInput("say", "帮我查一下明天北京的天气"))
    assert r.node_id == "main_menu" and r.s.retries["no_match"] == 1 and "没有听懂" in r.last_prompt


def test_encoder_per_flow_and_by_env(monkeypatch):
    from voiceqa.embeddings import DEFAULT_ENCODER
    from voiceqa.ivr.understand import THRESHOLDS

    monkeypatch.delenv("VOICEQA_IVR_ENCODER", raising=False)
    assert Matcher().encoder_spec == DEFAULT_ENCODER
    monkeypatch.setenv("VOICEQA_IVR_ENCODER", "use")
    m = Matcher()
    assert m.encoder_spec == "use" and m.threshold == THRESHOLDS["use"][0]
    assert Matcher("e5", threshold=0.5).threshold == 0.5  # a flow's meaning_threshold wins
    flow = Flow.model_validate({**yaml.safe_load(MENU), "encoder": "use"})
    assert FlowRunner(flow)._matcher().encoder_spec == "use"


def test_labelled_set_accuracy_and_no_false_accepts():
    """The labelled caller utterances (tests/data/ivr_utterances.yaml) with the default encoder,
    beside the keyword-only baseline computed in the same session."""
    _, cases = load_set(DATA / "ivr_utterances.yaml")
    assert len(cases) >= 250
    rep = evaluate(cases, FLOWS)
    base = keyword_baseline(cases, FLOWS)
    misses = [(r.case.text, r.case.expect, r.got) for r in rep.errors()]
    # target 0.95; measured with e5: 0.944 without phrase knowledge, 0.970 with it (the flows'
    # default; 7 of 233 menu utterances missed, see README)
    assert rep.intent_accuracy >= 0.955, misses  # 1 point of margin for int8/int4 differences between CPUs
    assert rep.intent_accuracy >= base.intent_accuracy + 0.3
    assert rep.false_accepts == [], [r.case.text for r in rep.false_accepts]
    assert len(base.false_accepts) > 5  # the old substring rule did take no's as yes
    assert rep.confirm_accuracy >= 0.95
    kinds = rep.by_kind()
    assert kinds["keyword"][0] == kinds["keyword"][1] and kinds["negation"][0] >= kinds["negation"][1] - 1


def test_unseen_hospital_flow_scenarios():
    """A flow the matcher was not designed on (written before any tuning): target >= 0.9."""
    result = cli.invoke(app, ["ivr", "test", str(DATA / "hospital_hotline.yaml"), "--no-missed"])
    line = next(x for x in result.stdout.splitlines() if " passed, " in x)
    passed, failed = int(line.split()[0]), int(line.split()[2])
    assert passed + failed == 14 and passed / 14 >= 0.9, result.stdout


def test_shared_text_helpers():
    from voiceqa.text.patterns import is_mobile
    from voiceqa.text.similarity import bigram_overlap, pinyin_bigram_overlap, surface_similarity

    assert is_mobile("13800138000") and not is_mobile("12800138000") and not is_mobile("1380013800")
    assert bigram_overlap("我想查一下物流信息", "查物流") == 0.5  # 查物 is not in the text, 物流 is
    assert pinyin_bigram_overlap("我要退火", "退货") == 1.0 and bigram_overlap("我要退火", "退货") == 0.0
    assert surface_similarity("今天天气不错", "退货") == 0.0


@pytest.mark.parametrize("text, expect", [
    ("不确定是不是漏气", "leak"),  # an A-not-A question about 漏气, not a refusal of it
    ("有没有人能来报修", "repair"),
    ("要不要报修啊", "repair"),
    ("不是漏气，我要报修", "repair"),  # a real negation still excludes
    ("我不要报修，好像漏气了", "leak"),
])
def test_a_not_a_questions_are_not_negations(text, expect):
    from voiceqa.ivr.understand import Choice, Matcher

    cs = [Choice("leak", "", ("漏气",), ()), Choice("repair", "", ("报修",), ())]
    assert Matcher("e5").understand(text, cs).choice == expect
