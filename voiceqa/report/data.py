"""Everything a report shows, computed from the database for a period (and team)."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Agent, Call
from ..store.repo import on_days

@dataclass
class AgentRow:
    agent_id: str
    name: str
    team: str
    calls: int
    avg_score: float
    pass_rate: float
    level3: int
    repeat_rate: float
    flags: Counter
    previous_avg: float | None

    @property
    def trend(self) -> float | None:
        return None if self.previous_avg is None else self.avg_score - self.previous_avg


@dataclass
class ItemRow:
    item: str
    category: str
    count: int
    calls: int
    points: float
    examples: list[tuple[str, float, str]]  # (call_id, start, evidence)


@dataclass
class ReportData:
    start: dt.date
    end: dt.date  # inclusive
    team: str | None
    calls: int
    avg_score: float
    pass_rate: float
    repeat_rate: float
    anger_rate: float
    levels: Counter
    scores: list[float]
    agents: list[AgentRow]
    items: list[ItemRow]
    repeat_by_queue: list[tuple[str, int, int]]  # queue, calls, repeat calls
    agent_care: list[tuple[str, str, float, str]]  # call_id, agent_id, start, evidence
    review_items: int = 0  # items a human must check (doubtful recognition or weak evidence: qa/review.py)
    review_calls: int = 0
    generated: dt.datetime = field(default_factory=dt.datetime.now)


def _calls(session: Session, start: dt.date, end: dt.date, team: str | None) -> list[Call]:
    # calls without a start time count on the day they were scored
    stmt = select(Call).where(on_days(Call.started_at, start, end) | (Call.started_at.is_(None) & on_days(Call.scored_at, start, end)))
    if team:
        stmt = stmt.join(Agent, Agent.agent_id == Call.agent_id).where(Agent.team == team)
    return list(session.scalars(stmt))


def build(session: Session, start: dt.date, end: dt.date, team: str | None = None) -> ReportData:
    calls = _calls(session, start, end, team)
    span = (end - start).days + 1
    previous = _calls(session, start - dt.timedelta(days=span), start - dt.timedelta(days=1), team)
    agents = {a.agent_id: a for a in session.scalars(select(Agent))}
    n = len(calls) or 1

    by_agent: dict[str, list[Call]] = defaultdict(list)
    for c in calls:
        by_agent[c.agent_id or "（未知）"].append(c)
    prev_by_agent: dict[str, list[float]] = defaultdict(list)
    for c in previous:
        prev_by_agent[c.agent_id or "（未知）"].append(c.score)
    agent_rows = []
    for aid, cs in sorted(by_agent.items()):
        flags = Counter(f.category for c in cs for f in c.flags if not f.voided and (f.points < 0 or f.severity != "info"))
        a = agents.get(aid)
        prev = prev_by_agent.get(aid)
        agent_rows.append(AgentRow(
            aid, (a.name if a else "") or "", (a.team if a else "") or "", len(cs),
            sum(c.score for c in cs) / len(cs), sum(c.passed for c in cs) / len(cs), sum(c.warning_level == 3 for c in cs),
            sum(c.repeat_call for c in cs) / len(cs), flags, sum(prev) / len(prev) if prev else None,
        ))

    items: dict[str, ItemRow] = {}
    for c in calls:
        for f in c.flags:
            if f.voided or f.points >= 0:
                continue
            key = f.item
            row = items.setdefault(key, ItemRow(key, f.category, 0, 0, 0.0, []))
            row.count += 1
            row.points += -f.points
            if not any(e[0] == c.call_id for e in row.examples):
                row.calls += 1
                if len(row.examples) < 3:
                    row.examples.append((c.call_id, f.start, f.evidence))
    queues: dict[str, list[Call]] = defaultdict(list)
    for c in calls:
        queues[c.queue or "（未知）"].append(c)
    return ReportData(
        start=start, end=end, team=team, calls=len(calls),
        avg_score=sum(c.score for c in calls) / n if calls else 0.0,
        pass_rate=sum(c.passed for c in calls) / n if calls else 0.0,
        repeat_rate=sum(c.repeat_call for c in calls) / n if calls else 0.0,
        anger_rate=sum(c.emotion_customer == "angry" for c in calls) / n if calls else 0.0,
        levels=Counter(c.warning_level for c in calls),
        scores=[c.score for c in calls],
        agents=agent_rows,
        items=sorted(items.values(), key=lambda r: (-r.calls, -r.points))[:10],
        repeat_by_queue=sorted(((q, len(cs), sum(c.repeat_call for c in cs)) for q, cs in queues.items()), key=lambda r: -r[2]),
        agent_care=[(c.call_id, c.agent_id or "", f.start, f.evidence) for c in calls for f in c.flags if f.category == "agent_care" and not f.voided],
        review_items=sum(_review_count(c) for c in calls),
        review_calls=sum(_review_count(c) > 0 for c in calls),
    )


def _review_count(call: Call) -> int:
    """Items of the call's scorecard whose outcome is ``review`` (not counted as deductions)."""
    items = ((call.result or {}).get("score") or {}).get("items") or []
    return sum(i.get("outcome") == "review" for i in items)
