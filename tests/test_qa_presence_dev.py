"""Presence-items development set (tests/data/qa_presence_dev): greeting, badge/name, verification,
closing and survey invitation in unusual wording (stars, a score out of ten, the agent's seat number,
the technician in a mini-program, feedback through a link; travel and recovery wishes, see-you-laters;
seat numbers, 客户经理小X, 售后阿X; security questions, "am I speaking with …本人") against look-alikes
that share their words (我叫同事, a ticket number, card digits read out, a pain scale, a registration
questionnaire, a hold or transfer, a safety instruction starting with 在检). The set is valid and
balanced, the default rubric holds its measured level on it (clean and ASR-noised), and eight whole
calls behave: six clean calls in unusual wording raise no missing item, two really missing the
closing or the survey raise exactly that item."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from voiceqa.qa.bench import PRESENCE, evaluate, load_bench
from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript
from voiceqa.schema import Transcript

from .floors import assert_floors
from .lines import line_detects

DATA = Path(__file__).resolve().parent / "data" / "qa_presence_dev"
FAMILIES = {"greet": 9, "badge": 9, "verify": 11, "close": 13, "survey": 13, "both": 3}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.fixture(scope="module")
def sets():
    return {kind: load_bench(DATA / f"utterances{suffix}.yaml") for kind, suffix in (("clean", ""), ("noisy", "_noisy"))}


def test_set_is_valid_and_balanced(sets):
    clean, noisy = sets["clean"], sets["noisy"]
    assert len(clean) >= 110 and len({e.text for e in clean}) == len(clean)
    assert all(e.role == "agent" and set(e.labels) <= set(PRESENCE) for e in clean)
    hard = [e for e in clean if e.negative_for]
    assert len(hard) >= 50 and all(set(e.negative_for) <= set(PRESENCE) for e in hard)
    fam = Counter(e.id.split("-")[0] for e in clean if not e.negative_for)
    assert all(fam[f] >= n for f, n in FAMILIES.items()), fam
    assert len({e.industry for e in clean}) == 10
    assert [(e.id, e.labels, e.negative_for) for e in noisy] == [(e.id, e.labels, e.negative_for) for e in clean]
    assert all(a.text != b.text and len(a.text) == len(b.text) for a, b in zip(clean, noisy))


@pytest.fixture(scope="module")
def results(sets, rubric):
    return {k: evaluate(v, rubric) for k, v in sets.items()}


# measured with scripts/bench_qa.py --data/--noisy (P / R), see the set's README for main's figures
FLOORS = {
    "clean": {"missing_greeting": (0.95, 0.95), "missing_badge": (0.85, 0.95), "missing_verification": (0.88, 0.95),
              "missing_closing": (0.90, 0.95), "missing_survey": (0.95, 0.95)},
    "noisy": {"missing_greeting": (0.95, 0.95), "missing_badge": (0.90, 0.85), "missing_verification": (0.88, 0.95),
              "missing_closing": (0.90, 0.95), "missing_survey": (0.95, 0.88)},
}


@pytest.mark.parametrize("which", list(FLOORS))
def test_rubric_holds_its_level(which, results):
    res = results[which]
    assert_floors(res, FLOORS[which])
    assert res.fatal_on_hard_negatives == [] and res.control_flags == []


CLEAN = ("hotel_outbound_wish", "water_bill_keypad", "ride_app_stars", "clinic_booking", "bank_security_question",
         "city_hotline_views")
MISSING = {"missing_closing_ecommerce": "missing_closing", "missing_survey_telecom": "missing_survey"}


def _missing(rubric, name: str) -> set[str]:
    tr = Transcript.from_dict(json.loads((DATA / "calls" / f"{name}.json").read_text(encoding="utf-8")))
    return {f.category for f in score_transcript(tr, rubric).flags if f.category.startswith("missing_")}


@pytest.mark.parametrize("name", CLEAN)
def test_presence_items_in_unusual_words_are_found(name, rubric):
    """Six clean calls (hotel outbound, water bill, ride-hailing, clinic booking, card security
    question, city hotline) whose presence items use unusual wording: no missing item."""
    assert _missing(rubric, name) == set()


@pytest.mark.parametrize("name", list(MISSING))
def test_a_really_missing_item_is_still_flagged(name, rubric):
    """A call that ends on a rating invitation without any closing, and one that closes with a wish
    but never invites a rating: exactly that item is missing."""
    assert _missing(rubric, name) == {MISSING[name]}


def _found(rubric, category: str, text: str) -> bool:
    """Whether ``text`` satisfies ``category`` in its slot of the bench's neutral call."""
    return category in line_detects(rubric, "agent", text, (category,), slot=category)


def test_families_written_here(rubric):
    """One line per family, written here (not in the set): each presence item in other words, and
    its look-alike."""
    assert _found(rubric, "missing_survey", "待会儿请您给我这次的服务打几颗星。")
    assert not _found(rubric, "missing_survey", "您可以先看看这家餐厅的评分再订。")
    assert _found(rubric, "missing_closing", "那我们改天再聊，祝您和家人中秋快乐。")
    assert not _found(rubric, "missing_closing", "我先把电话挂起，您稍等一下。")
    assert _found(rubric, "missing_badge", "我这边是您的理财顾问小宁。")
    assert not _found(rubric, "missing_badge", "我叫师傅明天上午过去看看。")
    assert _found(rubric, "missing_greeting", "欢迎拨打城市燃气热线。")
