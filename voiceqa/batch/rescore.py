"""Re-apply a (changed) rubric to stored transcripts: no audio, no ASR."""
from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from ..qa.rubric import Rubric
from ..qa.scorer import acoustics_from_json, score_transcript, vectors_from_json
from ..schema import Transcript
from ..store.db import session_factory
from ..store.models import Call
from ..store.repo import update_score
from .repeat import flag_repeat_calls

CHUNK = 200  # calls per transaction


def rescore(db_url: str, rubric: Rubric, since: dt.date | None = None, repeat_days: int = 7, progress=None) -> tuple[int, float]:
    """Rescore stored calls (optionally only those started since ``since``); returns (calls, seconds)."""
    t0 = time.perf_counter()
    Session = session_factory(db_url)
    n = 0
    with Session() as session:
        stmt = select(Call.id).order_by(Call.id)
        if since:
            stmt = stmt.where(Call.started_at >= dt.datetime.combine(since, dt.time()))
        ids = session.scalars(stmt).all()
        for i in range(0, len(ids), CHUNK):
            for call in session.scalars(select(Call).where(Call.id.in_(ids[i:i + CHUNK]))):
                data = call.transcript
                transcript = Transcript.from_dict(data)
                card = score_transcript(transcript, rubric, acoustics_from_json(data), vectors=vectors_from_json(data))
                raw, shown = card.stored_and_shown()
                update_score(session, call, raw, shown)
                n += 1
            session.commit()
            if progress:
                progress(n, len(ids))
        flag_repeat_calls(session, repeat_days)
    return n, time.perf_counter() - t0
