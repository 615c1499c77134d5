"""Quality measures against ground truth (the dev calls' JSON): CER, role accuracy, DER.

Used by the test-suite's quality gates and by ``scripts/bench_transcribe.py``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .qa.confusion import Confusion
from .schema import Region, Transcript, Turn
from .text.chinese import cer


@dataclass
class CallScores:
    call_id: str
    cer: float
    errors: int
    ref_chars: int
    role_accuracy: float
    der: float | None = None
    text_in_silence: list[str] | None = None


def load_truth(json_path: str | Path) -> dict:
    return json.loads(Path(json_path).read_text(encoding="utf-8"))


def truth_transcript(truth: dict) -> Transcript:
    """The ground-truth transcript of a dev call (exact text, roles and times): scoring it
    measures the rules alone, without ASR errors."""
    speaker = {"agent": "S0", "customer": "S1"}
    turns = [
        Turn(speaker[t["role"]], t["role"], t["start"], t["end"], t["text"], 1.0)
        for t in sorted(truth["turns"], key=lambda t: t["start"])
    ]
    speech: dict[str, list[Region]] = {}
    for t in truth["turns"]:
        for s in t.get("segments") or [t]:
            speech.setdefault(speaker[t["role"]], []).append(Region(s["start"], s["end"], speaker[t["role"]]))
    return Transcript(
        call_id=truth["call_id"], source="ground truth", duration=truth["duration_s"], channels=2,
        separation="stereo", turns=turns, models={}, timings={}, speech=speech,
    )


def _ref_segments(truth: dict) -> list[tuple[float, float, str]]:
    out = []
    for turn in truth["turns"]:
        segs = turn.get("segments") or [turn]
        out.extend((s["start"], s["end"], turn["role"]) for s in segs)
    return out


def role_accuracy(transcript: Transcript, truth: dict) -> float:
    """Share of reference speech time covered by a predicted turn of the right role."""
    total = correct = 0.0
    for s, e, role in _ref_segments(truth):
        total += e - s
        covered = []
        for t in transcript.turns:
            if t.role == role:
                a, b = max(s, t.start), min(e, t.end)
                if b > a:
                    covered.append((a, b))
        covered.sort()
        last = s
        for a, b in covered:
            a = max(a, last)
            if b > a:
                correct += b - a
                last = b
    return correct / total if total else 0.0


def text_in_silence(transcript: Transcript, truth: dict, min_gap: float = 3.0) -> list[str]:
    """Turns whose span lies mostly inside a ground-truth silence longer than ``min_gap`` s."""
    segs = sorted((s, e) for s, e, _ in _ref_segments(truth))
    gaps, cursor = [], 0.0
    for s, e in segs:
        if s - cursor > min_gap:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if truth.get("duration_s", 0) - cursor > min_gap:
        gaps.append((cursor, truth["duration_s"]))
    bad = []
    for t in transcript.turns:
        for a, b in gaps:
            inside = max(0.0, min(b, t.end) - max(a, t.start))
            if inside > 0.5 * max(t.end - t.start, 1e-6) and inside > 1.0:
                bad.append(f"[{t.start:.2f}-{t.end:.2f}] {t.text}")
    return bad


def diarization_error_rate(transcript: Transcript, truth: dict, collar: float = 0.25) -> float:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for i, (s, e, role) in enumerate(_ref_segments(truth)):
        ref[Segment(s, e), i] = role
    k = 0
    for spk, regions in transcript.speech.items():
        for r in regions:
            hyp[Segment(r.start, r.end), k] = spk
            k += 1
    return float(DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp))


def score_call(transcript: Transcript, truth: dict, der: bool = False) -> CallScores:
    ref_text = "".join(t["text"] for t in sorted(truth["turns"], key=lambda t: t["start"]))
    hyp_text = "".join(t.text for t in sorted(transcript.turns, key=lambda t: t.start))
    errors, n = cer(ref_text, hyp_text)
    return CallScores(
        call_id=truth["call_id"],
        cer=errors / max(n, 1),
        errors=errors,
        ref_chars=n,
        role_accuracy=role_accuracy(transcript, truth),
        der=diarization_error_rate(transcript, truth) if der else None,
        text_in_silence=text_in_silence(transcript, truth),
    )


# ---- QA scoring against the dev calls' injected violations ----

TRUTH_CATEGORY = {
    "missing_greeting": "missing_greeting",
    "missing_closing": "missing_closing",
    "missing_satisfaction_survey": "missing_survey",
    "forbidden_phrase": "forbidden_phrase",
    "customer_complaint": "customer_complaint",
    "dead_air_over_10s": "dead_air",
    "interruption_overlap": "overtalk",
}


def truth_categories(truth: dict) -> set[str]:
    return {TRUTH_CATEGORY[v["type"]] for v in truth.get("violations", []) if v["type"] in TRUTH_CATEGORY}


def flagged_categories(card_dict: dict) -> set[str]:
    return {f["category"] for f in card_dict["flags"] if f["category"] in TRUTH_CATEGORY.values()}


def precision_recall(pairs: list[tuple[set[str], set[str]]]) -> dict[str, tuple[float, float, int, int, int]]:
    """Per category over calls: (precision, recall, true pos, false pos, false neg)."""
    out = {}
    for cat in sorted(set(TRUTH_CATEGORY.values())):
        c = Confusion()
        for truth, predicted in pairs:
            c.count(cat in truth, cat in predicted)
        out[cat] = (c.precision, c.recall, c.tp, c.fp, c.fn)
    return out


def pii_recall(card_dict: dict, truth: dict, slack: float = 1.0) -> tuple[int, int]:
    """(found, total) ground-truth PII spans overlapped by a pii flag."""
    flags = [f for f in card_dict["flags"] if f["category"] == "pii"]
    found = sum(
        any(f["start"] - slack <= p["end"] and p["start"] <= f["end"] + slack for f in flags)
        for p in truth.get("pii", [])
    )
    return found, len(truth.get("pii", []))


# ---- speaker attribution on real two-channel recordings (one speaker per channel) ----

GRID = 0.1  # s per frame of the attribution measure


def _activity(regions_by_label: list[list], n: int):
    import numpy as np

    act = np.zeros((n, len(regions_by_label)), dtype=bool)
    for k, regions in enumerate(regions_by_label):
        for r in regions:
            act[int(round(r.start / GRID)): int(round(r.end / GRID)), k] = True
    return act


def channel_reference(channels: list, rate: int):
    """Who speaks when, from a recording with one speaker per channel: webrtcvad speech of each
    channel (crosstalk suppressed) on a 0.1 s grid -> bool array (frames, channels)."""
    from .vad import detect_speech

    speech = detect_speech(list(channels), rate, labels=[str(i) for i in range(len(channels))])
    n = int(len(channels[0]) / rate / GRID) + 1
    return _activity([speech[str(i)] for i in range(len(channels))], n)


def truth_reference(truth: dict):
    """The same grid from a dev call's ground truth (column 0 agent, 1 customer)."""
    n = int(truth["duration_s"] / GRID) + 1
    segs = _ref_segments(truth)
    from .schema import Region

    return _activity([[Region(s, e) for s, e, r in segs if r == role] for role in ("agent", "customer")], n)


