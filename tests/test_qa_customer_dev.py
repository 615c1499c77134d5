"""The customer-side dev sets (tests/data/qa_customer_dev, qa_customer_dev2 … qa_customer_dev5): anger, insults
aimed at the agent (agent_care) and escalation in wording written for them, plus hard negatives
(praise, thanks, relief, excitement with exclamation marks, reported speech, self-deprecation,
insults aimed at a third party, a complaint as a topic, mentions of platforms, channels and earlier
cases, intensifier slang; calm problem reports, jokes, denials of anger, echoes, the complaint desk as a place).
The default rubric must hold its
measured level on the clean and the noised copy of each, and of qa_customer_dev2's fresh set."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from voiceqa.qa.bench import evaluate, load_bench
from voiceqa.qa.rubric import load_rubric

DATA = Path(__file__).resolve().parent / "data" / "qa_customer_dev"
DATA2 = Path(__file__).resolve().parent / "data" / "qa_customer_dev2"
DATA3 = Path(__file__).resolve().parent / "data" / "qa_customer_dev3"
DATA4 = Path(__file__).resolve().parent / "data" / "qa_customer_dev4"
DATA5 = Path(__file__).resolve().parent / "data" / "qa_customer_dev5"
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
    from voiceqa.qa.bench import BenchEntry, build_call, detected
    from voiceqa.qa.scorer import score_transcript

    entry = BenchEntry(id="care-900", industry="banking", direction="inbound", role="customer", text=text, labels=[])
    call = build_call(entry)
    assert detected(score_transcript(call.transcript, load_rubric()), call, "agent_care") is care, text


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
    from voiceqa.qa.bench import BenchEntry, build_call, detected
    from voiceqa.qa.scorer import score_transcript

    entry = BenchEntry(id="cmp-900", industry="telecom", direction="inbound", role="customer", text=text, labels=[])
    call = build_call(entry)
    assert detected(score_transcript(call.transcript, load_rubric()), call, "customer_complaint") is complaint, text
