"""The customer-side dev sets (tests/data/qa_customer_dev, qa_customer_dev2 … qa_customer_dev8): anger, insults
aimed at the agent (agent_care) and escalation in wording written for them, plus hard negatives
(praise, thanks, relief, excitement with exclamation marks, reported speech, self-deprecation,
insults aimed at a third party, a complaint as a topic, mentions of platforms, channels and earlier
cases, intensifier slang; calm problem reports, jokes, denials of anger, echoes, the complaint desk as a place).
The default rubric must hold its
measured level on the clean and the noised copy of each, and of qa_customer_dev2's fresh set."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from voiceqa.qa.bench import evaluate, load_bench
from voiceqa.qa.rubric import load_rubric

from .lines import line_detects

DATA = Path(__file__).resolve().parent / "data" / "qa_customer_dev"
DATA2 = Path(__file__).resolve().parent / "data" / "qa_customer_dev2"
DATA3 = Path(__file__).resolve().parent / "data" / "qa_customer_dev3"
DATA4 = Path(__file__).resolve().parent / "data" / "qa_customer_dev4"
DATA5 = Path(__file__).resolve().parent / "data" / "qa_customer_dev5"
DATA6 = Path(__file__).resolve().parent / "data" / "qa_customer_dev6"
DATA7 = Path(__file__).resolve().parent / "data" / "qa_customer_dev7"
CUSTOMER = ("customer_complaint", "customer_anger", "agent_care")
# (clean file, noised file, at least: lines, anger, agent_care, complaint, hard negatives)
SETS = {
    "dev": (DATA / "utterances.yaml", DATA / "utterances_noisy.yaml", (150, 40, 30, 30, 60)),
    "dev2": (DATA2 / "utterances.yaml", DATA2 / "utterances_noisy.yaml", (120, 25, 35, 20, 50)),
    "fresh2": (DATA2 / "fresh.yaml", DATA2 / "fresh_noisy.yaml", (40, 10, 10, 8, 15)),
    "dev3": (DATA3 / "utterances.yaml", DATA3 / "utterances_noisy.yaml", (120, 40, 20, 30, 55)),
    "fresh3": (DATA3 / "fresh.yaml", DATA3 / "fresh_noisy.yaml", (40, 10, 7, 10, 20)),
    "dev4": (DATA4 / "utterances.yaml", DATA4 / "utterances_noisy.yaml", (120, 35, 15, 20, 60)),
    "fresh4": (DATA4 / "fresh.yaml", DATA4 / "fresh_noisy.yaml", (40, 12, 6, 6, 20)),
    "dev5": (DATA5 / "utterances.yaml", DATA5 / "utterances_noisy.yaml", (105, 25, 12, 16, 60)),
    "dev6": (DATA6 / "utterances.yaml", DATA6 / "utterances_noisy.yaml", (120, 35, 15, 25, 70)),
    "fresh6": (DATA6 / "fresh.yaml", DATA6 / "fresh_noisy.yaml", (38, 12, 6, 8, 20)),
    "dev7": (DATA7 / "utterances.yaml", DATA7 / "utterances_noisy.yaml", (110, 30, 8, 22, 65)),
    "fresh7": (DATA7 / "fresh.yaml", DATA7 / "fresh_noisy.yaml", (41, 12, 4, 9, 25)),
    "dev8": (Path(__file__).resolve().parent / "data" / "qa_customer_dev8" / "utterances.yaml",
             Path(__file__).resolve().parent / "data" / "qa_customer_dev8" / "utterances_noisy.yaml", (110, 30, 10, 22, 60)),
    "fresh8": (Path(__file__).resolve().parent / "data" / "qa_customer_dev8" / "fresh.yaml",
               Path(__file__).resolve().parent / "data" / "qa_customer_dev8" / "fresh_noisy.yaml", (40, 8, 3, 8, 25)),
}


@pytest.fixture(scope="module")
def sets():
    return {f"{name}-{kind}": load_bench(path) for name, (clean, noisy, _) in SETS.items()
            for kind, path in (("clean", clean), ("noisy", noisy))}


@pytest.mark.parametrize("name", list(SETS))
def test_dev_set_is_customer_side_and_balanced(name, sets):
    clean, noisy = sets[f"{name}-clean"], sets[f"{name}-noisy"]
    lines, anger, care, complaint, negatives = SETS[name][2]
    assert len(clean) >= lines and [e.id for e in noisy] == [e.id for e in clean]
    assert all(e.role == "customer" for e in clean)
    pos = Counter(c for e in clean for c in e.labels)
    assert pos["customer_anger"] >= anger and pos["agent_care"] >= care and pos["customer_complaint"] >= complaint, pos
    assert sum(bool(e.negative_for) for e in clean) >= negatives
    # every insult aimed at the agent is anger too (tests/data/qa_bench/README.md)
    assert all("customer_anger" in e.labels for e in clean if "agent_care" in e.labels)
    for a, b in zip(clean, noisy):
        assert (a.labels, a.negative_for) == (b.labels, b.negative_for) and a.text != b.text, a.id


@pytest.fixture(scope="module")
def results(sets):
    rubric = load_rubric()
    return {k: evaluate(v, rubric) for k, v in sets.items()}


# Measured with the default rubric (P / R per category), see the sets' README.md.
# qa_customer_dev: main before the customer-side families (6db99ef), clean: complaint 0.59/0.50,
# anger 0.69/0.48, care 0.87/0.61; with the families of customer.yaml 0.89/0.94, 0.96/0.90,
# 0.97/1.00 (noised: 0.81/0.85, 0.91/0.93, 0.92/1.00); after the second round 0.89/0.94,
# 0.97/0.90, 0.97/1.00 (noised 0.81/0.88, 0.89/0.92, 0.89/1.00).
# qa_customer_dev2: main (4101b3d) clean 0.81/0.95, 0.86/0.71, 0.79/0.55 (noised 0.70/0.95,
# 0.84/0.74, 0.81/0.53); second round 1.00/0.95, 0.97/0.90, 0.97/0.97 (noised 0.84/0.95,
# 0.93/0.90, 0.97/0.97). Its fresh set, written after the changes and never tuned to: main clean
# 1.00/0.88, 0.75/0.46, 1.00/0.14 (noised 0.78/0.88, 0.71/0.46, 1.00/0.14); second round
# 1.00/0.88, 0.87/0.50, 1.00/0.14 (noised 0.88/0.88, 0.81/0.50, 1.00/0.29): insults in unseen
# wording are still mostly missed.
# qa_customer_dev3 (mentions, calm hotline threats, intensifier slang, "stupid" of others): main
# (07c11f2) clean 0.78/0.91, 0.81/0.91, 0.90/0.75 (noised 0.76/0.91, 0.75/0.87, 0.79/0.62); third
# round 0.97/0.97, 0.94/0.96, 1.00/0.96 (noised 0.94/0.97, 0.83/0.93, 0.91/0.79).
# Its fresh set, written after the changes: main clean 0.73/0.73, 0.65/0.79, 0.71/0.71 (noised
# 0.61/0.73, 0.53/0.64, 0.67/0.57); third round 0.82/0.82, 0.79/0.79, 0.83/0.71 (noised 0.64/0.82,
# 0.64/0.64, 0.80/0.57).
# qa_customer_dev4 (calm problem reports, 气人/气死 in jest or of others, echoes and reported
# insults, denials of anger, the complaint desk as a place, insult words said of things): main
# (5d72c7a) clean 0.78/0.95, 0.65/0.82, 0.75/0.94 (noised 0.78/0.95, 0.60/0.79, 0.68/0.81); fourth
# round 1.00/0.95, 0.90/0.92, 0.94/0.94 (noised 1.00/0.95, 0.85/0.90, 0.93/0.81). Its fresh set,
# written after the changes, is the same on main and this round: clean 1.00/0.83, 1.00/0.85,
# 1.00/0.83 (noised 0.83/0.83, 0.79/0.85, 1.00/0.83).
# The floors sit 0.03-0.05 (one line on the fresh set) under the measured figures.
FLOORS = {
    "dev-clean": {"customer_complaint": (0.85, 0.85), "customer_anger": (0.93, 0.87), "agent_care": (0.94, 0.95)},
    "dev-noisy": {"customer_complaint": (0.77, 0.79), "customer_anger": (0.87, 0.87), "agent_care": (0.86, 0.95)},
    "dev2-clean": {"customer_complaint": (0.95, 0.90), "customer_anger": (0.93, 0.86), "agent_care": (0.93, 0.93)},
    "dev2-noisy": {"customer_complaint": (0.80, 0.90), "customer_anger": (0.89, 0.86), "agent_care": (0.93, 0.93)},
    "fresh2-clean": {"customer_complaint": (0.85, 0.75), "customer_anger": (0.80, 0.45), "agent_care": (0.90, 0.14)},
    "fresh2-noisy": {"customer_complaint": (0.75, 0.75), "customer_anger": (0.75, 0.45), "agent_care": (0.90, 0.21)},
    # agent_care recall 0.91: the presence round's examples (other rules' sentences the insult
    # classifier learns as "not me") cost one line: 22/24 (main 23/24)
    "dev3-clean": {"customer_complaint": (0.93, 0.93), "customer_anger": (0.90, 0.92), "agent_care": (0.95, 0.91)},
    "dev3-noisy": {"customer_complaint": (0.90, 0.93), "customer_anger": (0.79, 0.89), "agent_care": (0.87, 0.75)},
    "fresh3-clean": {"customer_complaint": (0.75, 0.72), "customer_anger": (0.72, 0.71), "agent_care": (0.75, 0.57)},
    "fresh3-noisy": {"customer_complaint": (0.58, 0.72), "customer_anger": (0.58, 0.57), "agent_care": (0.70, 0.42)},
    "dev4-clean": {"customer_complaint": (0.95, 0.90), "customer_anger": (0.85, 0.87), "agent_care": (0.88, 0.88)},
    "dev4-noisy": {"customer_complaint": (0.95, 0.90), "customer_anger": (0.80, 0.85), "agent_care": (0.87, 0.75)},
    "fresh4-clean": {"customer_complaint": (0.95, 0.80), "customer_anger": (0.95, 0.80), "agent_care": (0.95, 0.80)},
    "fresh4-noisy": {"customer_complaint": (0.80, 0.80), "customer_anger": (0.75, 0.80), "agent_care": (0.95, 0.80)},
    # qa_customer_dev5 (calm reports, gentle-with-a-neighbour asks, elderly dialect speech, notices to
    # avoid a dispute, non-threat mentions, product/app insults, retracting jokes; 申诉, the complaints
    # desk's number, repeat contact as a list, crude "useless", 骗子 at the agent): main (36437d5)
    # clean 0.67/0.75, 0.63/0.76, 0.62/0.67 (noised 0.71/0.75, 0.70/0.79, 0.50/0.50); fifth round
    # 1.00/1.00, 0.84/0.93, 0.85/0.92 (noised 1.00/0.88, 0.93/0.93, 0.75/0.75)
    "dev5-clean": {"customer_complaint": (0.95, 0.95), "customer_anger": (0.80, 0.89), "agent_care": (0.80, 0.88)},
    "dev5-noisy": {"customer_complaint": (0.95, 0.84), "customer_anger": (0.88, 0.89), "agent_care": (0.70, 0.70)},
    # qa_customer_dev6 (mild frustration about a thing, calm escalation = complaint not anger, product /
    # policy criticism and mixed praise, pushback on the agent's rudeness; an escalation already made
    # through a hotline or an authority, TV reporters, the n-th call, competence sarcasm, idiom
    # insults): main (58ab0a7) clean 1.00/0.89, 0.76/0.97, 0.88/0.88 (noised 0.95/0.74, 0.72/0.95,
    # 0.78/0.88); sixth round, re-landed after review 12, 1.00/1.00, 0.95/1.00, 1.00/1.00 (noised
    # 0.96/0.81, 0.86/0.97, 0.89/1.00). Its fresh set, written after the changes and measured once
    # (the same on main): clean 1.00/0.88, 0.90/0.69, 1.00/0.67 (noised 1.00/0.75, 0.82/0.69,
    # 0.80/0.67). Floors: one line under the measured figure (one more false or missed line).
    "dev6-clean": {"customer_complaint": (0.96, 0.96), "customer_anger": (0.92, 0.97), "agent_care": (0.94, 0.93)},
    "dev6-noisy": {"customer_complaint": (0.91, 0.77), "customer_anger": (0.84, 0.94), "agent_care": (0.84, 0.93)},
    "fresh6-clean": {"customer_complaint": (0.87, 0.75), "customer_anger": (0.81, 0.61), "agent_care": (0.80, 0.50)},
    "fresh6-noisy": {"customer_complaint": (0.85, 0.62), "customer_anger": (0.75, 0.61), "agent_care": (0.66, 0.50)},
    # qa_customer_dev7 (a short complaint target heard by sound, third-party speech retold, asking how
    # complaints work, exasperation at the company, one-clause problem reports; escalations naming head
    # office / online / the boss / the police, adopted threats): main (569767d) clean 0.77/0.92,
    # 0.79/0.82, 0.80/1.00 (noised 0.71/0.88, 0.75/0.82, 0.73/1.00); seventh round 1.00/0.92,
    # 0.85/0.88, 1.00/1.00 (noised 0.95/0.84, 0.81/0.88, 0.80/1.00). Its fresh set, written after the
    # changes and measured once: clean 0.86/0.67, 0.92/0.92, 0.80/1.00 (noised 1.00/0.78, 0.92/0.92,
    # 0.80/1.00). Floors: one line under the measured figure.
    "dev7-clean": {"customer_complaint": (0.96, 0.88), "customer_anger": (0.82, 0.84), "agent_care": (0.88, 0.87)},
    "dev7-noisy": {"customer_complaint": (0.91, 0.80), "customer_anger": (0.78, 0.84), "agent_care": (0.72, 0.87)},
    "fresh7-clean": {"customer_complaint": (0.75, 0.55), "customer_anger": (0.84, 0.84), "agent_care": (0.66, 0.75)},
    "fresh7-noisy": {"customer_complaint": (0.87, 0.66), "customer_anger": (0.84, 0.84), "agent_care": (0.66, 0.75)},
    # qa_customer_dev8 (a negator misheard, an insult heard in an ordinary word or a misheard 你们,
    # garbled calm clauses, dialect tags heard as targets, calm problem reports): main (ac66f25) clean
    # 0.64/1.00, 0.78/0.93, 0.65/1.00 (noised 0.74/1.00, 0.74/0.93, 0.61/1.00); eighth round clean
    # 0.88/1.00, 0.90/0.93, 0.85/1.00 (noised 0.88/1.00, 0.85/0.93, 0.79/1.00)
    "dev8-clean": {"customer_complaint": (0.85, 0.95), "customer_anger": (0.86, 0.90), "agent_care": (0.83, 0.95)},
    "dev8-noisy": {"customer_complaint": (0.85, 0.95), "customer_anger": (0.81, 0.90), "agent_care": (0.76, 0.95)},
    # its fresh set (written after the changes, measured once): clean and noised 0.88/0.88, 0.89/1.00, 0.75/1.00
    "fresh8-clean": {"customer_complaint": (0.85, 0.85), "customer_anger": (0.86, 0.95), "agent_care": (0.70, 0.95)},
    "fresh8-noisy": {"customer_complaint": (0.85, 0.85), "customer_anger": (0.86, 0.95), "agent_care": (0.70, 0.95)},
}


@pytest.mark.parametrize("which", list(FLOORS))
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


def _detects(text: str, category: str) -> bool:
    """Whether ``category`` is seen on one customer line scored as a call of its own (the bench's
    single-line call, qa/bench.py)."""
    return category in line_detects(_rubric(), "customer", text, (category,))


@lru_cache(maxsize=1)
def _rubric():
    return load_rubric()


@pytest.mark.parametrize("text, care", [
    ("你这人怎么一问三不知啊，要你何用。", True),        # "you" + a judgement of the person
    ("你可真是个人才，转了三次都没转对。", True),          # mock praise next to a grievance
    ("你可真是个人才，这么快就搞定了，谢谢！", False),      # real praise: thanks for a result
    ("我那前妻就是个废物，存折都让她拿走了。", False),      # an insult aimed at a third party
    ("我啥都不会，你一步一步教我吧。", False),              # the caller about themself
    ("这么晚了还要接电话，真难为你了。", False),            # sympathy, not sarcasm
    ("你说的那些术语我一窍不通。", False),                  # self-deprecation
    ("你刚才说啥你脑子有病吧", True),                       # no punctuation: not an echo
])
def test_insults_aimed_at_the_agent_not_at_others(text, care):
    assert _detects(text, "agent_care") is care, text


@pytest.mark.parametrize("path", sorted((DATA3 / "calls").glob("*.json")), ids=lambda p: p.stem)
def test_clean_calls_with_mentions_raise_no_customer_flag(path):
    """Whole calls (qa_customer_dev3/calls) where the caller names a platform, the 投诉 department,
    an earlier case or a hotline in thanks, and laughs with 笑死/吓死/绝了: no customer item flags,
    and the complaint risk stays under the warning threshold."""
    import json

    from voiceqa.qa.scorer import score_transcript
    from voiceqa.schema import Transcript

    rubric = load_rubric()
    card = score_transcript(Transcript.from_dict(json.loads(path.read_text(encoding="utf-8"))), rubric)
    assert [(f.category, f.evidence) for f in card.flags if f.category in CUSTOMER] == []
    assert card.warning_level <= 1, card.warning_level


def _customer_flags(path):
    import json

    from voiceqa.qa.scorer import score_transcript
    from voiceqa.schema import Transcript

    card = score_transcript(Transcript.from_dict(json.loads(path.read_text(encoding="utf-8"))), load_rubric())
    return card, [(f.category, f.evidence) for f in card.flags if f.category in CUSTOMER]


CALLS4 = sorted((DATA4 / "calls").glob("*.json"))


@pytest.mark.parametrize("path", [p for p in CALLS4 if not p.stem.startswith("angry_")], ids=lambda p: p.stem)
def test_clean_calls_with_calm_reports_jokes_and_denials_raise_no_customer_flag(path):
    """Whole calls (qa_customer_dev4/calls) where the caller reports a fault calmly, jokes with
    气人/气死, says 我没生气 / 不是生气, echoes a word, tells of someone else's insult or names the
    complaint hotline or a regulator's website: no customer item flags (the blind evaluation's
    false-flag families on clean calls)."""
    card, flags = _customer_flags(path)
    assert flags == []
    assert card.warning_level <= 1, card.warning_level


@pytest.mark.parametrize("path", [p for p in CALLS4 if p.stem.startswith("angry_")], ids=lambda p: p.stem)
def test_calls_with_a_real_angry_escalation_still_flag(path):
    _, flags = _customer_flags(path)
    assert {"customer_anger", "customer_complaint"} <= {c for c, _ in flags}, flags


def test_denials_jokes_and_others_anger_are_not_the_callers_anger():
    from voiceqa.qa.emotion import EmotionLexicon, turn_emotion
    from voiceqa.text.words import has_cue

    lex = EmotionLexicon.from_lexicon(load_rubric().lexicon)
    # jieba keeps 没生气 as one word: the negation cue inside it still counts
    assert has_cue("我没生气，你慢慢查。", lex.negation) and not has_cue("这个真不错", lex.negation)
    for calm in ("我不是生气啊，就是怕家里老人被乱扣费。", "气死我了哈哈，又把密码忘了。"):
        assert turn_emotion(calm, lex=lex).label != "angry", calm
    assert turn_emotion("你们乱扣费，气死我了！", lex=lex).label == "angry"


def test_sound_matches_stay_inside_clauses_and_words():
    from voiceqa.text.phrases import find_phrase

    # 钱，钱 is two clauses, not 抢钱; 去是 inside 打过去是吧 starts inside the word 过去, not 去死
    assert not find_phrase("我在柜员机取钱，钱没出来。", "抢钱", "pinyin")
    assert find_phrase("你们这是抢钱啊！", "抢钱", "pinyin")
    assert not find_phrase("我点一下就能打过去是吧？", "去死", "pinyin")
    assert find_phrase("你去死吧。", "去死", "pinyin")


CALLS5 = sorted((DATA5 / "calls").glob("*.json"))


@pytest.mark.parametrize("path", [p for p in CALLS5 if not p.stem.startswith("angry_")], ids=lambda p: p.stem)
def test_clean_calls_with_gentle_asks_dialect_notices_and_product_gripes_raise_no_customer_flag(path):
    """Whole calls (qa_customer_dev5/calls): a card kept by a cash machine, a warning light that came
    and went, a detour, a dog reported politely, asking the centre to be gentle with a neighbour, an
    elderly caller's dialect tag questions and pension worry, notifying the company to avoid a later
    dispute, asking where to report a fraud, a lawyer's advice, a journalist's request, an app called
    stupid, a joke that retracts a complaint, "I'm hard of hearing": no customer item flags."""
    card, flags = _customer_flags(path)
    assert flags == []
    assert card.warning_level <= 1, card.warning_level


@pytest.mark.parametrize("path", [p for p in CALLS5 if p.stem.startswith("angry_")], ids=lambda p: p.stem)
def test_calls_with_indirect_escalation_still_flag(path):
    """Repeat contact told as a list of days + a formal appeal (申诉) to the regulator; calling the
    agent a swindler + demanding the complaints department's number: anger and complaint."""
    _, flags = _customer_flags(path)
    assert {"customer_anger", "customer_complaint"} <= {c for c, _ in flags}, flags


