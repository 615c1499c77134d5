"""Run a batch: skip what is already scored, fan the rest out to worker processes, and store
each call's result the moment it arrives (a killed batch loses nothing finished)."""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing as mp
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..store.db import session_factory
from ..store.models import Batch
from ..store.repo import already_scored, save_call, save_error
from .inputs import content_hash
from .metadata import Metadata
from .repeat import flag_repeat_calls
from .worker import CallOutcome, WorkerConfig, init_worker, model_label, process_call

log = logging.getLogger(__name__)


@dataclass
class BatchSummary:
    batch_id: int
    files: int
    scored: int
    skipped: int
    failed: list[tuple[str, str]] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    repeat_calls: int = 0

    @property
    def rtf(self) -> float:
        return self.wall_seconds / self.audio_seconds if self.audio_seconds else 0.0


Progress = Callable[[CallOutcome | None, int, int, float], None]  # outcome, done, total, audio s


def _rubric_label(rubric_path: str | None) -> str:
    from ..qa.rubric import load_rubric

    return load_rubric(rubric_path).label


def run_batch(
    files: list[Path],
    db_url: str,
    cfg: WorkerConfig,
    workers: int = 1,
    metadata: Metadata | None = None,
    repeat_days: int = 7,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> BatchSummary:
    """Score ``files`` into the database at ``db_url`` with ``workers`` local processes, or on
    the Dask cluster at ``scheduler`` (tcp://host:8786)."""
    t0 = time.perf_counter()
    metadata = metadata or Metadata()
    Session = session_factory(db_url)
    rubric = _rubric_label(cfg.rubric_path)
    model = model_label(cfg)
    with Session() as session:
        batch = Batch(rubric=rubric, model=model, files=len(files))
        session.add(batch)
        session.commit()
        batch_id = batch.id
        todo: list[tuple[Path, str]] = []
        skipped = 0
        for f in files:
            digest = content_hash(f)
            meta = metadata.for_file(f)
            if already_scored(session, meta.call_id, digest, rubric, model):
                skipped += 1
            else:
                todo.append((f, digest))
    summary = BatchSummary(batch_id, len(files), 0, skipped)
    report = progress or (lambda *a: None)
    report(None, skipped, len(files), 0.0)

    def store(outcome: CallOutcome, digest: str) -> None:
        path = Path(outcome.path)
        with Session() as session:
            if outcome.ok:
                save_call(session, metadata.for_file(path), str(path), digest, model, outcome.transcript, outcome.card, batch_id)
                summary.scored += 1
                summary.audio_seconds += outcome.audio_seconds
            else:
                save_error(session, batch_id, str(path), outcome.error)
                summary.failed.append((str(path), outcome.error))
        report(outcome, summary.skipped + summary.scored + len(summary.failed), len(files), summary.audio_seconds)

    if todo and scheduler:
        from .cluster import run_on_cluster

        digests = {str(f): digest for f, digest in todo}
        for outcome in run_on_cluster(scheduler, cfg, list(digests)):
            store(outcome, digests[outcome.path])
    elif todo and workers <= 1:
        init_worker(cfg)
        for f, digest in todo:
            store(process_call(str(f)), digest)
    elif todo:
        # spawn, not fork: torch and CTranslate2 thread pools do not survive a fork
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                 initializer=init_worker, initargs=(cfg,)) as pool:
            pending = {pool.submit(process_call, str(f)): digest for f, digest in todo}
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in done:
                    store(fut.result(), pending.pop(fut))

    with Session() as session:
        summary.repeat_calls = flag_repeat_calls(session, repeat_days)
        b = session.get(Batch, batch_id)
        b.finished_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        b.scored, b.skipped, b.failed, b.audio_seconds = summary.scored, summary.skipped, len(summary.failed), summary.audio_seconds
        session.commit()
    summary.wall_seconds = time.perf_counter() - t0
    return summary
