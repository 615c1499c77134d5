"""When a decision may be the recogniser's fault: the item goes to a human.

A presence item (greeting, closing, ...) that found nothing fails, unless the speech in the
item's window was recognised with low confidence or produced too little text for the time
spoken: then its outcome is ``review`` and it costs nothing until someone listens. The same
holds the other way for a fatal item (一票否决): when every piece of evidence was recognised
with low confidence (one misheard syllable spells a curse), a human listens before the score
becomes 0.
"""
from __future__ import annotations

from ..text.chinese import normalize_for_compare
from .context import ScoringContext
from .rubric import Item, ReviewSettings
from .rules import Finding, item_span

DOUBTFUL_SHARE = 0.4  # share of the window's speech (by duration) recognised with low confidence


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def review_reason(item: Item, ctx: ScoringContext, settings: ReviewSettings) -> str | None:
    """Why the item's absence is doubtful (with the time), or None when the miss is trusted."""
    lo, hi = item_span(item, ctx.duration)
    turns = [t for _, t in ctx.turns_in(item.role) if t.end > lo and t.start < hi]
    # confidence 0 means "not known" (transcripts from other tools), not "certainly wrong"
    doubtful = [t for t in turns if 0 < t.confidence < settings.min_confidence]
    spoken = sum(_overlap(t.start, t.end, lo, hi) for t in turns)
    unsure = sum(_overlap(t.start, t.end, lo, hi) for t in doubtful)
    if doubtful and unsure >= DOUBTFUL_SHARE * spoken:  # a short garbled 喂 does not make the window doubtful
        t = min(doubtful, key=lambda t: t.confidence)
        return f"识别置信度低（{t.confidence:.2f}），需人工复核：[{t.start:.2f}s] {t.text[:20]}"
    roles = ("agent", "customer", "unknown") if item.role == "any" else (item.role,)
    speech = sum(_overlap(r.start, r.end, lo, hi) for role in roles for r in ctx.speech_by_role.get(role, []))
    chars = sum(len(normalize_for_compare(t.text)) for t in turns)
    if speech >= settings.min_speech_seconds and chars < settings.min_chars_per_second * speech:
        return f"{lo:.2f}–{hi:.2f}s内有{speech:.1f}秒语音仅识别出{chars}字，需人工复核"
    return None


def _evidence_confidence(finding: Finding, ctx: ScoringContext) -> float:
    """Mean calibrated probability of the words under ``finding`` (its turn's confidence when the
    words are not known); 0 = not known."""
    for _, t in ctx.turns_in(finding.role if finding.role in ("agent", "customer") else "any"):
        if t.end < finding.start or t.start > finding.end:
            continue
        under = [w.probability for w in t.words if w.end > finding.start - 0.05 and w.start < finding.end + 0.05]
        return sum(under) / len(under) if under else t.confidence
    return 0.0


def doubtful_evidence(item: Item, findings: list[Finding], ctx: ScoringContext, settings: ReviewSettings) -> str | None:
    """Why a fatal item's findings are too doubtful to zero the score, or None when at least one
    of them was heard clearly (or confidence is not known)."""
    if item.severity != "fatal" or item.expect == "present" or not findings:
        return None
    scores = [_evidence_confidence(f, ctx) for f in findings]
    if all(0 < c < settings.min_confidence for c in scores):
        f, c = min(zip(findings, scores), key=lambda p: p[1])
        return f"致命项证据识别置信度低（{c:.2f}），需人工复核：[{f.start:.2f}s] {f.evidence[:20]}"
    return None