@pytest.mark.parametrize("text, complaint", [
    ("把你们投诉部门的电话给我，我直接跟他们说。", True),            # demanding the complaints desk
    ("周一打了一次，周二又打，昨天还打，还是没人来修！", True),      # repeat contact told as a list
    ("昨天打过来问过了，今天再打来确认一下时间。", False),           # two calm contacts are no list
    ("我先跟你们报备一下，箱子到的时候就是破的。", False),           # a notice to avoid a dispute
    ("本来想投诉的，后来发现是我自己填错了。", False),               # a retracted complaint
])
def test_complaint_desk_demands_and_repeat_lists_not_notices(text, complaint):
    assert _detects(text, "customer_complaint") is complaint, text


CALLS6 = sorted((DATA6 / "calls").glob("*.json"))


@pytest.mark.parametrize("path", [p for p in CALLS6 if not p.stem.startswith("angry_")], ids=lambda p: p.stem)
def test_clean_calls_with_mild_frustration_criticism_and_pushback_raise_no_customer_flag(path):
    """Whole calls (qa_customer_dev6/calls): an outage with worry about the food in the fridge and
    relief, a non-refundable booking with a rigid rule criticised while the agent is praised and a
    joke about one's own cat, a caller pushing back on a rude agent (echoing the agent's words as a
    question, asking to be spoken to politely): no customer item flags."""
    card, flags = _customer_flags(path)
    assert flags == []
    # the rude-agent call raises the agent's own flags; the caller's side adds no risk
    assert card.warning_level <= (2 if "rude" in path.stem else 1), card.warning_level


