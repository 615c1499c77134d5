"""The customer-side dev set (tests/data/qa_customer_dev): anger, insults aimed at the agent
(agent_care) and escalation in wording written for it, plus hard negatives (praise, thanks,
relief, excitement with exclamation marks, reported speech, self-deprecation, a complaint as
a topic). The default rubric must hold its measured level on the clean and the noised copy."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from voiceqa.qa.bench import evaluate, load_bench
from voiceqa.qa.rubric import load_rubric

DATA = Path(__file__).resolve().parent / "data" / "qa_customer_dev"
CUSTOMER = ("customer_complaint", "customer_anger", "agent_care")


@pytest.fixture(scope="module")
def sets():
    return {"clean": load_bench(DATA / "utterances.yaml"), "noisy": load_bench(DATA / "utterances_noisy.yaml")}


def test_dev_set_is_customer_side_and_balanced(sets):
    clean, noisy = sets["clean"], sets["noisy"]
    assert len(clean) >= 150 and [e.id for e in noisy] == [e.id for e in clean]
    assert all(e.role == "customer" for e in clean)
    pos = Counter(c for e in clean for c in e.labels)
    assert pos["customer_anger"] >= 40 and pos["agent_care"] >= 30 and pos["customer_complaint"] >= 30, pos
    assert sum(bool(e.negative_for) for e in clean) >= 60
    # every insult aimed at the agent is anger too (tests/data/qa_bench/README.md)
    assert all("customer_anger" in e.labels for e in clean if "agent_care" in e.labels)
    for a, b in zip(clean, noisy):
        assert (a.labels, a.negative_for) == (b.labels, b.negative_for) and a.text != b.text, a.id


@pytest.fixture(scope="module")
def results(sets):
    rubric = load_rubric()
    return {k: evaluate(v, rubric) for k, v in sets.items()}


# Measured with the default rubric (P / R per category), see tests/data/qa_customer_dev/README.md.
# Main before the customer-side families (6db99ef), clean: complaint 0.59/0.50, anger 0.69/0.48,
# care 0.87/0.61; with the families of customer.yaml 0.89/0.94, 0.96/0.90, 0.97/1.00 (noised: 0.81/0.85,
# 0.91/0.93, 0.92/1.00). The floors sit 0.03-0.05 under those.
FLOORS = {
    "clean": {"customer_complaint": (0.85, 0.85), "customer_anger": (0.93, 0.87), "agent_care": (0.94, 0.95)},
    "noisy": {"customer_complaint": (0.77, 0.79), "customer_anger": (0.88, 0.87), "agent_care": (0.88, 0.95)},
}


@pytest.mark.parametrize("which", ["clean", "noisy"])
def test_customer_side_holds_its_measured_level(which, results):
    res = results[which]
    report = {c: (round(res.categories[c].precision, 2), round(res.categories[c].recall, 2)) for c in CUSTOMER}
    for c in CUSTOMER:
        p, r = FLOORS[which][c]
        s = res.categories[c]
        assert s.precision >= p and s.recall >= r, (c, report)
    assert res.fatal_on_hard_negatives == [] and res.control_flags == []
    # a customer line never raises an agent violation
    assert res.categories["forbidden_phrase"].fp == 0 and res.categories["agent_negative"].fp == 0


def test_exclamations_by_valence_reported_speech_and_misheard_context():
    from voiceqa.qa.emotion import EmotionLexicon, turn_emotion
    from voiceqa.text.phrases import find_phrase

    lex = EmotionLexicon.from_lexicon(load_rubric().lexicon)
    # an exclamation mark is anger with a grievance, not with praise, thanks or relief
    assert turn_emotion("说好的周三上门，到现在人影都没见到！", lex=lex).label == "angry"
    assert turn_emotion("说好的周三上门，到现在人影都没见到。", lex=lex).label != "angry"
    for happy in ("太好了！终于到账了，谢谢你们！", "哇，这么快就修好了！师傅辛苦了！"):
        assert turn_emotion(happy, lex=lex).label != "angry", happy
    # someone else's words are not the caller's anger
    assert turn_emotion("我同事说你们是骗子，我想自己问问。", lex=lex).anger_hits == []
    assert turn_emotion("你们就是骗子！", lex=lex).label == "angry"
    # context words count when misheard, with exclude_by_sound only
    assert find_phrase("我真寺个笨蛋", "笨蛋", "pinyin", exclude=["我真是个"])
    assert not find_phrase("我真寺个笨蛋", "笨蛋", "pinyin", exclude=["我真是个"], exclude_by_sound=True)
