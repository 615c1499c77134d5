"""Run a batch: skip what is already scored, fan the rest out to worker processes, and store
each call's result the moment it arrives (a killed batch loses nothing finished).

One call never stops the batch: a bad file, a database error while storing it (a value too
long, the server restarting) or a worker process that crashes on it is recorded against that
call and the run goes on; a call whose worker crashed is retried once, alone."""
from __future__ import annotations

import logging
import multiprocessing as mp
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..masking import one_line
from ..qa.rubric import load_rubric
from ..store.db import session_factory
from ..store.models import Batch
from ..store.repo import find_call, rename_call, rubric_digest, save_call, save_error
from ..timeutil import utcnow
from .inputs import InputFile, content_hash
from .metadata import CallMeta, Metadata
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
    retried: int = 0  # calls retried after their worker process crashed
    crashes: int = 0  # worker process pools broken by a dying worker (and rebuilt)
    warnings: list[str] = field(default_factory=list)

    @property
    def rtf(self) -> float:
        return self.wall_seconds / self.audio_seconds if self.audio_seconds else 0.0


Progress = Callable[[CallOutcome | None, int, int, float], None]  # outcome, done, total, audio s


@dataclass(frozen=True)
class Job:
    file: InputFile
    digest: str
    meta: CallMeta


def _as_inputs(files: Iterable[InputFile | Path]) -> list[InputFile]:
    return [f if isinstance(f, InputFile) else InputFile(Path(f), Path(f).name) for f in files]