@pytest.mark.parametrize("path", [p for p in CALLS6 if p.stem.startswith("angry_")], ids=lambda p: p.stem)
def test_calls_with_nth_call_reporters_and_sarcasm_flag(path):
    """The n-th call, a threat to bring TV reporters, sarcasm about the agent's competence:
    anger, complaint and agent_care."""
    _, flags = _customer_flags(path)
    assert {"customer_anger", "customer_complaint", "agent_care"} <= {c for c, _ in flags}, flags


@pytest.mark.parametrize("text, care", [
    ("你刚才说我听不懂人话？我就是没听清楚。", False),   # the agent's words echoed back as a question
    ("我没文化？你怎么能这样说话。", False),             # the caller's echo of a word said of them
    ("你说谁没脑子呢，请你放尊重点。", False),
    ("你说我是骗子？我可是正经买了票的。", False),
    ("我啰嗦？那你也得让我把话说完吧。", False),
    ("你刚才说我胡搅蛮缠？我只是要个说法。", False),
    ("你说你是不是傻，问三遍都答不上来。", True),        # bare 你说 is the caller's own rhetoric
    ("你听不懂人话是吧？我说的是退票！", True),
    # unpunctuated transcripts: the echo stops at the next 你/你们, the caller's own insult after it counts
    ("你刚才说啥你脑子有病吧", True),
    ("你说谁是骗子你们才是骗子", True),
    ("你嫌我烦你还当什么客服你有病吧", True),
    ("什么叫我不讲理你们这帮骗子还有脸说", True),
])
def test_echoed_insult_words_are_the_agents_not_the_callers(text, care):
    """The customer insult rules take a reported-speech frame (default.yaml &caller_echo): a few
    words the caller questions back from the agent are not an insult aimed at the agent; what
    follows the echo is the caller's own (review 12: the scope ran to the end of the turn)."""
    assert _detects(text, "agent_care") is care, text
    if care:
        assert _detects(text, "customer_anger"), text


