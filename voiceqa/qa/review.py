"""When a decision may be the recogniser's fault: the item goes to a human.

A presence item (greeting, closing, ...) that found nothing fails, unless the speech in the
item's window was recognised with low confidence or produced too little text for the time
spoken: then its outcome is ``review`` and it costs nothing until someone listens. The same
holds the other way for a fatal item (一票否决): when every piece of evidence was recognised
with low confidence (one misheard syllable spells a curse), a human listens before the score
becomes 0. And a violation seen only by a weak kind of rule on one line (an item's
``corroborate``: a meaning match, nothing else) waits for a human too, unless the other side
objected to how it was said right after it (``corroborate.reaction``: 你这是什么态度), which is
what a QA listener takes as proof.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..schema import ROLE_LABELS
from ..text.chinese import normalize_for_compare
from .context import ScoringContext
from .rubric import Item, ReviewSettings
from .rules import Finding, findings_of, item_span

DOUBTFUL_SHARE = 0.4  # share of the window's speech (by duration) recognised with low confidence


@dataclass(frozen=True)
class Review:
    """Why an item is left to a human, and where to listen (seconds; None: the item's window)."""

    note: str
    at: float | None = None


_DIGITS = frozenset("0123456789０１２３４５６７８９零〇一二三四五六七八九幺两")
QUOTE_CHARS = 20


def _quote(at: float, text: str) -> str:
    """``[12.34s] text`` for a note, the text cut after QUOTE_CHARS characters but never inside a
    run of digits (half a phone number would escape PII masking of the shown note)."""
    end = min(QUOTE_CHARS, len(text))
    while 0 < end < len(text) and text[end - 1] in _DIGITS and text[end] in _DIGITS:
        end += 1
    return f"[{at:.2f}s] {text[:end]}"


def _role(finding: Finding) -> str:
    """The role whose turns a finding is looked up in (findings of "any"/"unknown": every turn)."""
    return finding.role if finding.role in ("agent", "customer") else "any"


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def review_reason(item: Item, ctx: ScoringContext, settings: ReviewSettings) -> Review | None:
    """Why the item's absence is doubtful (with the time), or None when the miss is trusted."""
    lo, hi = item_span(item, ctx.duration)
    turns = [t for _, t in ctx.turns_in(item.role) if t.end > lo and t.start < hi]
    # confidence 0 means "not known" (transcripts from other tools), not "certainly wrong"
    doubtful = [t for t in turns if 0 < t.confidence < settings.min_confidence]
    spoken = sum(_overlap(t.start, t.end, lo, hi) for t in turns)
    unsure = sum(_overlap(t.start, t.end, lo, hi) for t in doubtful)
    if doubtful and unsure >= DOUBTFUL_SHARE * spoken:  # a short garbled 喂 does not make the window doubtful
        t = min(doubtful, key=lambda t: t.confidence)
        return Review(f"识别置信度低（{t.confidence:.2f}），需人工复核：{_quote(t.start, t.text)}", t.start)
    roles = ("agent", "customer", "unknown") if item.role == "any" else (item.role,)
    speech = sum(_overlap(r.start, r.end, lo, hi) for role in roles for r in ctx.speech_by_role.get(role, []))
    chars = sum(len(normalize_for_compare(t.text)) for t in turns)
    if speech >= settings.min_speech_seconds and chars < settings.min_chars_per_second * speech:
        return Review(f"{lo:.2f}–{hi:.2f}s内有{speech:.1f}秒语音仅识别出{chars}字，需人工复核", lo)
    return None


def said_in_other_words(item: Item, ctx: ScoringContext) -> Review | None:
    """Why a missing item may have been said after all (its ``maybe_said`` rule found something
    in the item's role and window), or None."""
    if item.maybe_said is None:
        return None
    hint = next(iter(findings_of(item.maybe_said, item, ctx)), None)
    if hint is None:
        return None
    return Review(f"听到“{hint.key or hint.evidence[:8]}”，可能已用其他说法完成，需人工复核：{_quote(hint.start, hint.evidence)}", hint.start)


def _evidence_confidence(finding: Finding, ctx: ScoringContext) -> float:
    """Mean calibrated probability of the words under ``finding`` (its turn's confidence when the
    words are not known); 0 = not known."""
    for _, t in ctx.turns_in(_role(finding)):
        if t.end < finding.start or t.start > finding.end:
            continue
        under = [w.probability for w in t.words if w.end > finding.start - 0.05 and w.start < finding.end + 0.05]
        return sum(under) / len(under) if under else t.confidence
    return 0.0


def doubtful_evidence(item: Item, findings: list[Finding], ctx: ScoringContext, settings: ReviewSettings) -> Review | None:
    """Why a fatal item's findings are too doubtful to zero the score, or None when at least one
    of them was heard clearly (or confidence is not known)."""
    if item.severity != "fatal" or item.expect == "present" or not findings:
        return None
    scores = [_evidence_confidence(f, ctx) for f in findings]
    if all(0 < c < settings.min_confidence for c in scores):
        f, c = min(zip(findings, scores), key=lambda p: p[1])
        return Review(f"致命项证据识别置信度低（{c:.2f}），需人工复核：{_quote(f.start, f.evidence)}", f.start)
    return None


def _turn_of(finding: Finding, ctx: ScoringContext) -> int:
    """Index of the turn (of the finding's role) that holds most of the finding, -1 when none:
    back-to-back turns of one speaker and overlapping turns of two stay apart."""
    best, most = -1, 0.0
    for i, t in ctx.turns_in(_role(finding)):
        inside = _overlap(t.start, t.end, finding.start, finding.end)
        if inside > most or (most == 0 and best < 0 and t.start <= finding.start < t.end):
            best, most = i, inside
    return best


_SPEAKER = {r: ROLE_LABELS[r] for r in ("agent", "customer")}  # any other side: 对方


@dataclass(frozen=True)
class Reacted:
    """A weak finding and the other side's reaction to it that corroborates it."""

    finding: Finding
    reaction: Finding  # the reaction's words
    at: float  # where the reacting turn starts (seconds)
    said: str  # the reacting turn's text

    def evidence(self) -> str:
        """The finding's quote with the reaction that proves it (the reacting turn's start and
        words), for the flag an agent may dispute."""
        who = _SPEAKER.get(self.reaction.role, "对方")
        return f"{self.finding.evidence}（{who}随即回应：{_quote(self.at, self.said)}）"


def _reactions(item: Item, ctx: ScoringContext) -> list[Finding]:
    """What the item's ``corroborate.reaction`` rule finds in the reacting role's turns (the whole
    call: the window is the weak line's, not the reaction's)."""
    reaction = item.corroborate.reaction
    probe = item.model_copy(update={"role": reaction.role, "window": None, "rule": reaction.rule})
    return findings_of(reaction.rule, probe, ctx)


def _turns_after(ctx: ScoringContext, ti: int, role: str, n: int) -> list[int]:
    """Indices of the next ``n`` turns of ``role`` after turn ``ti``, in call order."""
    return [i for i, _ in ctx.turns_in(role) if i > ti][:n]


def reacted(item: Item, findings: list[Finding], ctx: ScoringContext) -> list[Reacted]:
    """The weak findings the other side reacted to within ``within_turns`` of its turns (none
    when the item has no ``corroborate.reaction``): one line plus such a reaction is proof."""
    rule = item.corroborate.reaction if item.corroborate else None
    if rule is None or not findings:
        return []
    found = _reactions(item, ctx)
    if not found:
        return []
    by_turn = {}
    for r in found:
        by_turn.setdefault(_turn_of(r, ctx), r)
    out = []
    for f in findings:
        ti = _turn_of(f, ctx)
        after = _turns_after(ctx, ti, rule.role, rule.within_turns) if ti >= 0 else []
        hit = next((i for i in after if i in by_turn), None)
        if hit is not None:
            out.append(Reacted(f, by_turn[hit], ctx.turns[hit].start, ctx.turns[hit].text))
    return out


def weak_evidence(item: Item, findings: list[Finding], ctx: ScoringContext) -> Review | None:
    """Why the item's findings are too weak to flag (``item.corroborate``: every one found only
    by weak kinds of rule, on fewer turns than it asks for), or None when they corroborate each
    other."""
    rule = item.corroborate
    if rule is None or not findings or any(set(f.kinds) - set(rule.weak) for f in findings):
        return None
    turns = len({_turn_of(f, ctx) for f in findings})
    if turns >= rule.min_turns:
        return None
    f = findings[0]
    what = "与示例意思相近" if {k for g in findings for k in g.kinds} <= {"semantic"} else "有弱证据"
    return Review(f"仅{turns}句{what}、无其他证据，需人工复核：{_quote(f.start, f.evidence)}", f.start)


def corroborated(item: Item, findings: list[Finding], ctx: ScoringContext) -> tuple[list[Finding], Review | None]:
    """The findings to flag, or ([], why) when they are too weak (:func:`weak_evidence`) and the
    other side did not react to any of them (:func:`reacted`); findings proven by a reaction are
    flagged alone, each with the reaction quoted beside it."""
    why = weak_evidence(item, findings, ctx)
    if why is None:
        return findings, None
    proven = reacted(item, findings, ctx)
    if not proven:
        return [], why
    return [replace(p.finding, evidence=p.evidence()) for p in proven], None
