#!/usr/bin/env python
"""Batch throughput and rescoring speed.

    .venv/bin/python scripts/bench_batch.py [--calls 8] [--rescore-calls 1000] [--rescore-only]

1. the per-call pipeline in one process (models loaded once): the baseline;
2. `voiceqa batch` with 1 and 2 worker processes into fresh SQLite files: audio hours per
   wall hour, and the overhead over the baseline (decoding, hashing, storing, model loading);
3. `rescore` over --rescore-calls stored calls (copies of the scored ones, one in ten with a
   dispute to carry over): calls per minute, beside the bare scorer (score_transcript on the
   same transcripts, no database) as the baseline.

--rescore-only skips 2 (the store is filled with --calls calls scored in process).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev-calls", type=Path, default=REPO.parent / "shared" / "dev_calls")
    ap.add_argument("--calls", type=int, default=8)
    ap.add_argument("--rescore-calls", type=int, default=1000)
    ap.add_argument("--rescore-only", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="voiceqa-bench-"))
    day = tmp / "day"
    day.mkdir()
    for p in sorted(args.dev_calls.glob("call_*_stereo.wav"))[: args.calls]:
        shutil.copy(p, day / p.name)
    files = sorted(day.iterdir())

    from voiceqa.batch.worker import WorkerConfig, init_worker, process_call

    init_worker(WorkerConfig(threads=0))
    process_call(str(files[0]))  # warm-up
    t = time.perf_counter()
    audio = sum(process_call(str(f)).audio_seconds for f in files)
    base = time.perf_counter() - t
    print(f"audio: {len(files)} calls, {audio:.0f} s")
    print(f"per-call pipeline (in process, models loaded): {base:.1f} s, RTF {base / audio:.3f}, {audio / base:.1f} audio h per wall h")

    voiceqa = [sys.executable, "-m", "voiceqa.cli"]
    if args.rescore_only:
        from voiceqa.batch.runner import run_batch

        run_batch(files, f"sqlite:///{tmp / 'w1.db'}", WorkerConfig(threads=0))
    for workers in (() if args.rescore_only else (1, 2)):
        db = tmp / f"w{workers}.db"
        t = time.perf_counter()
        subprocess.run(voiceqa + ["batch", str(day), "--db", f"sqlite:///{db}", "--workers", str(workers)],
                       capture_output=True, cwd=REPO)
        wall = time.perf_counter() - t
        print(f"batch, {workers} worker(s): {wall:.1f} s wall, {audio / wall:.1f} audio h per wall h, "
              f"overhead over the per-call pipeline {100 * (wall - base) / base:+.0f}% (process start and model loading included)")
        t = time.perf_counter()
        subprocess.run(voiceqa + ["batch", str(day), "--db", f"sqlite:///{db}", "--workers", str(workers)], capture_output=True, cwd=REPO)
        print(f"  rerun over finished files: {time.perf_counter() - t:.1f} s")

    # rescore: grow the store to --rescore-calls calls by copying the scored ones
    from sqlalchemy import select

    from voiceqa.batch.rescore import rescore
    from voiceqa.qa.rubric import load_rubric
    from voiceqa.qa.scorer import acoustics_from_json, score_transcript
    from voiceqa.schema import Transcript
    from voiceqa.store.db import session_factory
    from voiceqa.store.models import Call, Dispute, FlagRow
    from voiceqa.store.repo import file_dispute

    url = f"sqlite:///{tmp / 'w1.db'}"
    Session = session_factory(url)
    with Session() as s:
        seeds = s.scalars(select(Call)).all()
        for k in range(args.rescore_calls - len(seeds)):
            src = seeds[k % len(seeds)]
            c = Call(call_id=f"{src.call_id}-copy{k}", source=src.source, content_hash=src.content_hash, rubric=src.rubric,
                     model=src.model, duration=src.duration, channels=src.channels, separation=src.separation, score=src.score,
                     passed=src.passed, warning_level=src.warning_level, emotion_customer=src.emotion_customer,
                     emotion_agent=src.emotion_agent, transcript=src.transcript, result=src.result,
                     flags=[FlagRow(item=f.item, rule=f.rule, category=f.category, severity=f.severity, role=f.role, start=f.start,
                                    end=f.end, evidence=f.evidence, points=f.points) for f in src.flags])
            s.add(c)
            if k % 10 == 0 and c.flags:
                s.flush()
                file_dispute(s, c, c.flags[0], "bench", "x")
        s.commit()
        transcripts = [dict(c.transcript) for c in seeds]
        disputes = s.query(Dispute).count()
    rubric = load_rubric()
    t = time.perf_counter()
    n_bare = 0
    while n_bare < 200:
        for data in transcripts:
            score_transcript(Transcript.from_dict(data), rubric, acoustics_from_json(data)).stored_and_shown()
            n_bare += 1
    bare = time.perf_counter() - t
    print(f"baseline, bare scorer (no database): {60 * n_bare / bare:.0f} calls/min")
    n, seconds = rescore(url, rubric)
    with Session() as s:
        kept = s.query(Dispute).filter(Dispute.flag_id.is_not(None)).count()
    print(f"rescore: {n} calls in {seconds:.1f} s = {60 * n / seconds:.0f} calls/min (SQLite); "
          f"{kept}/{disputes} disputes carried to their new flag")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
