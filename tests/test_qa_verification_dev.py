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
# round 14: the account read out or acted on in words no family knows (the meaning route)
DATA2 = DATA.parent / "qa_verification_dev2"
LABELS2 = yaml.safe_load((DATA2 / "labels.yaml").read_text(encoding="utf-8"))["calls"]


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


# the verification item's meaning route as a rubric author turns it on (off in the default rubric:
# README "corroborate"): the account read out in words no family knows, by service.yaml's examples
THEN_SEMANTIC = """      then_semantic:
        type: semantic
        label: account_disclosed
        examples: ["@verification_then_meaning"]
        negatives: ["@verification_then_meaning_not"]
"""


@pytest.fixture(scope="module")
def meaning_rubric():
    from voiceqa.qa.rubric import LEXICON_DIR, parse_rubric

    text = (LEXICON_DIR.parent / "default.yaml").read_text(encoding="utf-8")
    anchor = '      then_not: ["@verification_then_not"]'
    assert text.count(anchor) == 1
    line_end = text.index("\n", text.index(anchor)) + 1
    return parse_rubric(text[:line_end] + THEN_SEMANTIC + text[line_end:], "default.yaml", LEXICON_DIR.parent)


def _verdict(rubric, name: str, data: Path = DATA) -> str:
    """The verification item's outcome on a call: fail (flagged), review (left to a human: one
    disclosure found by meaning only, the item's ``corroborate``) or pass."""
    tr = Transcript.from_dict(json.loads((data / "calls" / f"{name}.json").read_text(encoding="utf-8")))
    return next(i.outcome for i in score_transcript(tr, rubric).items if i.id == "verification")


def _caught(rubric, name: str, data: Path = DATA) -> bool:
    """A skipped check is caught when it is flagged or sent to a human; a clean call must pass
    (a review costs a listener's time, a flag costs points)."""
    labelled = "missing_verification" in (LABELS if data == DATA else LABELS2)[name]["labels"]
    verdict = _verdict(rubric, name, data)
    return verdict in ("fail", "review") if labelled else verdict != "fail"


def test_calls_are_labelled_and_varied():
    assert len(LABELS) >= 24 and len({v["industry"] for v in LABELS.values()}) >= 10
    assert sum(bool(v["labels"]) for v in LABELS.values()) >= 10
    assert all(set(v["labels"]) <= {"missing_verification"} for v in LABELS.values())
    assert {p.stem for p in (DATA / "calls").glob("*.json")} == set(LABELS)


# a booking cancelled on a name only: cancelling an order or booking is not read as acting on the
# account, and the booking details read out are no family (found by the meaning route when it is on)
KNOWN_MISSES = {"hotel_booking_cancel"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="known limit")) if n in KNOWN_MISSES
                                  else n for n in sorted(LABELS)])
def test_verification_flag_on_whole_calls(name, rubric):
    """The calls labelled missing_verification are caught, the others pass (the other items are not this set's
    subject: an outbound offer without a rating invitation may miss its survey)."""
    assert _caught(rubric, name)


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


def test_dev2_calls_are_labelled_and_varied():
    assert len(LABELS2) >= 24 and len({v["industry"] for v in LABELS2.values()}) >= 10
    assert sum(bool(v["labels"]) for v in LABELS2.values()) >= 10
    assert {p.stem for p in (DATA2 / "calls").glob("*.json")} == set(LABELS2)


# measured on main (ac66f25): none of the ten skipped calls flagged; the README has the figures
# the account with no owner named at all (单位和个人加起来每个月是…, 现在里头攒了…): no family pattern
# applies, then_account needs whose account it is, and the rule's classifier does not accept the
# nearest examples (gas_meter_arrears, 那户…欠着…没交, is caught by then_account since round 3)
KNOWN_MISSES2 = {"housing_fund_balance"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="known limit")) if n in KNOWN_MISSES2
                                  else n for n in sorted(LABELS2)])
def test_dev2_verification_flag_on_whole_calls(name, meaning_rubric):
    """With the meaning route on, the skipped checks are caught and the clean calls pass."""
    assert _caught(meaning_rubric, name, DATA2)