def run_batch(
    files: list[InputFile] | list[Path],
    db_url: str,
    cfg: WorkerConfig,
    workers: int = 1,
    metadata: Metadata | None = None,
    repeat_days: int = 7,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> BatchSummary:
    """Score ``files`` into the database at ``db_url`` with ``workers`` local processes, or on
    the Dask cluster at ``scheduler`` (tcp://host:8786). The database and rubric are checked
    before any work starts (StorageError / InputError)."""
    t0 = time.perf_counter()
    inputs = _as_inputs(files)
    metadata = metadata or Metadata()
    Session = session_factory(db_url)
    rubric = load_rubric(cfg.rubric_path)
    digest_of_rubric = rubric_digest(rubric)
    model = model_label(cfg)
    report = progress or (lambda *a: None)
    with Session() as session:
        batch = Batch(rubric=rubric.label, model=model, files=len(inputs))
        session.add(batch)
        session.commit()
        summary = BatchSummary(batch.id, len(inputs), 0, 0)
        todo: list[Job] = []
        claimed: dict[str, tuple[str, str]] = {}  # call_id -> (source, content hash) in this run
        for f in inputs:
            digest = content_hash(f.path)
            meta = metadata.for_file(f.path, f.key)
            source = str(f.path)
            if meta.call_id in claimed:
                other, other_digest = claimed[meta.call_id]
                if other_digest == digest and digest != "unreadable":
                    summary.skipped += 1  # the same recording twice in one run
                    continue
                _collision(session, summary, batch.id, meta.call_id, source, other)
                continue
            claimed[meta.call_id] = (source, digest)
            stored = find_call(session, meta.call_id, source)
            if stored and stored.call_id != meta.call_id:  # the same file, stored under its old identity
                if find_call(session, meta.call_id) is None:
                    rename_call(session, stored.id, meta.call_id)
                    session.commit()
                    stored = find_call(session, meta.call_id)
            if stored and stored.source != source and stored.content_hash != digest:
                _collision(session, summary, batch.id, meta.call_id, source, stored.source)
            elif (stored and stored.content_hash == digest and stored.model == model
                  and (stored.rubric_digest == digest_of_rubric or (stored.rubric_digest is None and stored.rubric == rubric.label))):
                summary.skipped += 1
            else:
                todo.append(Job(f, digest, meta))
    report(None, summary.skipped + len(summary.failed), len(inputs), 0.0)

    def store(outcome: CallOutcome, job: Job) -> None:
        source = str(job.file.path)
        try:
            with Session() as s:
                if outcome.ok:
                    save_call(s, job.meta, source, job.digest, model, outcome.transcript, outcome.card, summary.batch_id, rubric)
                    summary.scored += 1
                    summary.audio_seconds += outcome.audio_seconds
                else:
                    summary.failed.append((source, outcome.error))
                    save_error(s, summary.batch_id, source, outcome.error, job.meta.call_id)
        except Exception as exc:  # a database error stays with this call; the batch goes on
            reason = f"{source}: not stored, database error ({one_line(exc)})"
            if outcome.ok:
                summary.failed.append((source, reason))
                outcome = CallOutcome(outcome.path, False, outcome.seconds, error=reason)
            log.warning("%s", reason)
            try:
                with Session() as s:
                    save_error(s, summary.batch_id, source, reason, job.meta.call_id)
            except Exception as again:
                log.warning("%s: the error could not be recorded either (%s)", source, one_line(again))
        report(outcome, summary.skipped + summary.scored + len(summary.failed), len(inputs), summary.audio_seconds)

    if todo and scheduler:
        from .cluster import run_on_cluster

        by_path = {str(j.file.path): j for j in todo}
        for outcome in run_on_cluster(scheduler, cfg, list(by_path)):
            store(outcome, by_path[outcome.path])
    elif todo and workers <= 1:
        init_worker(cfg)
        for job in todo:
            store(process_call(str(job.file.path)), job)
    elif todo:
        _run_pool(cfg, workers, todo, store, summary)

    try:
        with Session() as session:
            summary.repeat_calls = flag_repeat_calls(session, repeat_days)
            b = session.get(Batch, summary.batch_id)
            b.finished_at = utcnow()
            b.scored, b.skipped, b.failed, b.audio_seconds = summary.scored, summary.skipped, len(summary.failed), summary.audio_seconds
            session.commit()
    except Exception as exc:
        summary.warnings.append(f"repeat calls and batch totals not updated: database error ({one_line(exc)}); a rerun does it")
    summary.wall_seconds = time.perf_counter() - t0
    return summary


def _collision(session, summary: BatchSummary, batch_id: int, call_id: str, source: str, other: str) -> None:
    reason = (f"{source}: call id {call_id!r} already belongs to {other} (a different recording); not stored — "
              f"give one of them its own call_id in --metadata")
    summary.failed.append((source, reason))
    save_error(session, batch_id, source, reason, call_id)


def _run_pool(cfg: WorkerConfig, workers: int, todo: list[Job], store: Callable[[CallOutcome, Job], None],
              summary: BatchSummary) -> None:
    """Local worker processes, at most ``workers`` calls in flight. When a worker process dies
    the pool is rebuilt; the calls that were in flight are retried one at a time, so a call that
    crashes its worker again is known to be the cause and is recorded as failed."""
    queue: deque[Job] = deque(todo)
    suspects: deque[Job] = deque()
    crashes: Counter[str] = Counter()
    while queue or suspects:
        # spawn, not fork: torch and CTranslate2 thread pools do not survive a fork
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"), initializer=init_worker, initargs=(cfg,))
        pending: dict = {}
        broken = False
        try:
            while (queue or suspects or pending) and not broken:
                while (suspects and not pending) or (not suspects and queue and len(pending) < workers):
                    from_suspects = bool(suspects)
                    job = suspects.popleft() if from_suspects else queue.popleft()
                    try:
                        pending[pool.submit(process_call, str(job.file.path))] = job
                    except BrokenProcessPool:  # a worker died between two calls: this one never ran
                        (suspects if from_suspects else queue).appendleft(job)
                        broken = True
                        break
                if broken:
                    break
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in done:
                    job = pending.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        _crashed(job, crashes, suspects, store, summary)
                        continue
                    except Exception as exc:
                        outcome = CallOutcome(str(job.file.path), False, 0.0, error=f"{job.file.path}: worker error ({one_line(exc)})")
                    store(outcome, job)
            if broken:
                summary.crashes += 1
                for fut, job in pending.items():
                    if fut.done() and not fut.cancelled() and fut.exception() is None:
                        store(fut.result(), job)  # finished before the pool broke
                    else:
                        _crashed(job, crashes, suspects, store, summary)
                pending.clear()
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)


def _crashed(job: Job, crashes: Counter, suspects: deque, store, summary: BatchSummary) -> None:
    path = str(job.file.path)
    crashes[path] += 1
    if crashes[path] >= 2:
        store(CallOutcome(path, False, 0.0, error=f"{path}: the worker process crashed while scoring it (retried once)"), job)
    else:
        log.warning("%s: a worker process crashed; retrying this call alone", path)
        summary.retried += 1
        suspects.append(job)
