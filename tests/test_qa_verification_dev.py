"""Verification development set (tests/data/qa_verification_dev): the identity check must come
before the account is read out or acted on. Whole calls across fifteen industries where the agent
gives out what the account holds or did (系统显示您…套餐, 我这边看到您这张尾号…, 您名下, 您账户昨天
卖出, 逾期N天, 断缴, 登记的地址是, test results) or acts on it (解除, 改成, 停掉) before
any check raise ``missing_verification``; calls checked first in many phrasings (机主本人, 核对一下您
的信息, a volunteered ID confirmed, a call already verified in the IVR) or needing no check (public
prices, policy, a waybill, an outbound offer, the caller pointed to their own app) do not. The
line set (clean and ASR-noised) holds its measured level in the verification slot."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from voiceqa.qa.bench import PRESENCE, evaluate, load_bench
from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript
from voiceqa.schema import Transcript

from .floors import assert_floors
from .lines import line_detects

DATA = Path(__file__).resolve().parent / "data" / "qa_verification_dev"
LABELS = yaml.safe_load((DATA / "labels.yaml").read_text(encoding="utf-8"))["calls"]


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def _flags(rubric, name: str) -> set[str]:
    tr = Transcript.from_dict(json.loads((DATA / "calls" / f"{name}.json").read_text(encoding="utf-8")))
    return {f.category for f in score_transcript(tr, rubric).flags}


def test_calls_are_labelled_and_varied():
    assert len(LABELS) >= 24 and len({v["industry"] for v in LABELS.values()}) >= 10
    assert sum(bool(v["labels"]) for v in LABELS.values()) >= 10
    assert all(set(v["labels"]) <= {"missing_verification"} for v in LABELS.values())
    assert {p.stem for p in (DATA / "calls").glob("*.json")} == set(LABELS)


# a booking cancelled on a name only: cancelling an order or booking is not read as acting on the
# account (an order number names the business, and a cancellation after the order number was asked
# is routine), and the booking details read out are not a known family yet
KNOWN_MISSES = {"hotel_booking_cancel"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="known limit")) if n in KNOWN_MISSES
                                  else n for n in sorted(LABELS)])
def test_verification_flag_on_whole_calls(name, rubric):
    """Exactly the calls labelled missing_verification raise it (the other items are not this set's
    subject: an outbound offer without a rating invitation may miss its survey)."""
    assert ("missing_verification" in _flags(rubric, name)) == ("missing_verification" in LABELS[name]["labels"])


# measured with scripts/bench_qa.py --data/--noisy (P / R), see the set's README for main's figures
FLOORS = {"clean": (0.95, 0.95), "noisy": (0.95, 0.80)}


@pytest.mark.parametrize("kind", list(FLOORS))
def test_lines_hold_their_level(kind, rubric):
    entries = load_bench(DATA / ("utterances.yaml" if kind == "clean" else "utterances_noisy.yaml"))
    assert all(e.role == "agent" and set(e.labels + e.negative_for) <= set(PRESENCE) for e in entries)
    res = evaluate(entries, rubric)
    assert_floors(res, {"missing_verification": FLOORS[kind]})
    assert res.control_flags == []


def _checked(rubric, text: str) -> bool:
    """Whether ``text`` in the verification slot counts as the identity check before the account
    line that follows it."""
    return "missing_verification" in line_detects(rubric, "agent", text, ("missing_verification",), slot="missing_verification")


def test_families_written_here(rubric):
    """One line per family, written here (not in the set)."""
    assert _checked(rubric, "您在自助语音里已经完成了身份验证，请问要办什么？")
    assert _checked(rubric, "跟您核实一下您的登记信息，户主怎么称呼？")
    assert not _checked(rubric, "我这边查到您名下还有一张副卡没注销。")
    assert not _checked(rubric, "好的，已经帮您把这张卡解冻了。")
    assert not _checked(rubric, "您那个账号绑定的邮箱是q开头的那个。")
