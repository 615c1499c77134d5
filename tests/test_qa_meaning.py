"""Issue-9 follow-ups of the QA rules: identity checks only when asked for (sequence ``near``),
homophone respelling before embedding, the per-rule classifier (``decision``), ``compatible``
items, and one complaint word list for the complaint item and the complaint risk."""
from __future__ import annotations

import numpy as np
import pytest

from voiceqa.qa.emotion import EmotionLexicon, turn_emotion
from voiceqa.qa.meaning import rule_model
from voiceqa.qa.respell import respell, vocabulary
from voiceqa.qa.rubric import RubricError, load_rubric, parse_rubric
from voiceqa.qa.scorer import score_transcript

from .test_qa_rules import GOOD, call


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


VERIFY = """
name: t
version: 1
items:
  - {id: verify, name: 核实, category: missing_verification, severity: major, points: 10,
     rule: {type: sequence, first: [身份证, 姓名, 后四位], near: [提供, 报一下, 核对, 吗],
            within_chars: 12, exclude: [丢了, 补办], then: [您的账单]}}
"""


@pytest.mark.parametrize("check, verified", [
    ("麻烦您提供一下身份证后四位", True),
    ("跟您核对一下机主姓名", True),
    ("请问您是机主本人吗，姓名是", True),
    ("身份证丢了的话可以去派出所补办", False),  # mentioned, not asked for
    ("您可以带上身份证去营业厅办理", False),  # no ask near it
    ("麻烦您提供一下停电的具体位置", False),  # an ask, no identity detail
])
def test_identity_counts_only_when_asked_for(check, verified):
    r = parse_rubric(VERIFY, "t.yaml")
    card = score_transcript(call([("agent", 0, 3, "您好"), ("agent", 4, 8, check), ("agent", 9, 12, "您的账单是三百元")]), r)
    assert (card.flags == []) is verified, [f.evidence for f in card.flags]


@pytest.mark.parametrize("check, verified", [
    ("短信验证码您收到了吗，读给我听一下", True),  # a one-time code read back is an identity check
    ("您把短信里的六位数字报给我", True),
    ("验证码一般一分钟之内就能收到", False),  # said about the code, not asked for
    ("您会收到一条验证码短信，请勿告诉他人", False),
])
def test_default_rubric_verification_by_a_code_read_back(rubric, check, verified):
    card = score_transcript(call(GOOD[:2] + [("agent", 12.5, 17.0, check), ("agent", 20.5, 26.0, "您的账单是三百元")] + GOOD[6:]), rubric)
    assert ("missing_verification" not in {f.category for f in card.flags}) is verified, check


def test_default_rubric_verification_needs_an_ask(rubric):
    mention = call(GOOD[:2] + [("agent", 12.5, 17.0, "身份证丢了的话，挂失以后再补办就行"),
                               ("agent", 20.5, 26.0, "您的账单是三百元")] + GOOD[6:])
    asked = call(GOOD[:2] + [("agent", 12.5, 17.0, "为了您的账户安全，请报一下身份证后四位"),
                             ("agent", 20.5, 26.0, "您的账单是三百元")] + GOOD[6:])
    assert "missing_verification" in {f.category for f in score_transcript(mention, rubric).flags}
    assert "missing_verification" not in {f.category for f in score_transcript(asked, rubric).flags}


def test_respell_undoes_homophone_slips_and_leaves_words_alone(rubric):
    vocab = rubric.respell_vocabulary()
    assert respell("我要头诉你们", vocab) == "我要投诉你们"
    assert respell("公号三零五二为您服务", vocab) == "工号三零五二为您服务"
    assert respell("请您对我的服物进行评价", vocab) == "请您对我的服务进行评价"
    for clean in ("事实就是这样", "我要写信给你们董事长", "身份证丢了的话可以补办", "您好，很高兴为您服务"):
        assert respell(clean, vocab) == clean  # real words, and stretches that cut one, stay
    assert respell("头诉", None) == "头诉"
    small = vocabulary(("我要投诉",))
    assert respell("我要头诉", small) == "我要投诉" and small.fingerprint != vocab.fingerprint