# review 12 (section 1) and this round's own lines: (text, category, expected)
ANGER_CASES = [
    # the caller plays the problem down: anger's rules skip the turn
    ("司机多收了我五块钱，我不计较，就是提一下。", False),
    ("这种小电器坏了也正常，我认了，能修就修。", False),
    ("这事我认了，不过下次麻烦提前通知一声。", False),
    # ... but not with words an angry turn holds too (能理解, 可以理解, 也正常 as a question, 认倒霉)
    ("多收我五块钱也就算了，你们连个道歉都没有，太过分了！", True),
    ("我真的不能理解，你们到底在干什么！", True),
    ("延误我可以理解，但你们连个通知都不发，太过分了！", True),
    ("这也正常？你们开什么玩笑！", True),
    ("我实在不能理解，扣了我三次钱还说系统正常？！", True),
    ("这病看了三回还没好我只能认倒霉？你们医院到底在干什么！", True),
    # the caller's own rhetoric 我…？ is anger (no echoed judgement word)
    ("我招谁惹谁了？", True),
    ("我就活该倒霉？", True),
    ("我招你惹你了？凭什么把我的号停了！", True),
    # conscience rhetoric aimed at the company is anger; 摸着良心讲 / 凭良心说 vouch for something
    ("你们这叫什么服务，良心不会痛吗？", True),
    ("摸着良心讲，这个价格确实实惠。", False),
    ("凭良心说，你们的司机服务还是挺好的。", False),
    # calm: understanding, no hurry, a cancelled flight accepted
    ("这个情况我能理解，就是想问一下大概什么时候能修好。", False),
    ("晚几天也正常，不着急，你们慢慢安排就行。", False),
    ("航班取消了也没办法，天气原因我理解，帮我改到明天早上就行。", False),
]