def speaker_attribution(reference, speech: dict) -> float:
    """Share of single-speaker reference time that the hypothesis gives to that speaker alone,
    under the best one-to-one mapping of hypothesis speakers to reference speakers. Frames the
    hypothesis leaves silent or gives to two speakers count as wrong."""
    from itertools import permutations

    import numpy as np

    labels = sorted(speech)
    hyp = _activity([speech[lab] for lab in labels], reference.shape[0])[: reference.shape[0]]
    single = reference.sum(axis=1) == 1
    if not single.any() or not labels:
        return 0.0
    who = reference.argmax(axis=1)
    alone = hyp.sum(axis=1) == 1
    best = 0
    k = reference.shape[1]
    for perm in permutations(range(len(labels)), min(k, len(labels))):
        ok = sum(int(np.sum(single & (who == ref_k) & alone & hyp[:, hyp_j])) for ref_k, hyp_j in enumerate(perm))
        best = max(best, ok)
    return best / int(single.sum())


# ---- word confidence against reference text ----


def word_outcomes(words: list[tuple[str, float]], reference: str) -> list[tuple[float, int]]:
    """(probability, 1 if right) for each recognised word with at least one comparable
    character: hypothesis characters aligned with the reference by Levenshtein edit operations;
    a word is right when none of its characters is substituted or deleted."""
    from rapidfuzz.distance import Levenshtein

    from .text.chinese import normalize_for_compare

    hyp, owner = [], []
    for i, (text, _) in enumerate(words):
        for ch in normalize_for_compare(text):
            hyp.append(ch)
            owner.append(i)
    wrong = set()
    for op in Levenshtein.editops("".join(hyp), normalize_for_compare(reference)):
        if op.tag in ("replace", "delete"):
            wrong.add(owner[op.src_pos])
    seen = sorted(set(owner))
    return [(words[i][1], int(i not in wrong)) for i in seen]
