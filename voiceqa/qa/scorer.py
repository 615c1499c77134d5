"""Apply a rubric to a transcript: flags with evidence, item results, total, warning level."""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

from pypinyin import lazy_pinyin

from ..errors import InputError
from ..schema import Transcript, r2
from .context import ScoringContext, TurnAcoustics
from .emotion import EmotionLexicon, complaint_risk, speaker_emotion, turn_emotion
from .metrics import call_metrics
from .pii import find_pii, mask
from .review import Review, corroborated, doubtful_evidence, review_reason, said_in_other_words
from .rubric import Item, Rubric
from .rules import Finding, evaluate, item_span
from .semantic import ClauseVectors, embed_call

Outcome = Literal["pass", "fail", "review"]


@dataclass
class Flag:
    rule: str
    category: str
    severity: str
    role: str
    start: float
    end: float
    evidence: str
    points: float
    item: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item, "rule": self.rule, "category": self.category, "severity": self.severity, "role": self.role,
            "start": r2(self.start), "end": r2(self.end), "evidence": self.evidence, "points": r2(self.points),
        }


@dataclass
class ItemResult:
    id: str
    name: str
    category: str
    severity: str
    points: float
    deducted: float
    passed: bool
    flags: int
    # review: the ASR is doubtful where the decision was made, or the evidence is weak (qa/review.py)
    outcome: Outcome = "pass"
    note: str = ""  # why the item needs review (with the time)
    at: float | None = None  # where a reviewer should listen (seconds)

    def to_dict(self) -> dict[str, Any]:
        out = {**self.__dict__, "points": r2(self.points), "deducted": r2(self.deducted)}
        if not self.note:
            out.pop("note")
        if self.at is None:
            out.pop("at")
        else:
            out["at"] = r2(self.at)
        return out