@pytest.mark.parametrize("text, anger", ANGER_CASES)
def test_a_turn_that_plays_the_problem_down_is_not_anger_but_anger_stays(text, anger):
    assert _detects(text, "customer_anger") is anger, text


@pytest.mark.parametrize("text", [
    # sympathy and sincere praise of competence (review 12: 难为你了 / 业务真熟练 were sarcasm words)
    "这么晚了还要接电话，真难为你了。",
    "你业务真熟练啊，一下就查到了。",
    "难为你了，跟我解释这么多遍。",
    "小王业务挺熟练的，几分钟就帮我把套餐换好了。",
    "麻烦你了，这么复杂的账都给我算清楚了。",
    "你们客服真是辛苦，大过年的还在上班。",
    # self-deprecation (一窍不通 / 不知好歹 said of oneself)
    "你说的那些术语我一窍不通。",
    "你别嫌我不知好歹。",
    "这些保险条款我一窍不通，你帮我讲讲哪个合适。",
    "我年纪大了，手机上的东西不太懂，你别嫌我烦。",
    # asking about the agent's term, confirming what the agent said
    "你刚才说要带身份证原件？那我明天带过去。",
    "你说的那个叫亲情号的套餐，是怎么收费的？",
])
def test_sympathy_praise_and_self_deprecation_are_no_insult_nor_anger(text):
    assert not _detects(text, "agent_care"), text
    assert not _detects(text, "customer_anger"), text