def test_respelt_vectors_are_keyed_by_the_vocabulary(rubric):
    card = score_transcript(call(GOOD), rubric)
    assert card.vectors.key.endswith("+" + rubric.respell_vocabulary().fingerprint)
    off = rubric.model_copy(update={"semantic": rubric.semantic.model_copy(update={"respell": False})})
    assert off.respell_vocabulary() is None
    # vectors stored under another vocabulary are recomputed, not reused
    assert score_transcript(call(GOOD), off, vectors=card.vectors).vectors is not card.vectors


CLASSIFY = """
name: t
version: 1
semantic:
  background: [请问您的订单号是多少, 我帮您查一下, 好的谢谢, 您的包裹明天送达, 我想咨询一下套餐]
items:
  - id: refuse
    name: 推诿
    category: forbidden_phrase
    severity: major
    points: 10
    rule:
      type: semantic
      decision: {decision}
      examples: [这个我们处理不了, 这不归我们管, 你去找别的部门吧, 我们这里办不了这个, 这事跟我没关系]
      counter_examples: [我马上帮您处理, 我帮您转接相关部门]
"""


def test_rule_classifier_is_trained_on_the_rubric_sentences():
    r = parse_rubric(CLASSIFY.replace("{decision}", "either"), "t.yaml")
    card = score_transcript(call([("agent", 0, 3, "您好"), ("agent", 4, 8, "我们这边管不了，你找其他部门去"),
                                  ("agent", 9, 12, "好的，我立刻帮您处理")]), r)
    # the refusal turn only (the quote is its clause nearest an example)
    assert [4.0 <= f.start < 8.0 for f in card.flags] == [True], [(f.start, f.evidence) for f in card.flags]
    from voiceqa.embeddings import get_encoder
    from voiceqa.qa.semantic import known_sentences

    enc = get_encoder("use")
    known = known_sentences(r.semantic_background(), enc, frozenset())
    rule = r.semantic_rules()[0][1]
    model = rule_model(tuple(rule.examples), known, frozenset(rule.examples))
    vecs = enc.encode(["这个我们真的办不了", "我帮您查一下订单"])
    p = model.probability(vecs)
    assert p[0] > 0.5 > p[1], p
    assert rule_model(tuple(rule.examples), known, frozenset(known.texts)) is None  # no negatives: none


@pytest.mark.parametrize("decision", ["nearest", "classifier", "either", "both"])
def test_every_decision_keeps_ordinary_speech_clean(decision):
    r = parse_rubric(CLASSIFY.replace("{decision}", decision), "t.yaml")
    card = score_transcript(call([("agent", 0, 3, "您好"), ("agent", 4, 8, "我帮您查一下订单"),
                                  ("agent", 9, 12, "这个我们这里办不了")]), r)
    assert [f.start for f in card.flags] == [9.0], (decision, [f.evidence for f in card.flags])


def test_compatible_items_must_exist():
    body = CLASSIFY.replace("{decision}", "nearest").replace(
        "      counter_examples:", "      compatible: [nope]\n      counter_examples:")
    with pytest.raises(RubricError, match=r"t\.yaml: .*compatible names unknown item 'nope'"):
        parse_rubric(body, "t.yaml")
    with pytest.raises(RubricError, match="decision"):
        parse_rubric(CLASSIFY.replace("{decision}", "sometimes"), "t.yaml")
    for bad in ("2", "0", "{refuse: 1.5}"):  # a probability, as in the rubric-wide calibration
        with pytest.raises(RubricError, match="min_probability"):
            parse_rubric(CLASSIFY.replace("{decision}", "classifier").replace(
                "      counter_examples:", f"      min_probability: {bad}\n      counter_examples:"), "t.yaml")


