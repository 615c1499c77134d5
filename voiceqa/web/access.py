"""Who may see which call: agents their own, supervisors their team, QA everything."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..store.models import Agent, Call, User


def visible_calls(user: User) -> Select:
    stmt = select(Call)
    if user.role == "qa":
        return stmt
    if user.role == "supervisor":
        return stmt.join(Agent, Agent.agent_id == Call.agent_id).where(Agent.team == user.team)
    return stmt.where(Call.agent_id == user.agent_id, Call.agent_id.is_not(None))


def get_visible_call(session: Session, user: User, call_id: str) -> Call | None:
    """The call if this user may see it; None otherwise (the page answers 404 either way)."""
    return session.scalar(visible_calls(user).where(Call.call_id == call_id))


def can_decide(user: User) -> bool:
    return user.role in ("supervisor", "qa")