@pytest.mark.parametrize("text, care", [
    ("你这个脑子是不是进水了，地址我说了三遍。", True),
    ("就你这业务水平还当客服，赶紧换个人来。", True),
    ("转三次都转不对，你们公司可真会挑人才。", True),          # competence sarcasm
    ("你不就是个接电话的嘛，狗仗人势给谁看呢？", True),        # an idiom insult
])
def test_insults_in_other_wording_still_count(text, care):
    assert _detects(text, "agent_care") is care, text
    assert _detects(text, "customer_anger") is care, text


@pytest.mark.parametrize("text, complaint", [
    # an escalation already made: a complaint or report lodged, or an authority (123xx, 消协, 监管, 信访)
    ("我前几天已经打过12345反映了，到现在还没人联系我。", True),
    ("这事我早就向消协投诉过了，他们让我再找你们。", True),
    ("我已经向金融监管局投诉过了，你们就等着吧。", True),
    ("上周我已经去消协投诉过了，那边让我再跟你们协商一下。", True),
    # ... not a service request through a utility's or the property manager's hotline
    ("我已经给物业热线留言了，他们说今天下午来修。", False),
    ("已经打过供电热线反映了停电，他们让我问你们什么时候能来电。", False),
    ("我昨天在热线上留言预约了上门安装，想确认一下几点来。", False),
    ("我已经拨过市民热线问了政策，他们说材料要到你们这边交。", False),
    ("我上个月已经打过12345问过政策了，他们说要先找你们开证明。", False),
    ("我们小区物业已经向供电所报修了，想问问你们这边有没有登记。", False),
    ("我已经投诉过了吗？我记不太清了，你帮我查一下。", False),     # a question, not an escalation
    # a formal complaint asked for; not a question about the process, not a retraction
    ("这件事我还是要走正式投诉流程，麻烦帮我登记。", True),
    ("我要实名投诉你们这个维修师傅。", True),
    ("这种情况得走投诉流程吗", False),
    ("我要是走投诉流程，大概多久有结果", False),
    ("本来想走投诉流程的，后来问清楚就算了。", False),
    ("家里老人还指着晚上包饺子呢。", False),                        # 晚上包 is no 往上报
])
def test_escalations_already_made_and_formal_complaints(text, complaint):
    assert _detects(text, "customer_complaint") is complaint, text