def test_one_complaint_list_for_the_item_and_the_risk(rubric):
    lex = EmotionLexicon.from_lexicon(rubric.lexicon)
    # complaint_words (emotion.yaml) and complaint_words_more (customer.yaml): one joined list
    words = tuple(dict.fromkeys(rubric.lexicon.words("complaint_words") + rubric.lexicon.words("complaint_words_more")))
    assert lex.complaint == words and lex.targets and lex.intent
    assert "escalation_words" not in rubric.lexicon.lists and "escalation_targets" not in rubric.lexicon.lists
    for text, escalates in (("我要去消协告你们", True), ("我要投诉你们乱扣费", True), ("把你们领导叫来", True),
                            ("我是律师，想咨询一下业务", False), ("我想举报一个骚扰电话", False), ("起诉离婚的话保单要改吗", False)):
        risk_words = turn_emotion(text, role="customer", lex=lex).complaint_hits
        card = score_transcript(call(GOOD[:4] + [("customer", 20.5, 26.0, text)] + GOOD[5:]), rubric)
        keyword_flag = any(f.category == "customer_complaint" and not f.rule.endswith(("escalation", "repeat_contact"))
                           for f in card.flags)
        assert bool(risk_words) is escalates and keyword_flag is escalates, (text, risk_words, [f.rule for f in card.flags])


def test_classifier_probabilities_are_a_logistic_of_the_vectors():
    from voiceqa.qa.meaning import RuleModel

    m = RuleModel(np.array([1.0, -1.0], np.float32), 0.0)
    assert m.probability(np.array([[0.0, 0.0], [10.0, 0.0]], np.float32)).round(3).tolist() == [0.5, 1.0]


TWO_RULES = CLASSIFY.replace("decision: {decision}", "decision: classifier").replace(
    "      counter_examples: [我马上帮您处理, 我帮您转接相关部门]\n", "      {extra}\n") + """
  - id: survey
    name: 满意度
    category: missing_survey
    severity: minor
    points: 5
    rule:
      type: semantic
      examples: [请您对我的服务进行评价, 稍后请为我的服务打分, 挂机后会有满意度回访]
"""
NEAR_REFUSALS = ["这个问题我们今天就能处理好", "这个业务我们营业厅也能办理", "这个部门的电话我发短信给您"]


def _probabilities(body: str, item_id: str, texts: list[str]) -> np.ndarray:
    from types import SimpleNamespace

    from voiceqa.embeddings import get_encoder
    from voiceqa.qa.rules import _own_sentences
    from voiceqa.qa.semantic import known_sentences

    r = parse_rubric(body, "t.yaml")
    item, rule = next((it, rl) for it, rl in r.semantic_rules() if it.id == item_id)
    enc = get_encoder("use")
    known = known_sentences(r.semantic_background(), enc, frozenset())
    own = _own_sentences(rule, item, SimpleNamespace(rubric=r, holdout=frozenset()))
    return rule_model(tuple(rule.examples), known, own).probability(enc.encode(texts))


def test_private_negatives_train_their_rule_only():
    plain = TWO_RULES.replace("{extra}", "")
    private = TWO_RULES.replace("{extra}", f"negatives: [{', '.join(NEAR_REFUSALS)}]")
    shared = TWO_RULES.replace("{extra}", f"counter_examples: [{', '.join(NEAR_REFUSALS)}]")
    probe = ["稍后请对本次服务打个分", "这个业务我们今天就可以帮您办理"]
    survey = {k: _probabilities(b, "survey", probe) for k, b in (("plain", plain), ("private", private), ("shared", shared))}
    # another rule's private negatives leave the survey classifier exactly as it was; shared
    # counter-examples move it
    assert np.allclose(survey["plain"], survey["private"]) and not np.allclose(survey["plain"], survey["shared"])
    # the refusal rule learns them: a near-refusal offer of help becomes less likely a refusal
    near = "这个业务我们今天就可以帮您办理"
    assert _probabilities(private, "refuse", [near])[0] < _probabilities(plain, "refuse", [near])[0]
    r_plain, r_private = parse_rubric(plain, "t.yaml"), parse_rubric(private, "t.yaml")
    assert r_private.private_negatives() == frozenset(NEAR_REFUSALS) and not r_plain.private_negatives()
    # nothing is respelt towards their words, and `rubric test` checks them as must-not-fire
    assert r_private.respell_vocabulary().fingerprint == r_plain.respell_vocabulary().fingerprint
    from voiceqa.qa.rubric_check import own_cases

    assert {c.text for c in own_cases(r_private) if not c.positive} >= set(NEAR_REFUSALS)
