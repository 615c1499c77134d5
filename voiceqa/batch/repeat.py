"""Repeat calls (二次来电): the same customer number again within N days flags both calls.

Flags are updated in place: a call that stays a repeat call keeps its flag (and any dispute
of it); a call that no longer is one loses the flag, and disputes of it stay as history."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..store.models import Call, Dispute, FlagRow
from ..store.repo import REPEAT_CATEGORY as CATEGORY


def flag_repeat_calls(session: Session, days: int = 7) -> int:
    """Recompute ``repeat_call`` for every call with a customer number; returns calls flagged."""
    calls = session.execute(
        select(Call.id, Call.call_id, Call.customer_number, Call.started_at, Call.repeat_call)
        .where(Call.customer_number.is_not(None), Call.started_at.is_not(None)).order_by(Call.customer_number, Call.started_at, Call.id)
    ).all()
    window = dt.timedelta(days=days)
    other_of: dict[int, str] = {}
    for a, b in zip(calls, calls[1:]):
        if a.customer_number == b.customer_number and b.started_at - a.started_at <= window:
            other_of.setdefault(a.id, b.call_id)
            other_of.setdefault(b.id, a.call_id)
    existing: dict[int, list[FlagRow]] = {}
    for f in session.scalars(select(FlagRow).where(FlagRow.category == CATEGORY)):
        existing.setdefault(f.call_pk, []).append(f)
    stale: list[int] = []
    for pk in set(existing) - set(other_of):
        stale.extend(f.id for f in existing[pk])
    if stale:  # disputes of a flag that is no longer raised stay, as history
        session.execute(update(Dispute).where(Dispute.flag_id.in_(stale)).values(flag_id=None))
        for pk in set(existing) - set(other_of):
            for f in existing[pk]:
                session.delete(f)
    for pk, other in other_of.items():
        evidence = f"{days}天内同一号码再次来电：{other}"
        flags = existing.get(pk)
        if flags:
            for f in flags[1:]:
                session.execute(update(Dispute).where(Dispute.flag_id == f.id).values(flag_id=flags[0].id))
                session.delete(f)
            flags[0].evidence = evidence
        else:
            session.add(FlagRow(call_pk=pk, item=CATEGORY, rule=CATEGORY, category=CATEGORY, severity="info", role="customer",
                                start=0.0, end=0.0, evidence=evidence, points=0.0))
    flagged = set(other_of)
    was = {c.id for c in calls if c.repeat_call}
    if flagged - was:
        session.execute(update(Call).where(Call.id.in_(flagged - was)).values(repeat_call=True))
    unflag = (was - flagged) | {pk for pk in existing if pk not in flagged}
    if unflag:
        session.execute(update(Call).where(Call.id.in_(unflag)).values(repeat_call=False))
    # calls that lost their number or time cannot be repeats either
    session.execute(update(Call).where(Call.repeat_call.is_(True), (Call.customer_number.is_(None)) | (Call.started_at.is_(None)))
                    .values(repeat_call=False))
    session.commit()
    return len(other_of)