def test_a_frame_can_name_the_reported_words():
    """qa/reported.py: a frame's ``said…`` group is the scope (cut at the clause end); without one
    the scope runs from the frame to the clause end."""
    from voiceqa.qa.reported import reported_spans

    named = r"你刚才说(?=(?P<said>[^你您]{1,8}))"
    assert reported_spans("你刚才说啥你脑子有病吧", named) == ((4, 5),)
    assert reported_spans("你刚才说我笨，好吧", named) == ((4, 6),)
    assert reported_spans("你刚才说我笨，好吧", r"你刚才说") == ((4, 6),)
    assert reported_spans("你刚才说啥你脑子有病吧", r"你刚才说") == ((4, 11),)


@pytest.mark.parametrize("text, complaint", [
    # someone else's words or instructions, retold (customer.yaml reported_frame): any speaker
    ("我姐夫说这种事可以打12315，我想还是先问问你们。", False),
    ("小区保安讲他们要去找媒体，我不管这些，我就来问问水费。", False),
    ("营业厅的小姑娘叫我直接打总部的电话问一下。", False),
    # ... adopted by the caller, or the caller's own words
    ("我老婆说得对，这事就得找你们领导，我现在就要找你们领导。", True),
    ("朋友都劝我去消协，我也打算去消协反映。", True),
    ("我会让我的律师联系你们。", True),
    ("我说了，我要投诉你们。", True),
    # a short target heard by sound where another word is written, or with its intent also only heard
    ("我老伴打电话问过了，说明天才能来。", False),
    ("我晚上打你们电话一直没人接。", False),
    ("我要找你们老板。", True),
    ("把你们领导叫来！", True),
])
def test_retold_words_and_short_targets_heard_by_sound(text, complaint):
    assert _detects(text, "customer_complaint") is complaint, text


