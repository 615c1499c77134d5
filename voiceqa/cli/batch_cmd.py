"""``voiceqa batch``, ``voiceqa rescore``, ``voiceqa report`` and ``voiceqa calls``: a day's
recordings, stored and reported."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import VoiceQAError
from ..masking import mask_secrets
from .common import (SeparationChoice, agent_channel_option, count_progress, db_option, fail, model_option, parse_date,
                     separation_option)

app = typer.Typer()


@app.command()
def batch(
    paths: List[str] = typer.Argument(..., help="Folders, globs, or list files (.txt/.lst) of recordings."),
    metadata: Optional[Path] = typer.Option(None, "--metadata", help="CSV: call_id or file, agent_id, agent_name, team, customer_number, started_at, direction, queue."),
    name_pattern: Optional[str] = typer.Option(None, "--name-pattern", help=r"Regex with named groups over file names, e.g. '(?P<agent_id>A\d+)_(?P<customer_number>\d+)_(?P<started_at>\d{14})'."),
    db: str = db_option(),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes (each loads the models once)."),
    rubric: Optional[Path] = typer.Option(None, "--rubric"),
    model: Optional[str] = model_option(),
    separation: SeparationChoice = separation_option(),
    agent_channel: int = agent_channel_option(),
    repeat_days: int = typer.Option(7, "--repeat-days", min=1, help="Same customer again within this many days = repeat call."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://HOST:8786): run on a cluster."),
    root: Optional[Path] = typer.Option(None, "--root", help="Batch root: a call without a metadata call_id is identified by its path relative to this folder (default: the folder argument it was found in)."),
    transcripts: bool = typer.Option(False, "--transcripts", help="Inputs are voiceqa transcript JSON files (voiceqa transcribe --json): score them without audio or ASR."),
) -> None:
    """Score every recording into the database; resumable, a bad file never stops the batch.

    Exit code 0 only when every file was scored (or already was)."""
    from ..batch.cluster import check_scheduler
    from ..batch.inputs import collect
    from ..batch.metadata import Metadata
    from ..batch.runner import run_batch
    from ..batch.worker import WorkerConfig
    from ..qa.rubric import load_rubric
    from ..store.db import session_factory

    try:  # every option is checked before any work starts
        meta = Metadata(metadata, name_pattern)
        load_rubric(rubric)
        session_factory(db)
        if scheduler:
            check_scheduler(scheduler)
        files = collect(paths, root, transcripts)
    except VoiceQAError as exc:
        raise fail(exc) from None
    if not files:
        typer.echo("error: no " + ("transcript" if transcripts else "audio") + " files found in " + " ".join(paths), err=True)
        raise typer.Exit(2)
    threads = max(1, (os.cpu_count() or 1) // workers)
    cfg = WorkerConfig(rubric_path=str(rubric) if rubric else None, model=model, separation=separation.value,
                       agent_channel=agent_channel, threads=threads, transcripts=transcripts)
    t0 = time.perf_counter()
    with count_progress(len(files), "scoring", "calls") as bar:
        def progress(outcome, done, total, audio_s):
            wall = time.perf_counter() - t0
            bar.update(done, f"{audio_s / 3600:.2f} h audio, RTF {wall / audio_s:.3f}" if audio_s else "")
            if outcome is not None and not outcome.ok:
                bar.note(f"error: {mask_secrets(outcome.error)}")

        try:
            summary = run_batch(files, db, cfg, workers, meta, repeat_days, progress, scheduler)
        except VoiceQAError as exc:
            raise fail(exc) from None
    typer.echo(f"batch {summary.batch_id}: {summary.files} files, {summary.scored} scored, {summary.skipped} already scored, "
               f"{len(summary.failed)} failed; {summary.audio_seconds / 3600:.2f} h audio in {summary.wall_seconds:.1f} s"
               + (f" (RTF {summary.rtf:.3f})" if summary.audio_seconds else "") + f"; {summary.repeat_calls} repeat calls"
               + (f"; {summary.crashes} worker crash(es), {summary.retried} call(s) retried" if summary.crashes else ""))
    for path, reason in summary.failed:
        typer.echo(f"failed: {mask_secrets(reason)}")
    for warning in summary.warnings:
        typer.echo(f"warning: {mask_secrets(warning)}", err=True)
    raise typer.Exit(1 if summary.failed or summary.warnings else 0)


@app.command()
def rescore(
    rubric: Path = typer.Option(..., "--rubric", help="The changed rubric."),
    since: Optional[str] = typer.Option(None, "--since", help="Only calls started on or after this date (YYYY-MM-DD)."),
    db: str = db_option(),
) -> None:
    """Re-apply a rubric to stored transcripts without touching audio."""
    from ..batch.rescore import rescore as run
    from ..qa.rubric import load_rubric

    try:
        rules = load_rubric(rubric)
        n, seconds = run(db, rules, parse_date(since))
    except VoiceQAError as exc:
        raise fail(exc) from None
    rate = n / seconds * 60 if seconds else 0
    typer.echo(f"rescored {n} calls with {rules.label} in {seconds:.1f} s ({rate:.0f} calls/min)")


@app.command()
def report(
    out: Path = typer.Option(..., "--out", help="FILE.html, FILE.xlsx or FILE.csv"),
    date: Optional[str] = typer.Option(None, "--date", help="One day (YYYY-MM-DD)."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day of the period."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day of the period (inclusive)."),
    team: Optional[str] = typer.Option(None, "--team"),
    db: str = db_option(),
) -> None:
    """Team report for a day or period: scores, per-agent table with trend, top violations
    with quotes, repeat calls, customer anger, agent-care alerts."""
    from ..report.data import build
    from ..report.render import write
    from ..store.db import session_factory

    if date and (date_from or date_to):
        raise typer.BadParameter("use --date or --from/--to, not both")
    start = parse_date(date or date_from) or dt.date.today()
    end = parse_date(date or date_to) or (start if date or not date_from else dt.date.today())
    if end < start:
        raise typer.BadParameter("--to is before --from")
    try:
        with session_factory(db)() as session:
            data = build(session, start, end, team)
        write(data, out)
    except VoiceQAError as exc:
        raise fail(exc) from None
    typer.echo(f"report {start} – {end}: {data.calls} calls, average {data.avg_score:.1f}, pass rate {100 * data.pass_rate:.1f}% → {out}")


@app.command()
def calls(
    db: str = db_option(),
    agent: Optional[str] = typer.Option(None, "--agent"),
    category: Optional[str] = typer.Option(None, "--category"),
    min_level: Optional[int] = typer.Option(None, "--min-level", min=0, max=3),
    date: Optional[str] = typer.Option(None, "--date", help="YYYY-MM-DD (call start)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List stored calls (table, or one JSON array with --json)."""
    from ..store.db import session_factory
    from ..store.repo import query_calls

    try:
        Session = session_factory(db)
    except VoiceQAError as exc:
        raise fail(exc) from None
    with Session() as session:
        rows = []
        for c in query_calls(session, agent, category, min_level, parse_date(date)):
            cats = sorted({f.category for f in c.flags if not f.voided and f.severity != "info" or f.category == "repeat_call"})
            rows.append({
                "call_id": c.call_id, "agent_id": c.agent_id, "score": c.score, "passed": c.passed,
                "warning_level": c.warning_level, "categories": cats, "duration": c.duration,
                "started_at": c.started_at.isoformat() if c.started_at else None, "customer_number": c.customer_number,
                "repeat_call": c.repeat_call, "emotion_customer": c.emotion_customer, "source": c.source,
            })
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} calls")
    for col in ("call_id", "agent", "start", "score", "level", "categories"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["call_id"], r["agent_id"] or "", (r["started_at"] or "")[:16], f"{r['score']:.0f}",
                      str(r["warning_level"]), ", ".join(r["categories"]))
    Console(width=160).print(table)
