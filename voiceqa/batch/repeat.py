"""Repeat calls (二次来电): the same customer number again within N days flags both calls."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Call, FlagRow

CATEGORY = "repeat_call"


def flag_repeat_calls(session: Session, days: int = 7) -> int:
    """Recompute ``repeat_call`` for every call with a customer number; returns calls flagged."""
    calls = session.scalars(
        select(Call).where(Call.customer_number.is_not(None), Call.started_at.is_not(None)).order_by(Call.customer_number, Call.started_at)
    ).all()
    window = dt.timedelta(days=days)
    repeat_ids: dict[int, list[Call]] = {}
    for a, b in zip(calls, calls[1:]):
        if a.customer_number == b.customer_number and b.started_at - a.started_at <= window:
            repeat_ids.setdefault(a.id, []).append(b)
            repeat_ids.setdefault(b.id, []).append(a)
    for call in calls:
        is_repeat = call.id in repeat_ids
        call.repeat_call = is_repeat
        call.flags[:] = [f for f in call.flags if f.category != CATEGORY]
        if is_repeat:
            other = repeat_ids[call.id][0]
            call.flags.append(FlagRow(rule="repeat_call", category=CATEGORY, severity="info", role="customer",
                                      start=0.0, end=0.0, evidence=f"{days}天内同一号码再次来电：{other.call_id}", points=0.0))
    session.commit()
    return len(repeat_ids)