@dataclass
class Scorecard:
    transcript: Transcript
    flags: list[Flag]
    items: list[ItemResult]
    total: float
    passed: bool
    rubric: str
    warning_level: int
    pass_mark: float
    max_total: float
    emotion: dict[str, Any]
    metrics: dict[str, Any]
    redacted: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    acoustics: dict[int, TurnAcoustics] = field(default_factory=dict)
    vectors: ClauseVectors | None = None  # clause embeddings, kept so rescoring embeds nothing

    @property
    def review(self) -> list[ItemResult]:
        return [i for i in self.items if i.outcome == "review"]

    def stored_and_shown(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(what rescoring needs, kept unredacted: :meth:`scoring_input`; the redacted
        scorecard users see)."""
        return self.scoring_input(), self.to_dict(redact=True)

    def scoring_input(self) -> dict[str, Any]:
        """The transcript with what scoring measured beside it (per-turn acoustics, clause
        embeddings), unredacted and without any result: scoring this again gives the card."""
        out = self.transcript.to_dict()
        self._add_measures(out)
        return out

    def evidence(self, flag: Flag, redact: bool | None = None) -> str:
        """The flag's quote as users see it: PII masked unless redaction is off."""
        redact = self.redacted if redact is None else redact
        return mask(flag.evidence, find_pii(flag.evidence)) if redact else flag.evidence

    def to_dict(self, redact: bool | None = None) -> dict[str, Any]:
        """The scorecard as JSON data; ``redact`` (default: the card's setting) masks PII in
        turns and evidence, a view only: the card itself is never changed."""
        redact = self.redacted if redact is None else redact
        out = self.transcript.to_dict()
        if redact:
            for t in out["turns"]:
                t["text"] = mask(t["text"], find_pii(t["text"]))
        out["timings"].update({k: r2(v) for k, v in self.timings.items()})
        out["flags"] = [{**f.to_dict(), "evidence": self.evidence(f, redact)} for f in self.flags]
        out["score"] = {
            "total": r2(self.total), "passed": self.passed, "rubric": self.rubric,
            "pass_mark": self.pass_mark, "max": self.max_total,
            "review": len(self.review),
            "items": [self._item_view(i, redact) for i in self.items],
        }
        out["warning_level"] = self.warning_level
        out["emotion"] = self.emotion
        out["metrics"] = self.metrics
        self._add_measures(out)
        return out

    def note(self, item: ItemResult, redact: bool | None = None) -> str:
        """The item's review note as users see it: it quotes the call, so PII is masked unless
        redaction is off."""
        redact = self.redacted if redact is None else redact
        return mask(item.note, find_pii(item.note)) if redact and item.note else item.note

    def _item_view(self, item: ItemResult, redact: bool) -> dict[str, Any]:
        out = item.to_dict()
        if item.note:
            out["note"] = self.note(item, redact)
        return out

    def _add_measures(self, out: dict[str, Any]) -> None:
        # per turn [loudness dBFS, median pitch Hz], so rescoring from JSON keeps the voice checks
        out["acoustics"] = [
            [r2(a.loudness_db), None if a.pitch_hz is None else r2(a.pitch_hz)] if (a := self.acoustics.get(i)) else None
            for i in range(len(self.transcript.turns))
        ]
        if self.vectors is not None:
            out["embeddings"] = self.vectors.to_json()


def _slug(text: str) -> str:
    s = "".join(lazy_pinyin(text))
    return "".join(ch for ch in s.lower() if ch.isalnum())[:24] or "x"


def _missing_evidence(item: Item) -> str:
    rule = item.rule
    from .rubric import leaf_rules

    phrases = [p for r in leaf_rules(rule) for p in (getattr(r, "phrases", None) or getattr(r, "examples", None) or [])]
    where = ""
    if item.window and item.window.first is not None:
        where = f"开场{item.window.first:g}秒内"
    elif item.window and item.window.last is not None:
        where = f"结束前{item.window.last:g}秒内"
    return f"{where}未检测到：{'/'.join(phrases[:4])}" if phrases else f"{where}未检测到{item.name}"


def flags_for(item: Item, findings: list[Finding], duration: float) -> list[Flag]:
    weight = item.points if item.scored else 0.0
    if item.expect == "present":
        if findings:
            return []
        start, end = item_span(item, duration)
        return [Flag(item.id, item.category, item.severity, item.role, start, end, _missing_evidence(item), -weight or 0.0, item.id)]
    cap = item.max_deduction if item.max_deduction is not None else weight
    out, used = [], 0.0
    for f in findings:
        pts = min(weight, max(0.0, cap - used))
        used += pts
        rule_id = f"{item.id}.{_slug(f.key)}" if f.key else item.id
        role = f.role if f.role != "any" else item.role
        out.append(Flag(rule_id, item.category, item.severity, role, f.start, f.end, f.evidence, -pts or 0.0, item.id))
    return out


@dataclass(frozen=True)
class Totals:
    points: list[float]  # per flag, in the order given (negative: deducted)
    items: list[ItemResult]
    total: float
    passed: bool


def totals(rubric: Rubric, flag_items: Sequence[str], review: Mapping[str, Review] | None = None) -> Totals:
    """The one scoring rule, used by the scorer, rescoring and dispute decisions.

    ``flag_items`` holds the rubric item id of every live (not voided) flag, in finding order.
    Each flag of an item deducts the item's points until the item's ``max_deduction`` is used
    up; a flag of a scored fatal item zeroes the call; a call passes at ``pass_mark``.
    ``review`` maps the ids of items left to a human (outcome ``review``: nothing deducted) to
    the reason and where to listen."""
    review = review or {}
    by_item: dict[str, list[int]] = {}
    for i, item_id in enumerate(flag_items):
        by_item.setdefault(item_id, []).append(i)
    points = [0.0] * len(flag_items)
    items: list[ItemResult] = []
    fatal, deducted_total = False, 0.0
    for item in rubric.items:
        mine = by_item.get(item.id, [])
        weight = item.points if item.scored else 0.0
        cap = item.max_deduction if item.expect == "absent" and item.max_deduction is not None else weight
        used = 0.0
        for i in mine:
            pts = min(weight, max(0.0, cap - used))
            used += pts
            points[i] = -pts or 0.0
        deducted_total += used
        fatal = fatal or bool(mine and item.severity == "fatal" and item.scored)
        outcome: Outcome = "fail" if mine else ("review" if item.id in review else "pass")
        why = review[item.id] if outcome == "review" else Review("")
        items.append(ItemResult(item.id, item.name, item.category, item.severity, item.points, used, outcome == "pass",
                                len(mine), outcome, why.note, why.at))
    total = 0.0 if fatal else max(0.0, rubric.total - deducted_total)
    return Totals(points, items, total, not fatal and total >= rubric.pass_mark)


def warning_level(rubric: Rubric, flags: list[Flag], total: float, risk: float, reviews: int = 0) -> int:
    """0-3 for the supervisors' queue; an item left to a human (``reviews``) is at least level 1,
    so a call whose only evidence went to review stays in the queue."""
    w = rubric.warning_levels
    if any(f.severity == "fatal" for f in flags) or risk >= w.level3_complaint_risk or any(f.category == "agent_care" for f in flags):
        return 3
    if total < w.level2_score_below or any(f.severity == "major" for f in flags):
        return 2
    if w.level1_any_flag and (reviews or any(f.severity == "minor" for f in flags)):
        return 1
    return 0


_EMOTION_LEXICONS: dict[str, EmotionLexicon] = {}


def _emotion_lexicon(rubric: Rubric) -> EmotionLexicon:
    key = rubric.lexicon.fingerprint
    if key not in _EMOTION_LEXICONS:
        _EMOTION_LEXICONS[key] = EmotionLexicon.from_lexicon(rubric.lexicon)
    return _EMOTION_LEXICONS[key]


def _in_time_order(transcript: Transcript, acoustics: dict[int, TurnAcoustics]) -> tuple[Transcript, dict[int, TurnAcoustics]]:
    """The transcript with its turns in time order (a copy when they were not), and the
    acoustics re-keyed to match; the caller's objects are left alone."""
    turns = transcript.turns
    order = sorted(range(len(turns)), key=lambda i: (turns[i].start, turns[i].end))
    if order == list(range(len(turns))):
        return transcript, acoustics
    return (dataclasses.replace(transcript, turns=[turns[i] for i in order]),
            {new: acoustics[old] for new, old in enumerate(order) if old in acoustics})


@dataclass(frozen=True)
class Prepared:
    """What every item of a rubric is evaluated on: the call (turns in time order), its
    acoustics and per-turn emotions, and the scoring context (with clause vectors and
    similarities when the rubric has semantic rules)."""

    transcript: Transcript
    acoustics: dict[int, TurnAcoustics]
    emotions: list[Any]
    ctx: ScoringContext
    timings: dict[str, float]


def prepare_context(transcript: Transcript, rubric: Rubric, acoustics: dict[int, TurnAcoustics] | None = None,
                    vectors: ClauseVectors | None = None) -> Prepared:
    """The scoring context of a call for ``rubric`` (see :func:`score_transcript`)."""
    transcript, acoustics = _in_time_order(transcript, acoustics or {})
    from .acoustics import arousal

    timings: dict[str, float] = {}
    ar = arousal(acoustics, [t.speaker for t in transcript.turns])
    lex = _emotion_lexicon(rubric)
    emotions = [turn_emotion(t.text, ar.get(i, 0.0), t.role, lex) for i, t in enumerate(transcript.turns)]
    ctx = ScoringContext(transcript, acoustics, [e.label for e in emotions], negation=lex.negation)
    if rubric.semantic_rules():
        t_embed = time.perf_counter()
        from ..embeddings import get_encoder
        from .semantic import attach

        encoder = get_encoder(rubric.semantic.encoder)
        attach(ctx, rubric, encoder, embed_call(transcript, encoder, vectors, rubric.respell_vocabulary()))
        timings["embed"] = time.perf_counter() - t_embed
    return Prepared(transcript, acoustics, emotions, ctx, timings)


def flags_of_item(item: Item, ctx: ScoringContext, rubric: Rubric) -> tuple[list[Flag], Review | None]:
    """The flags ``item`` raises on the call (points not yet totalled), or ([], why) when the
    item is left to a human (a required phrase missing where the recognition is doubtful or a
    word hints it was said in other words, a fatal item's evidence all recognised with low
    confidence, or a violation seen only by a weak kind of rule on one line: qa/review.py)."""
    findings = evaluate(item, ctx)
    if item.expect == "present" and not findings:
        why = review_reason(item, ctx, rubric.review) or said_in_other_words(item, ctx)
    else:  # a fatal finding heard only doubtfully, or one line that only resembles an example
        # (unless the caller reacted to how it was said)
        why = doubtful_evidence(item, findings, ctx, rubric.review)
        if why is None:
            findings, why = corroborated(item, findings, ctx)
    if why:
        return [], why
    return flags_for(item, findings, ctx.duration), None


def score_transcript(
    transcript: Transcript,
    rubric: Rubric,
    acoustics: dict[int, TurnAcoustics] | None = None,
    redact: bool = True,
    vectors: ClauseVectors | None = None,
) -> Scorecard:
    """Apply ``rubric`` to a call. ``vectors``: clause embeddings stored with an earlier
    scorecard of the same call (reused when encoder and text match, else recomputed)."""
    t0 = time.perf_counter()
    prepared = prepare_context(transcript, rubric, acoustics, vectors)
    transcript, acoustics, emotions, ctx = prepared.transcript, prepared.acoustics, prepared.emotions, prepared.ctx
    timings: dict[str, float] = dict(prepared.timings)

    flags: list[Flag] = []
    review: dict[str, Review] = {}  # item id -> why a human must decide
    for item in rubric.items:
        item_flags, why = flags_of_item(item, ctx, rubric)
        if why:
            review[item.id] = why
        else:
            flags.extend(item_flags)
    result = totals(rubric, [f.item for f in flags], review)
    for f, pts in zip(flags, result.points):
        f.points = pts
    items, total, passed = result.items, result.total, result.passed

    by_role = {"customer": [], "agent": []}
    for t, e in zip(transcript.turns, emotions):
        if t.role in by_role:
            by_role[t.role].append(e)
    risk = complaint_risk(by_role["customer"])
    emotion = {
        "customer": speaker_emotion([e.label for e in by_role["customer"]]),
        "agent": speaker_emotion([e.label for e in by_role["agent"]]),
        "complaint_risk": risk,
    }
    flags.sort(key=lambda f: (f.start, f.rule))
    return Scorecard(
        transcript=transcript, flags=flags, items=items, total=total, passed=passed, rubric=rubric.label,
        warning_level=warning_level(rubric, flags, total, risk, len(review)), pass_mark=rubric.pass_mark, max_total=rubric.total,
        emotion=emotion,
        metrics=call_metrics(ctx).to_dict(), redacted=redact, timings={**timings, "score": time.perf_counter() - t0},
        acoustics=acoustics, vectors=ctx.vectors,
    )


def vectors_from_json(data: dict[str, Any]) -> ClauseVectors | None:
    """Clause embeddings stored in a scorecard JSON (None when absent or unreadable)."""
    return ClauseVectors.from_json(data["embeddings"]) if isinstance(data.get("embeddings"), dict) else None


def acoustics_from_json(data: dict[str, Any]) -> dict[int, TurnAcoustics]:
    return {
        i: TurnAcoustics(a[0], a[1])
        for i, a in enumerate(data.get("acoustics") or [])
        if a is not None
    }


@dataclass(frozen=True)
class ScoringInput:
    """What scoring reads besides the rubric, as JSON keeps it: a ``voiceqa transcribe --json``
    object, a scorecard, or :meth:`Scorecard.scoring_input` (what the database stores)."""

    transcript: Transcript
    acoustics: dict[int, TurnAcoustics]
    vectors: ClauseVectors | None  # clause embeddings of an earlier scoring (none: embed again)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ScoringInput":
        return cls(Transcript.from_dict(data), acoustics_from_json(data), vectors_from_json(data))

    def score(self, rubric: Rubric, redact: bool = True) -> Scorecard:
        return score_transcript(self.transcript, rubric, self.acoustics, redact=redact, vectors=self.vectors)


def read_scoring_input(path: str | Path) -> ScoringInput:
    """The one reader of transcript JSON files; a file that is not one is an InputError naming it."""
    try:
        return ScoringInput.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a transcript JSON ({str(exc).splitlines()[0]})") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(path, f"not a voiceqa transcript ({type(exc).__name__}: {detail})") from None
