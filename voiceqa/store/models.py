"""Tables: batches, agents, calls (one row per scored recording), turns, flags, errors."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


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


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("call_id", name="uq_calls_call_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(300), index=True)
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    rubric: Mapped[str] = mapped_column(String(200))
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
    transcript: Mapped[dict] = mapped_column(JSON)  # the speech-core object (unredacted, for rescoring)
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
    rule: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(20))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def item(self) -> str:
        """The rubric item id: flag rules are ``item`` or ``item.matched-phrase``."""
        return self.rule.split(".")[0]


class ErrorRow(Base):
    __tablename__ = "errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
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


class Dispute(Base):
    """An agent's objection (申诉) to a flag, and the supervisor's decision."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
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
