"""Reading and writing scored calls. Each call is written in one transaction.

Nothing people decided is ever deleted here: a call row, once stored, keeps its id for good;
re-scoring (a new batch run or ``rescore``) replaces its turns and flags but carries every
dispute to the matching new flag (same rubric item, overlapping time) or keeps it as history
("flag no longer raised"); accepted disputes keep voiding the matching new flag; audit rows are
only ever added."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Sequence

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from ..qa.rubric import Item, Rubric, WarningLevels
from ..qa.review import Review
from ..qa.scorer import totals, warning_level
from ..timeutil import day_span, utcnow
from .models import Agent, AgentTeam, AuditLog, Call, Dispute, ErrorRow, FlagRow, RubricRow, TurnRow
from .records import CallMeta

REPEAT_CATEGORY = "repeat_call"  # flags owned by voiceqa.batch.repeat, kept across re-scoring
MATCH_TOLERANCE = 0.5  # seconds: flags this close still "overlap" (ASR timing moves a little)
SYSTEM_USER = "system"


# ---- rubrics --------------------------------------------------------------------------------

def rubric_digest(rubric: Rubric) -> str:
    return hashlib.sha256(json.dumps(_definition(rubric), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _definition(rubric: Rubric) -> dict[str, Any]:
    return rubric.model_dump(mode="json", exclude={"source"})


def save_rubric(session: Session, rubric: Rubric) -> str:
    """Keep ``rubric``'s definition (once per digest); returns the digest. Caller commits."""
    digest = rubric_digest(rubric)
    if session.get(RubricRow, digest) is None:
        session.add(RubricRow(digest=digest, label=rubric.label, definition=_definition(rubric)))
        session.flush()
    return digest


@lru_cache(maxsize=32)
def _rubric_from_json(text: str) -> Rubric:
    return Rubric.model_validate(json.loads(text))


def rubric_for(session: Session, call: Call) -> Rubric:
    """The rubric ``call`` was scored with. Calls stored before rubric definitions were kept
    get a stand-in built from their stored item results (each item's cap = what it deducted)."""
    if call.rubric_digest:
        row = session.get(RubricRow, call.rubric_digest)
        if row is not None:
            return _rubric_from_json(json.dumps(row.definition, sort_keys=True))
    score = call.result.get("score", {})
    items = [
        Item.model_construct(id=i["id"], name=i.get("name", i["id"]), category=i.get("category", ""), severity=i.get("severity", "minor"),
                             points=float(i.get("points", 0)), role="agent", window=None, expect="absent",
                             max_deduction=max(float(i.get("points", 0)), float(i.get("deducted", 0))), scored=True, rule=None)
        for i in score.get("items", [])
    ]
    name, _, version = str(call.rubric).partition("@")
    return Rubric.model_construct(name=name, version=version, pass_mark=float(score.get("pass_mark", 80.0)),
                                  total=float(score.get("max", 100.0)), warning_levels=WarningLevels(), items=items, source="")


# ---- totals ---------------------------------------------------------------------------------

def apply_totals(session: Session, call: Call, rubric: Rubric | None = None) -> None:
    """Re-total ``call`` from its live (not voided) flags with the scorer's own rule
    (``voiceqa.qa.scorer.totals``): score, pass, item results, flag points, warning level."""
    rubric = rubric or rubric_for(session, call)
    live = sorted((f for f in call.flags if not f.voided and f.category != REPEAT_CATEGORY), key=lambda f: (f.start, f.rule))
    stored_items = call.result.get("score", {}).get("items", [])
    review = {i["id"]: Review(i.get("note", ""), i.get("at")) for i in stored_items if i.get("outcome") == "review"}
    result = totals(rubric, [f.item for f in live], review)
    for f, pts in zip(live, result.points):
        f.points = round(pts, 2)
    score = dict(call.result.get("score", {}))
    score.update(total=round(result.total, 2), passed=result.passed, items=[i.to_dict() for i in result.items])
    risk = float(call.result.get("emotion", {}).get("complaint_risk", call.complaint_risk or 0.0))
    level = warning_level(rubric, live, result.total, risk, sum(i.outcome == "review" for i in result.items))
    call.score, call.passed, call.warning_level = round(result.total, 2), result.passed, level
    call.result = {**call.result, "score": score, "warning_level": level}


# ---- calls ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredCall:
    """What the batch needs to know about a stored call to decide: skip, rescore or collision."""

    id: int
    call_id: str
    source: str
    content_hash: str
    rubric_digest: str | None
    rubric: str
    model: str