@pytest.mark.parametrize("name", sorted(n for n, v in LABELS2.items() if not v["labels"]))
def test_dev2_clean_calls_pass_with_the_default_rubric(name, rubric):
    assert _verdict(rubric, name, DATA2) == "pass"


@pytest.mark.parametrize("kind,floors", [("clean", (0.95, 0.95)), ("noisy", (0.95, 0.95))])
def test_dev2_lines_hold_their_level(kind, floors, rubric):
    res = evaluate(load_bench(DATA2 / ("utterances.yaml" if kind == "clean" else "utterances_noisy.yaml")), rubric)
    assert_floors(res, {"missing_verification": floors})


def _findings(rubric, lines: list[tuple[str, str]]):
    """The verification item's findings on a call of (role, text) lines, nothing else scored."""
    from voiceqa.qa.rules import evaluate as evaluate_item
    from voiceqa.qa.scorer import prepare_context
    from voiceqa.schema import Turn

    turns, t = [], 0.5
    for role, text in lines:
        turns.append(Turn("S0" if role == "agent" else "S1", role, t, t + len(text) * 0.25, text, 0.93))
        t += len(text) * 0.25 + 0.8
    tr = Transcript("v", "v.wav", t, 2, "stereo", turns, {}, {}, {})
    item = next(i for i in rubric.items if i.id == "verification")
    return evaluate_item(item, prepare_context(tr, rubric).ctx)


def test_meaning_finds_a_paraphrased_disclosure_the_patterns_miss(meaning_rubric):
    """Written here: a transfer history and a pension gap in words no phrase or pattern holds are
    found by meaning (kind semantic) before any check; a public fee and a waybill are not."""
    item = next(i for i in meaning_rubric.items if i.id == "verification")
    import re

    said = "行，查了，前天晚上从这张卡往外转了两笔，一笔八千一笔一万二。"
    assert not re.search(item.rule.then_pattern, said)
    found = _findings(meaning_rubric, [("agent", "您好，请讲。"), ("customer", "我卡上的钱怎么少了？"), ("agent", said)])
    assert found and "semantic" in found[0].kinds
    clean = _findings(meaning_rubric, [("agent", "您好，请讲。"), ("customer", "跨行转账收手续费吗？"),
                               ("agent", "手机银行跨行转账是免费的，柜台转账按千分之五收，五十封顶。"),
                               ("customer", "我还有个快递，单号七七一三零二。"), ("agent", "这个单号显示已经到了您那边的驿站。")])
    assert clean == []


def test_then_semantic_is_a_semantic_rule_of_the_rubric(meaning_rubric):
    """The nested rule is one of the rubric's semantic rules (its examples embedded once with the
    others, `rubric test` judges them) and carries then_not as context."""
    from voiceqa.qa.rubric import leaf_rules

    item = next(i for i in meaning_rubric.items if i.id == "verification")
    nested = item.rule.then_semantic
    assert any(r is nested for _, r in meaning_rubric.semantic_rules())
    assert leaf_rules(item.rule)[1] is nested
    assert set(item.rule.then_not) <= set(nested.exclude)
    assert set(nested.examples) <= set(meaning_rubric.semantic_background())


@pytest.mark.parametrize("nested,message", [
    ("{type: keyword, phrases: [x]}", "then_semantic"),
    ("{type: semantic}", "then_semantic.examples"),
    ("{type: semantic, examples: [您卡里还有五千], decision: sometimes}", "then_semantic.decision"),
])
def test_bad_then_semantic_is_one_line(tmp_path, nested, message):
    from voiceqa.qa.rubric import RubricError

    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nversion: 1\nitems:\n  - {id: v, name: V, category: missing_verification, severity: major, points: 10,"
                 f" rule: {{type: sequence, first: [身份证], then: [余额], then_semantic: {nested}}}}}\n", encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(p)
    assert "line 4" in str(info.value) and message in str(info.value) and "\n" not in str(info.value)
