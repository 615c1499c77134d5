"""calls.transcript holds the transcript only (data only, no schema change)

Revision ID: 0004
Revises: 0003

Until 0003 ``calls.transcript`` held the whole unredacted scorecard: the transcript, what scoring
measured (per-turn acoustics, clause embeddings) and the results (flags with unmasked evidence,
score, warning level, emotion, metrics). The results live in their own places (``calls.result``,
the score columns, the ``flags`` table, masked); the copy in ``transcript`` is dropped, so the
column keeps only what rescoring reads. The downgrade puts the results back from those places
(flag evidence as stored there, i.e. masked).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

RESULT_KEYS = ("flags", "score", "warning_level", "emotion", "metrics")  # what the scorecard added to the transcript
CHUNK = 500

calls = sa.table('calls', sa.column('id', sa.Integer), sa.column('transcript', sa.JSON), sa.column('result', sa.JSON))
flags = sa.table('flags', *(sa.column(c) for c in ('id', 'call_pk', 'item', 'rule', 'category', 'severity', 'role', 'start', 'end',
                                                    'evidence', 'points')))


def _rewrite(change) -> None:
    """Apply ``change(conn, id, transcript, result) -> new transcript or None`` to every call."""
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(calls.c.id, calls.c.transcript, calls.c.result)
                            .where(calls.c.id > last).order_by(calls.c.id).limit(CHUNK)).all()
        if not rows:
            return
        for pk, transcript, result in rows:
            new = change(conn, pk, transcript or {}, result or {})
            if new is not None:
                conn.execute(calls.update().where(calls.c.id == pk).values(transcript=new))
        last = rows[-1][0]


def _strip(conn, pk, transcript, result):
    if not any(k in transcript for k in RESULT_KEYS):
        return None
    return {k: v for k, v in transcript.items() if k not in RESULT_KEYS}


def _restore(conn, pk, transcript, result):
    out = dict(transcript)
    for k in ("score", "warning_level", "emotion", "metrics"):
        if k in result:
            out[k] = result[k]
    rows = conn.execute(sa.select(flags.c.item, flags.c.rule, flags.c.category, flags.c.severity, flags.c.role, flags.c.start, flags.c.end,
                                  flags.c.evidence, flags.c.points)
                        .where(flags.c.call_pk == pk, flags.c.category != 'repeat_call').order_by(flags.c.start, flags.c.id)).all()
    out["flags"] = [{"item": i, "rule": r, "category": c, "severity": sev, "role": role, "start": s, "end": e, "evidence": ev,
                     "points": p} for i, r, c, sev, role, s, e, ev, p in rows]
    return out


def upgrade() -> None:
    _rewrite(_strip)


def downgrade() -> None:
    _rewrite(_restore)