def find_call(session: Session, call_id: str, source: str | None = None) -> StoredCall | None:
    """The stored call with this identity; else the call stored from the same file under
    another id (stored before identities were path keys, or before the metadata named it):
    the caller renames it with :func:`rename_call`."""
    cols = (Call.id, Call.call_id, Call.source, Call.content_hash, Call.rubric_digest, Call.rubric, Call.model)
    row = session.execute(select(*cols).where(Call.call_id == call_id)).first()
    if row is None and source is not None:
        row = session.execute(select(*cols).where(Call.source == source).order_by(Call.id)).first()
    return StoredCall(*row) if row else None


def rename_call(session: Session, pk: int, call_id: str) -> None:
    """Give a stored call its (new) identity; its disputes and history stay with it. Caller commits."""
    old = session.get(Call, pk)
    session.add(AuditLog(username=SYSTEM_USER, action="call_renamed", target=call_id, detail=f"was {old.call_id}"))
    old.call_id = call_id


def _flag_rows(card: dict[str, Any]) -> list[FlagRow]:
    return [FlagRow(item=f["item"], rule=f["rule"], category=f["category"], severity=f["severity"],
                    role=f["role"], start=f["start"], end=f["end"], evidence=f["evidence"], points=f["points"])
            for f in card["flags"]]


def _overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> float | None:
    """Overlap in seconds (>= 0) when the spans meet within the tolerance, else None."""
    if b_start > a_end + MATCH_TOLERANCE or a_start > b_end + MATCH_TOLERANCE:
        return None
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def match_flag(old: FlagRow | Dispute, candidates: Sequence[FlagRow], taken: set[int]) -> FlagRow | None:
    """The new flag that is the same finding as ``old``: same rubric item, overlapping time
    (largest overlap, then nearest start)."""
    start = old.start if isinstance(old, FlagRow) else old.flag_start
    end = old.end if isinstance(old, FlagRow) else old.flag_end
    best, best_key = None, None
    for i, f in enumerate(candidates):
        if i in taken or f.item != old.item:
            continue
        ov = _overlap(start, end, f.start, f.end)
        if ov is None:
            continue
        key = (ov, -abs(f.start - start))
        if best_key is None or key > best_key:
            best, best_key = i, key
    if best is None:
        return None
    taken.add(best)
    return candidates[best]


def replace_result(session: Session, call: Call, transcript: dict[str, Any], card: dict[str, Any],
                   rubric: Rubric | None = None, digest: str | None = None, disputes: list[Dispute] | None = None) -> None:
    """Put a new scorecard on a stored call: turns and flags replaced, disputes carried over,
    accepted disputes voiding their new flag, totals recomputed if anything is voided.
    The caller commits."""
    if disputes is None:
        disputes = list(session.scalars(select(Dispute).where(Dispute.call_pk == call.id).order_by(Dispute.id)))
    kept = [f for f in call.flags if f.category == REPEAT_CATEGORY]
    kept_ids = {f.id for f in kept}
    old_by_id = {f.id: f for f in call.flags}
    moving = [d for d in disputes if d.flag_id is not None and d.flag_id not in kept_ids]
    old_flag_of: dict[int, int] = {}
    for d in moving:  # detach first: the old flags are about to be deleted
        _snapshot(d, old_by_id.get(d.flag_id))
        old_flag_of[d.id] = d.flag_id
        d.flag_id = None
    if moving:
        session.flush()

    call.duration = card["duration"]
    call.channels = card["channels"]
    call.separation = card["separation"]
    call.rubric = card["score"]["rubric"]
    call.rubric_digest = digest
    call.complaint_risk = card["emotion"]["complaint_risk"]
    call.emotion_customer = card["emotion"]["customer"]
    call.emotion_agent = card["emotion"]["agent"]
    call.transcript = transcript
    call.result = {k: card[k] for k in ("score", "emotion", "metrics", "warning_level")}
    call.score = card["score"]["total"]
    call.passed = card["score"]["passed"]
    call.warning_level = card["warning_level"]
    call.scored_at = utcnow()
    call.turns = [
        TurnRow(idx=i, speaker=t["speaker"], role=t["role"], start=t["start"], end=t["end"], text=t["text"], confidence=t["confidence"])
        for i, t in enumerate(card["turns"])
    ]
    new_flags = _flag_rows(card)
    call.flags = new_flags + kept
    session.flush()

    taken: set[int] = set()
    target_of: dict[int, FlagRow | None] = {}  # old flag id -> new flag (all its disputes go there)
    voided = False
    for d in moving:
        key = old_flag_of[d.id]
        if key not in target_of:
            target_of[key] = match_flag(d, new_flags, taken)
        new = target_of[key]
        if new is None:
            session.add(AuditLog(username=SYSTEM_USER, action="flag_no_longer_raised", target=f"{call.call_id}#d{d.id}",
                                 detail=f"{d.item} {d.flag_start:.2f}-{d.flag_end:.2f}s under {call.rubric}"))
            continue
        d.flag_id = new.id
        if d.status == "accepted":
            new.voided = voided = True
    if voided:
        apply_totals(session, call, rubric)


