"""Tables: batches, agents (+ team history), calls (one row per recording, kept for good),
turns, flags, disputes (with a copy of the disputed flag), audit log, users, sessions,
rubrics (the definition each stored score was computed with), errors."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..timeutil import utcnow

__all__ = ["utcnow"]


class Base(DeclarativeBase):
    pass


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rubric: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(300))
    files: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    audio_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class Agent(Base):
    __tablename__ = "agents"
    agent_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    team_since: Mapped[dt.datetime | None] = mapped_column(DateTime)  # start of the call that set ``team``


class AgentTeam(Base):
    """History of an agent's teams: one row each time the metadata shows a new team."""

    __tablename__ = "agent_teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(100), index=True)
    team: Mapped[str] = mapped_column(String(200))
    since: Mapped[dt.datetime | None] = mapped_column(DateTime)  # start of the first call seen in this team
    call_id: Mapped[str] = mapped_column(String(300))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RubricRow(Base):
    """A rubric definition, keyed by the sha256 of its JSON: what dispute decisions re-total with."""

    __tablename__ = "rubrics"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("call_id", name="uq_calls_call_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(300), index=True)
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    rubric: Mapped[str] = mapped_column(String(200))
    rubric_digest: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(300))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.agent_id"), index=True)
    customer_number: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    direction: Mapped[str | None] = mapped_column(String(20))
    queue: Mapped[str | None] = mapped_column(String(100))
    duration: Mapped[float] = mapped_column(Float)
    channels: Mapped[int] = mapped_column(Integer)
    separation: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    warning_level: Mapped[int] = mapped_column(Integer, index=True)
    complaint_risk: Mapped[float] = mapped_column(Float, default=0.0)
    emotion_customer: Mapped[str] = mapped_column(String(20))
    emotion_agent: Mapped[str] = mapped_column(String(20))
    repeat_call: Mapped[bool] = mapped_column(Boolean, default=False)
    transcript: Mapped[dict] = mapped_column(JSON)  # the transcript + acoustics + clause vectors (unredacted, for rescoring; no results)
    result: Mapped[dict] = mapped_column(JSON)  # score, items, emotion, metrics
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    scored_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    turns: Mapped[list["TurnRow"]] = relationship(cascade="all, delete-orphan", order_by="TurnRow.idx")
    flags: Mapped[list["FlagRow"]] = relationship(cascade="all, delete-orphan", order_by="FlagRow.start")


class TurnRow(Base):
    __tablename__ = "turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)  # PII masked
    confidence: Mapped[float] = mapped_column(Float)


class FlagRow(Base):
    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(100))  # the rubric item id
    rule: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(20))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class ErrorRow(Base):
    __tablename__ = "errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    call_id: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # agent | supervisor | qa
    agent_id: Mapped[str | None] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SessionRow(Base):
    """A web login. The cookie carries the token; the row holds its sha256, so logout and a
    password change end the session on the server even if the cookie was copied."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    username: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    client: Mapped[str] = mapped_column(String(100), default="")


class Dispute(Base):
    """An agent's objection (申诉) to a flag, and the supervisor's decision. The disputed flag
    is copied (item, time, evidence, points): when a rescore no longer raises it, ``flag_id``
    becomes NULL and the dispute stays as history ("flag no longer raised")."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id", ondelete="SET NULL"), index=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(100), default="")
    rule: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(50), default="")
    flag_start: Mapped[float] = mapped_column(Float, default=0.0)
    flag_end: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(Float, default=0.0)
    filed_by: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | accepted | rejected
    decided_by: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
