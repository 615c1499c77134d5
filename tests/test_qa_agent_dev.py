"""Agent-violation development set (tests/data/qa_agent_dev): forbidden_phrase and agent_negative
on sarcasm, rhetorical and impatient questions, take-it-or-leave-it lines, bare refusals,
blame-shifting, talking down, hurrying the caller off and rudeness in polite words, against
firm but polite hard negatives. The data is valid and balanced, and the default rubric holds
its measured level on it (clean and ASR-noised) with no fatal flag on a hard negative."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import opencc
import pytest

from voiceqa.qa.bench import build_call, detected, evaluate, load_bench
from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript

DATA = Path(__file__).resolve().parent / "data" / "qa_agent_dev"
FAMILIES = ("sarcasm", "rhetoric", "impatient", "takeit", "refuse", "blame", "down", "hurry", "politerude")
AGENT = ("forbidden_phrase", "agent_negative")


@pytest.fixture(scope="module")
def clean():
    return load_bench(DATA / "utterances.yaml")


@pytest.fixture(scope="module")
def noisy():
    return load_bench(DATA / "utterances_noisy.yaml")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def test_dev_set_is_valid_and_balanced(clean, noisy):
    assert len(clean) >= 150 and len({e.text for e in clean}) == len(clean)
    positives = [e for e in clean if e.labels]
    hard = [e for e in clean if e.negative_for]
    assert len(positives) >= 90 and len(hard) >= 60
    assert all(e.role == "agent" and set(e.labels) <= set(AGENT) for e in clean)
    assert all(set(e.negative_for) == set(AGENT) for e in hard)
    fam = Counter(e.id.split("-")[0] for e in positives)
    assert set(fam) == set(FAMILIES) and min(fam.values()) >= 8, fam
    assert len({e.industry for e in clean}) == 10
    t2s = opencc.OpenCC("t2s")
    assert [e.id for e in clean if t2s.convert(e.text) != e.text] == []
    # the noised copy: same ids and labels, every line changed (regenerate with scripts/make_qa_noisy.py)
    assert [(e.id, e.labels, e.negative_for) for e in noisy] == [(e.id, e.labels, e.negative_for) for e in clean]
    assert all(a.text != b.text and len(a.text) == len(b.text) for a, b in zip(clean, noisy))


def test_families_are_caught_and_polite_firmness_is_not(rubric):
    """One line per mechanism, written here (not in the set): a structure, a sarcasm, a hurried
    brush-off, and the same words as a polite agent with a way forward or quoting the caller."""
    from voiceqa.qa.bench import BenchEntry

    def flags(text):
        e = BenchEntry(id="t", industry="telecom", direction="inbound", role="agent", text=text)
        call = build_call(e)
        card = score_transcript(call.transcript, rubric)
        return {c for c in AGENT if detected(card, call, c)}

    assert flags("这个不是早就跟您说过了吗？") == set(AGENT)
    assert flags("您可真能干，一个验证码输了八遍。") == set(AGENT)
    assert flags("爱退不退，反正就这样。") == set(AGENT)
    assert "forbidden_phrase" in flags("这个单子我们追不回来了。")
    assert flags("这个单子电话里追不回来，您可以带上凭证去网点，我帮您先登记。") == set()
    assert flags("您刚才说上次的客服让您自己看着办，这确实不对，我来帮您处理。") == set()


@pytest.fixture(scope="module")
def results(clean, noisy, rubric):
    return {"clean": evaluate(clean, rubric), "noisy": evaluate(noisy, rubric)}


# measured on this branch (scripts/bench_qa.py --data/--noisy on this set): clean forbidden
# 0.99/0.96, agent_negative 0.97/0.92; noised 0.98/0.81, 0.99/0.83 (main before: clean
# 0.84/0.32 and 0.82/0.16, noised 0.85/0.31 and 0.91/0.22); floors a few lines below
FLOORS = {"clean": (0.93, 0.90), "noisy": (0.90, 0.75)}


@pytest.mark.parametrize("which", ["clean", "noisy"])
def test_rubric_holds_its_level_on_the_dev_set(which, results):
    res = results[which]
    floor_p, floor_r = FLOORS[which]
    for c in AGENT:
        s = res.categories[c]
        assert s.precision >= floor_p and s.recall >= floor_r, (c, round(s.precision, 3), round(s.recall, 3),
                                                               s.false_positives[:5], s.false_negatives[:5])
    assert res.fatal_on_hard_negatives == []
    assert res.control_flags == []


# ---- the second agent dev set (tests/data/qa_agent_dev2): other wording, registers and families,
# written before the rules were changed for it; same evaluation as above --------------------
DATA2 = DATA.parent / "qa_agent_dev2"
FAMILIES2 = ("indiff", "sarcasm", "rhetoric", "impatient", "takeit", "blame", "down", "hurry", "politerude",
             "dialect", "ramble", "short", "refuse")


@pytest.fixture(scope="module")
def dev2():
    return {"clean": load_bench(DATA2 / "utterances.yaml"), "noisy": load_bench(DATA2 / "utterances_noisy.yaml")}


def test_dev2_set_is_valid_and_balanced(dev2):
    clean, noisy = dev2["clean"], dev2["noisy"]
    assert len(clean) >= 120 and len({e.text for e in clean}) == len(clean)
    positives = [e for e in clean if e.labels]
    assert len(positives) >= 70 and sum(bool(e.negative_for) for e in clean) >= 50
    assert all(e.role == "agent" and set(e.labels) <= set(AGENT) for e in clean)
    assert all(set(e.negative_for) == set(AGENT) for e in clean if e.negative_for)
    fam = Counter(e.id.split("-")[0] for e in positives)
    assert set(fam) == set(FAMILIES2) and min(fam.values()) >= 4, fam
    assert len({e.industry for e in clean}) == 10
    assert [(e.id, e.labels, e.negative_for) for e in noisy] == [(e.id, e.labels, e.negative_for) for e in clean]
    assert all(a.text != b.text and len(a.text) == len(b.text) for a, b in zip(clean, noisy))


@pytest.fixture(scope="module")
def results2(dev2, rubric):
    return {k: evaluate(v, rubric) for k, v in dev2.items()}


# measured on this branch (scripts/bench_qa.py --data/--noisy on qa_agent_dev2), P/R: clean forbidden
# 0.97/0.83, agent_negative 0.98/0.67; noised 0.97/0.73, 0.94/0.61 (main 4101b3d: clean 0.94/0.59,
# 0.91/0.42; noised 0.95/0.49, 0.90/0.37); floors a few points below
FLOORS2 = {"clean": {"forbidden_phrase": (0.92, 0.78), "agent_negative": (0.92, 0.62)},
           "noisy": {"forbidden_phrase": (0.92, 0.68), "agent_negative": (0.88, 0.56)}}


@pytest.mark.parametrize("which", ["clean", "noisy"])
def test_rubric_holds_its_level_on_dev2(which, results2):
    res = results2[which]
    for c, (floor_p, floor_r) in FLOORS2[which].items():
        s = res.categories[c]
        assert s.precision >= floor_p and s.recall >= floor_r, (c, round(s.precision, 3), round(s.recall, 3),
                                                               s.false_positives[:5], s.false_negatives[:5])
    assert res.fatal_on_hard_negatives == []
    assert res.control_flags == []
