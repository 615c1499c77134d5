"""Re-apply a (changed) rubric to stored transcripts: no audio, no ASR. Disputes, verdicts and
the audit log are carried over (see ``voiceqa.store.repo.replace_result``)."""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..qa.rubric import Rubric
from ..qa.scorer import ScoringInput
from ..store.db import session_factory
from ..store.models import Call, Dispute
from ..store.repo import replace_result, save_rubric
from ..timeutil import day_start
from .repeat import flag_repeat_calls

CHUNK = 200  # calls per transaction: a kill loses at most one chunk's (uncommitted) work


def rescore(db_url: str, rubric: Rubric, since: dt.date | None = None, repeat_days: int = 7, progress=None) -> tuple[int, float]:
    """Rescore stored calls (optionally only those started since ``since``); returns (calls, seconds)."""
    t0 = time.perf_counter()
    Session = session_factory(db_url)
    n = 0
    with Session() as session:
        digest = save_rubric(session, rubric)
        session.commit()
        stmt = select(Call.id).order_by(Call.id)
        if since:
            stmt = stmt.where(Call.started_at >= day_start(since))
        ids = session.scalars(stmt).all()
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            disputes: dict[int, list[Dispute]] = defaultdict(list)
            for d in session.scalars(select(Dispute).where(Dispute.call_pk.in_(chunk)).order_by(Dispute.id)):
                disputes[d.call_pk].append(d)
            calls = session.scalars(select(Call).where(Call.id.in_(chunk)).options(selectinload(Call.flags), selectinload(Call.turns)))
            for call in calls:
                raw, shown = ScoringInput.from_json(call.transcript).score(rubric).stored_and_shown()
                replace_result(session, call, raw, shown, rubric, digest, disputes[call.id])
                n += 1
            session.commit()
            session.expunge_all()
            if progress:
                progress(n, len(ids))
        flag_repeat_calls(session, repeat_days)
    return n, time.perf_counter() - t0
