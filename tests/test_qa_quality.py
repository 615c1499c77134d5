"""QA scoring on the dev calls' real transcripts: flags against the injected violations.

Precision/recall per category over all dev calls (stereo and mono recordings), PII recall,
and the warning level of calls with a complaint. An announced hold (the agent said 请稍等
first) is a violation only when it outlasts the rubric's hold allowance (dev_calls/README).
"""
from __future__ import annotations

import copy

import pytest

from voiceqa.evaluation import (
    flagged_categories, load_truth, pii_recall, precision_recall, truth_categories, truth_transcript,
)
from voiceqa.qa.rubric import SilenceRule, load_rubric, parse_rubric
from voiceqa.qa.scorer import score_transcript
from voiceqa.text.lexicon import LEXICON_DIR

pytestmark = pytest.mark.slow

GATED = ("missing_greeting", "missing_closing", "missing_survey", "forbidden_phrase", "dead_air", "overtalk", "customer_complaint")


def rubric_truth(truth: dict, rubric) -> dict:
    """The dev call's violations under ``rubric``: announced holds within its allowance are not."""
    allowance = max((it.rule.max_hold_seconds for it in rubric.items if isinstance(it.rule, SilenceRule)), default=0.0)
    kept = [v for v in truth["violations"]
            if not (v["type"] == "dead_air_over_10s" and v.get("hold_notice") and v["duration"] <= allowance)]
    return {**truth, "violations": kept}


@pytest.fixture(scope="module")
def cards(dev_transcripts, dev_calls):
    rubric = load_rubric()
    out = {}
    for (cid, mode), tr in dev_transcripts.items():
        truth = rubric_truth(load_truth(dev_calls / f"{cid}.json"), rubric)
        out[(cid, mode)] = (score_transcript(copy.deepcopy(tr), rubric).to_dict(), truth)
    return out


def test_announced_hold_follows_the_rubric_allowance(dev_transcripts, dev_calls):
    """The default rubric allows 60 s after a hold notice; a centre that allows only 10 s gets
    the dev calls' announced hold flagged."""
    held = [cid for cid in {c for c, _ in dev_transcripts}
            if any(v.get("hold_notice") for v in load_truth(dev_calls / f"{cid}.json")["violations"])]
    assert held
    default = load_rubric()
    strict_text = (LEXICON_DIR.parent / "default.yaml").read_text(encoding="utf-8").replace("max_hold_seconds: 60", "max_hold_seconds: 10")
    strict = parse_rubric(strict_text, "strict.yaml", LEXICON_DIR.parent)
    for cid in held:
        for mode in ("stereo", "mono"):
            tr = dev_transcripts[(cid, mode)]
            assert "dead_air" not in {f.category for f in score_transcript(tr, default).flags}, (cid, mode)
            assert "dead_air" in {f.category for f in score_transcript(tr, strict).flags}, (cid, mode)


# Overtalk needs two voices at once: a stereo call has them on two channels; on a mono call the
# speaker-count-known diarization (no segmentation model) does not detect overlapped speech, so
# overtalk is gated on the stereo recordings only (README: "overtalk is measured on stereo calls only").
STEREO_ONLY = ("overtalk",)


def test_flag_precision_and_recall_per_category(cards):
    def pairs(modes):
        return [(truth_categories(truth), flagged_categories(card)) for (_, mode), (card, truth) in cards.items() if mode in modes]
    stats = {"all": precision_recall(pairs({"stereo", "mono"})), "stereo": precision_recall(pairs({"stereo"}))}
    for cat in GATED:
        kind = "stereo" if cat in STEREO_ONLY else "all"
        prec, rec, *_ = stats[kind][cat]
        report = {c: (round(p, 2), round(r, 2)) for c, (p, r, *_rest) in stats[kind].items()}
        assert prec >= 0.9 and rec >= 0.9, (cat, kind, report)


def _pii_recall(pairs) -> tuple[int, int]:
    found = total = 0
    for card, truth in pairs:
        f, n = pii_recall(card, truth)
        found, total = found + f, total + n
    return found, total


def test_pii_recall_on_ground_truth_text(dev_calls):
    """The PII rules alone (exact transcripts, numbers spoken as 汉字): nothing may be missed."""
    rubric = load_rubric()
    pairs = []
    for path in sorted(dev_calls.glob("call_*.json")):
        truth = load_truth(path)
        pairs.append((score_transcript(truth_transcript(truth), rubric).to_dict(), truth))
    found, total = _pii_recall(pairs)
    assert total > 0 and found == total, (found, total)


def test_pii_recall(cards):
    """On Whisper's output: a digit string the model garbles can be missed, and int8 kernels give
    slightly different text on other CPUs (17 of 18 spans on one machine, 18 on another), so the
    gate leaves room for two misses; the rules themselves are gated exactly above."""
    found, total = _pii_recall(cards.values())
    assert total > 0 and found / total >= 0.85, (found, total)


def test_complaint_calls_reach_warning_level_3(cards):
    for (cid, mode), (card, truth) in cards.items():
        if "customer_complaint" in truth_categories(truth):
            assert card["warning_level"] == 3, (cid, mode)
            assert card["emotion"]["complaint_risk"] >= 0.7


def test_evidence_points_at_the_right_time(cards):
    """Each forbidden-phrase flag lies within 3 s of an injected forbidden phrase."""
    for (cid, mode), (card, truth) in cards.items():
        spans = [(v["start"], v["end"]) for v in truth["violations"] if v["type"] == "forbidden_phrase"]
        for f in card["flags"]:
            if f["category"] == "forbidden_phrase":
                assert any(s - 3 <= f["start"] <= e + 3 for s, e in spans), (cid, mode, f)