def test_short_sound_alikes_need_a_written_word_and_frames_keep_emotion_words_out():
    """``written_words`` (text/phrases.py): a two-character phrase heard where another dictionary word
    is written is that word; a slip that writes no word still counts. The emotion lexicon's anger
    words skip someone else's reported words (customer.yaml reported_frame) unless adopted."""
    from voiceqa.qa.emotion import EmotionLexicon, turn_emotion
    from voiceqa.text.phrases import find_phrase

    assert find_phrase("我老伴来过了", "老板", "pinyin")
    assert not find_phrase("我老伴来过了", "老板", "pinyin", written_words=True)
    assert find_phrase("我要找你们劳板", "老板", "pinyin", written_words=True)
    assert find_phrase("我要找你们老板", "老板", "pinyin", written_words=True)
    lex = EmotionLexicon.from_lexicon(load_rubric().lexicon)
    assert turn_emotion("我表哥非说你们是骗子，我自己来问问。", lex=lex).anger_hits == []
    assert turn_emotion("我儿子说你们是骗子，我看说得没错，你们就是骗子！", lex=lex).label == "angry"


@pytest.mark.parametrize("text, category, seen", [
    # a negator misheard as a same-sounding character (language.yaml negation_heard)
    ("俺步想找记者，就想问问低保咋申请。", "customer_complaint", False),
    ("我部是来投诉的，就想问问账单。", "customer_complaint", False),
    ("我美说要找你们经理，你帮我催一下就行。", "customer_complaint", False),
    ("我要去消协投诉你们，这事没完。", "customer_complaint", True),
    # an insult heard in an ordinary word, or 你们 misheard as 你妈 (care_address / care_pronoun_next)
    ("你们寄过来的说明书纸张太薄了。", "agent_care", False),
    ("这个月的存货还剩多少，你帮我看一下。", "agent_care", False),
    ("你吗那边几点开门，我想过去办卡。", "agent_care", False),
    ("你妈这边能不能快点给我回个电话。", "customer_anger", False),
    ("你个白吃，说了三遍还记错！", "agent_care", True),
    ("你就是个笨单，什么都办不好！", "agent_care", True),
])
def test_misheard_negators_and_insult_sounding_words(text, category, seen):
    """Round 8 (qa_customer_dev8): where the recogniser wrote a same-sounding character for a negator,
    the negation still holds; an insult heard by sound in an ordinary dictionary word counts only
    when addressed (你个…), and 你妈 going on as a subject or a place (那边, 能不能) is 你们 misheard."""
    assert _detects(text, category) is seen, text


DATA8 = Path(__file__).resolve().parent / "data" / "qa_customer_dev8"


@pytest.mark.parametrize("name", sorted(__import__("yaml").safe_load((DATA8 / "calls" / "labels.yaml").read_text(encoding="utf-8"))))
def test_dev8_calls_flag_their_labelled_customer_items(name):
    """Whole calls (qa_customer_dev8/calls, labels.yaml): a misheard negator, 你们 heard as 你妈,
    ordinary words that sound like insults, a garbled low-confidence caller, dialect tags next to
    a call-back, calm problem reports raise no customer flag; escalations and an insult with one
    ASR slip raise exactly their labelled items."""
    import yaml

    want = yaml.safe_load((DATA8 / "calls" / "labels.yaml").read_text(encoding="utf-8"))[name]
    _, flags = _customer_flags(DATA8 / "calls" / f"{name}.json")
    assert {c for c, _ in flags} == set(want), flags
