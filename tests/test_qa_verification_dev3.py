"""Verification round 3 (tests/data/qa_verification_dev3, qa_verification_fresh3; README of each):
a determinate account's detail given as fact before any check (``then_account``: 这户…一直没缴,
那一单…多报了三十二块, 那条宽带是三年前装的, 老人家这个月是按…发的, outbound reminders 您家燃气费已经
欠了两个月) raises ``missing_verification``; calls checked first in any wording, public fees and rules,
estimates, a caller's own figures said back and callers only giving information pass. Whole calls,
scored with the default rubric's verification item alone (it has no meaning route, so no encoder)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript
from voiceqa.schema import Transcript

DATA = Path(__file__).resolve().parent / "data"
SETS = ("qa_verification_dev3", "qa_verification_fresh3", "qa_verification_fresh2", "qa_verification_fresh")
LABELS = {s: yaml.safe_load((DATA / s / "labels.yaml").read_text(encoding="utf-8"))["calls"] for s in SETS}

# measured misses, each with its reason (the sets' READMEs)
KNOWN_MISSES = {
    # the account named by a pupil's name only (刘子轩这学期的书本费…还没交): no possessive, no demonstrative
    ("qa_verification_dev3", "school_fee_unpaid"): "an account named by a person's name only",
    # the car named by its model (那辆白色轩逸), the deposit and its date in the next clauses: no account word after the demonstrative
    ("qa_verification_fresh3", "car_rental_deposit"): "an account named by a car model, not an account word",
    # a monthly amount is read as a tariff (这个套餐每个月五十八元 is a price, not an account), so the
    # plan's monthly fee read out on an outbound retention call is not a disclosure
    ("qa_verification_fresh", "telecom_retention_outbound"): "a per-month amount reads as a tariff (generic 每个月)",
}


@pytest.fixture(scope="module")
def rubric():
    """The default rubric with its verification item alone (nothing to embed)."""
    full = load_rubric()
    return full.model_copy(update={"items": [i for i in full.items if i.id == "verification"]})


def _verdict(rubric, data: str, name: str) -> str:
    tr = Transcript.from_dict(json.loads((DATA / data / "calls" / f"{name}.json").read_text(encoding="utf-8")))
    return next(i.outcome for i in score_transcript(tr, rubric).items if i.id == "verification")


def _case(data: str, name: str):
    why = KNOWN_MISSES.get((data, name))
    return pytest.param(data, name, marks=pytest.mark.xfail(strict=True, reason=why)) if why else (data, name)


@pytest.mark.parametrize("data", SETS[:2])
def test_sets_are_labelled_and_varied(data):
    labels = LABELS[data]
    assert {p.stem for p in (DATA / data / "calls").glob("*.json")} == set(labels)
    assert len({v["industry"] for v in labels.values()}) >= 5 and {v["direction"] for v in labels.values()} == {"inbound", "outbound"}
    assert 0.3 <= sum(bool(v["labels"]) for v in labels.values()) / len(labels) <= 0.6


@pytest.mark.parametrize("data,name", [_case(s, n) for s in SETS for n in sorted(LABELS[s])])
def test_verification_on_whole_calls(data, name, rubric):
    """A skipped check is flagged; a clean call passes."""
    flagged = _verdict(rubric, data, name) != "pass"
    assert flagged == ("missing_verification" in LABELS[data][name]["labels"])


def _disclosed(rubric, text: str) -> bool:
    """Whether ``text`` (one agent sentence, nothing said before) holds a then_account finding."""
    from voiceqa.qa.context import ScoringContext
    from voiceqa.qa.rules import _account_hits
    from voiceqa.schema import Turn

    rule = rubric.items[0].rule
    tr = Transcript("v", "v.wav", 10.0, 2, "stereo", [Turn("S0", "agent", 0.0, 10.0, text, 0.93)], {}, {}, {})
    return bool(_account_hits(rule.then_account, rule.then_not, rubric.items[0], ScoringContext(tr, {}, ["calm"])))


def test_then_account_written_here(rubric):
    """One line per kind, written here (not in the sets): whose account + a detail as fact, and
    the same words as a rule, a question, an estimate or a hypothetical."""
    assert _disclosed(rubric, "那套房子的物业费交到去年年底，已经欠了五个月了。")
    assert _disclosed(rubric, "尾号三三零九的那张卡这个月扣了两笔年费。")
    assert _disclosed(rubric, "您先生那份意外险上个月十二号就到期了。")
    assert not _disclosed(rubric, "那套房子的物业费一般是按季度交的，每平米两块二。")
    assert not _disclosed(rubric, "您那一单是昨天下的对吧？")
    assert not _disclosed(rubric, "您这笔订单如果超过七天没发货，可以申请赔付。")
    assert not _disclosed(rubric, "您这一单预计明天下午送到。")


def test_bad_then_account_is_one_line(tmp_path):
    from voiceqa.qa.rubric import RubricError

    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nversion: 1\nitems:\n  - {id: v, name: V, category: missing_verification, severity: major, points: 10,"
                 " rule: {type: sequence, first: [身份证], then: [余额], then_account: {owner: '(您', detail: 欠}}}\n", encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(p)
    assert "line 4" in str(info.value) and "then_account.owner" in str(info.value) and "\n" not in str(info.value)
