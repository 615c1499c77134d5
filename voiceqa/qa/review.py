"""When a missing phrase may be the recogniser's fault: the item goes to a human.

A presence item (greeting, closing, ...) that found nothing fails, unless the speech in the
item's window was recognised with low confidence or produced too little text for the time
spoken: then its outcome is ``review`` and it costs nothing until someone listens.
"""
from __future__ import annotations

from ..text.chinese import normalize_for_compare
from .context import ScoringContext
from .rubric import Item, ReviewSettings
from .rules import item_span

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