def _snapshot(d: Dispute, flag: FlagRow | None) -> None:
    """Make sure a dispute holds a copy of the flag it is about (rows from before 0003 may not)."""
    if flag is not None and not d.rule:
        d.item, d.rule, d.category, d.flag_start, d.flag_end, d.evidence, d.points = (
            flag.item, flag.rule, flag.category, flag.start, flag.end, flag.evidence, flag.points)


def _note_agent(session: Session, meta: CallMeta) -> None:
    """Create the agent, or move it to the team the latest call's metadata names (with history)."""
    agent = session.get(Agent, meta.agent_id)
    if agent is None:
        agent = Agent(agent_id=meta.agent_id, name=meta.agent_name, team=meta.team, team_since=meta.started_at)
        session.add(agent)
        if meta.team:
            session.add(AgentTeam(agent_id=meta.agent_id, team=meta.team, since=meta.started_at, call_id=meta.call_id))
        return
    if meta.agent_name:
        agent.name = meta.agent_name
    if not meta.team or meta.team == agent.team:
        return
    newer = agent.team is None or agent.team_since is None or (meta.started_at is not None and meta.started_at >= agent.team_since)
    session.add(AgentTeam(agent_id=meta.agent_id, team=meta.team, since=meta.started_at, call_id=meta.call_id))
    if newer:
        agent.team, agent.team_since = meta.team, meta.started_at


def save_call(session: Session, meta: CallMeta, source: str, content_hash: str, model: str,
              transcript: dict[str, Any], card: dict[str, Any], batch_id: int | None,
              rubric: Rubric | None = None) -> Call:
    """Insert the call, or re-score the stored one with the same identity (its row, disputes
    and audit history stay), in one transaction."""
    try:
        digest = save_rubric(session, rubric) if rubric is not None else None
        if meta.agent_id:
            _note_agent(session, meta)
        found = find_call(session, meta.call_id, source)
        call = session.get(Call, found.id) if found else None
        if call is None:
            call = Call(call_id=meta.call_id, flags=[], turns=[])
            session.add(call)
        call.call_id, call.source, call.content_hash, call.model, call.batch_id = meta.call_id, source, content_hash, model, batch_id
        call.agent_id, call.customer_number, call.started_at = meta.agent_id, meta.customer_number, meta.started_at
        call.direction, call.queue = meta.direction, meta.queue
        replace_result(session, call, transcript, card, rubric, digest, disputes=None if found else [])
        session.commit()
    except Exception:
        session.rollback()
        raise
    return call


def save_error(session: Session, batch_id: int | None, source: str, reason: str, call_id: str | None = None) -> None:
    session.add(ErrorRow(batch_id=batch_id, source=source, reason=reason, call_id=call_id))
    session.commit()


def on_days(column: Any, first: dt.date, last: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition: the DateTime ``column`` falls on the days ``first`` to ``last`` (inclusive;
    one day when ``last`` is None)."""
    lo, hi = day_span(first, last)
    return and_(column >= lo, column < hi)


def flagged(category: str) -> ColumnElement[bool]:
    """SQL condition: the call has a live (not voided) flag of ``category``."""
    return Call.id.in_(select(FlagRow.call_pk).where(FlagRow.category == category, FlagRow.voided.is_(False)))


def query_calls(session: Session, agent: str | None = None, category: str | None = None, min_level: int | None = None,
                date: dt.date | None = None) -> Iterable[Call]:
    stmt = select(Call).order_by(Call.started_at.is_(None), Call.started_at, Call.call_id)
    if agent:
        stmt = stmt.where(Call.agent_id == agent)
    if min_level is not None:
        stmt = stmt.where(Call.warning_level >= min_level)
    if date:
        stmt = stmt.where(on_days(Call.started_at, date))
    if category:
        stmt = stmt.where(flagged(category))
    return session.scalars(stmt)


def file_dispute(session: Session, call: Call, flag: FlagRow, username: str, comment: str) -> Dispute:
    """An agent's dispute of one flag, with a copy of the flag (kept if a rescore drops it)."""
    d = Dispute(flag_id=flag.id, call_pk=call.id, filed_by=username, comment=comment, item=flag.item, rule=flag.rule,
                category=flag.category, flag_start=flag.start, flag_end=flag.end, evidence=flag.evidence, points=flag.points)
    session.add(d)
    return d


def decide_dispute(session: Session, d: Dispute, call: Call, accept: bool, username: str, reason: str) -> None:
    """Record a verdict; an accepted dispute voids its flag and re-totals the call. Caller commits."""
    d.status = "accepted" if accept else "rejected"
    d.decided_by, d.reason, d.decided_at = username, reason, utcnow()
    if accept and d.flag_id is not None:
        flag = session.get(FlagRow, d.flag_id)
        flag.voided = True
        apply_totals(session, call)
