"""Reading and writing scored calls. Each call is written in one transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..batch.metadata import CallMeta
from .models import Agent, Call, ErrorRow, FlagRow, TurnRow


def already_scored(session: Session, call_id: str, content_hash: str, rubric: str, model: str) -> bool:
    row = session.scalar(select(Call.id).where(
        Call.call_id == call_id, Call.content_hash == content_hash, Call.rubric == rubric, Call.model == model))
    return row is not None


def _apply_result(call: Call, transcript: dict[str, Any], card: dict[str, Any]) -> None:
    """Fill the score columns, turns and flags of ``call`` from a scorecard."""
    call.duration = card["duration"]
    call.channels = card["channels"]
    call.separation = card["separation"]
    call.score = card["score"]["total"]
    call.passed = card["score"]["passed"]
    call.rubric = card["score"]["rubric"]
    call.warning_level = card["warning_level"]
    call.complaint_risk = card["emotion"]["complaint_risk"]
    call.emotion_customer = card["emotion"]["customer"]
    call.emotion_agent = card["emotion"]["agent"]
    call.transcript = transcript
    call.result = {k: card[k] for k in ("score", "emotion", "metrics", "warning_level")}
    call.turns = [
        TurnRow(idx=i, speaker=t["speaker"], role=t["role"], start=t["start"], end=t["end"], text=t["text"], confidence=t["confidence"])
        for i, t in enumerate(card["turns"])
    ]
    call.flags = [
        FlagRow(rule=f["rule"], category=f["category"], severity=f["severity"], role=f["role"], start=f["start"],
                end=f["end"], evidence=f["evidence"], points=f["points"])
        for f in card["flags"]
    ]
    call.scored_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def save_call(session: Session, meta: CallMeta, source: str, content_hash: str, model: str,
              transcript: dict[str, Any], card: dict[str, Any], batch_id: int | None) -> Call:
    """Insert or replace the call (same call_id) with its turns and flags, in one transaction."""
    try:
        if meta.agent_id and session.get(Agent, meta.agent_id) is None:
            session.add(Agent(agent_id=meta.agent_id, name=meta.agent_name, team=meta.team))
        old = session.scalar(select(Call).where(Call.call_id == meta.call_id))
        if old is not None:
            session.delete(old)  # ORM delete: its turns and flags go with it
            session.flush()
        call = Call(call_id=meta.call_id, source=source, content_hash=content_hash, model=model, agent_id=meta.agent_id,
                    customer_number=meta.customer_number, started_at=meta.started_at, direction=meta.direction,
                    queue=meta.queue, batch_id=batch_id)
        _apply_result(call, transcript, card)
        session.add(call)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return call


def save_error(session: Session, batch_id: int | None, source: str, reason: str) -> None:
    session.add(ErrorRow(batch_id=batch_id, source=source, reason=reason))
    session.commit()


def update_score(session: Session, call: Call, transcript: dict[str, Any], card: dict[str, Any]) -> None:
    """Replace a stored call's score, turns and flags (rescoring); caller commits."""
    call.turns.clear()
    call.flags.clear()
    session.flush()
    _apply_result(call, transcript, card)


def query_calls(session: Session, agent: str | None = None, category: str | None = None, min_level: int | None = None,
                date: dt.date | None = None) -> Iterable[Call]:
    stmt = select(Call).order_by(Call.started_at.is_(None), Call.started_at, Call.call_id)
    if agent:
        stmt = stmt.where(Call.agent_id == agent)
    if min_level is not None:
        stmt = stmt.where(Call.warning_level >= min_level)
    if date:
        start = dt.datetime.combine(date, dt.time())
        stmt = stmt.where(Call.started_at >= start, Call.started_at < start + dt.timedelta(days=1))
    if category:
        stmt = stmt.where(Call.id.in_(select(FlagRow.call_pk).where(FlagRow.category == category, FlagRow.voided.is_(False))))
    return session.scalars(stmt)


def recompute_score(call: Call) -> None:
    """Score after flags were voided (an accepted dispute): the voided flags' points come back.
    A remaining fatal flag still zeroes the call, as in the scorer."""
    score = dict(call.result.get("score", {}))
    maximum = float(score.get("max", 100.0))
    live = [f for f in call.flags if not f.voided]
    if any(f.severity == "fatal" and f.points < 0 for f in live):
        total = 0.0
    else:
        total = max(0.0, min(maximum, maximum + sum(f.points for f in live)))
    call.score = round(total, 2)
    call.passed = total >= float(score.get("pass_mark", 80.0)) and total > 0
    items = []
    for item in score.get("items", []):
        mine = [f for f in live if f.item == item["id"]]
        items.append({**item, "deducted": round(-sum(f.points for f in mine), 2), "passed": not mine, "flags": len(mine)})
    score.update(total=call.score, passed=call.passed, items=items)
    call.result = {**call.result, "score": score}
