"""Fault injection: kill -9 during a batch, a worker process and a rescore; the PostgreSQL
server restarted mid-batch; a 200-file batch with 5 % corrupt files. Nothing finished or
decided is lost and a rerun does only what is missing. Calls are synthetic transcripts
(``batch --transcripts``) so hundreds of calls take seconds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.store.db import session_factory
from voiceqa.store.models import Call, Dispute, FlagRow
from voiceqa.store.repo import decide_dispute, file_dispute

from .conftest import REPO
from .synthetic import write_day

cli = CliRunner()


def voiceqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "voiceqa.cli", *args]


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def count(url: str, where: str = "") -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"select count(*) from calls {where}")).scalar()
    except Exception:
        return 0
    finally:
        engine.dispose()


def wait_for(proc: subprocess.Popen, ready, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and not ready():
        time.sleep(0.1)
    assert proc.poll() is None, "finished before the fault could be injected: " + (proc.stdout.read() if proc.stdout else "")


def call_ids(url: str) -> list[str]:
    with session_factory(url)() as s:
        return list(s.scalars(select(Call.call_id)))


def test_200_files_with_5_percent_corrupt(tmp_path):
    day = tmp_path / "day"
    good, bad = write_day(day, 200, corrupt=10)
    db = f"sqlite:///{tmp_path / 'qa.db'}"
    r = cli.invoke(app, ["batch", str(day), "--transcripts", "--workers", "2", "--db", db])
    assert r.exit_code == 1 and "200 files, 190 scored, 0 already scored, 10 failed" in r.stdout, r.output
    failed = [x for x in r.stdout.splitlines() if x.startswith("failed: ")]
    assert len(failed) == 10
    for p in bad:  # every bad one listed once, with its reason
        line = next(x for x in failed if str(p) in x)
        assert "not a transcript JSON" in line or "not a voiceqa transcript" in line, line
    ids = call_ids(db)
    assert sorted(ids) == sorted(p.name for p in good)  # every good call stored once
    again = cli.invoke(app, ["batch", str(day), "--transcripts", "--workers", "2", "--db", db])
    assert "0 scored, 190 already scored, 10 failed" in again.stdout, again.output
    write_day(tmp_path / "more", 205, seed=0)  # five new calls beside the old ones
    for i in range(200, 205):
        (tmp_path / "more" / f"call_{i:04d}.json").rename(day / f"call_{i:04d}.json")
    third = cli.invoke(app, ["batch", str(day), "--transcripts", "--db", db])
    assert "5 scored, 190 already scored, 10 failed" in third.stdout, third.output
    assert len(call_ids(db)) == 195


def test_kill_9_during_a_batch_then_rerun(tmp_path):
    day = tmp_path / "day"
    write_day(day, 250)
    db = f"sqlite:///{tmp_path / 'qa.db'}"
    proc = subprocess.Popen(voiceqa("batch", str(day), "--transcripts", "--db", db), cwd=tmp_path, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        wait_for(proc, lambda: count(db) >= 30)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    done = count(db)
    assert 30 <= done < 250
    rerun = subprocess.run(voiceqa("batch", str(day), "--transcripts", "--db", db), cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300)
    assert f"{250 - done} scored, {done} already scored, 0 failed" in rerun.stdout, rerun.stdout + rerun.stderr
    ids = call_ids(db)
    assert len(ids) == len(set(ids)) == 250


def test_a_killed_worker_process_is_retried(tmp_path):
    day = tmp_path / "day"
    write_day(day, 200)
    db = f"sqlite:///{tmp_path / 'qa.db'}"
    proc = subprocess.Popen(voiceqa("batch", str(day), "--transcripts", "--workers", "2", "--db", db), cwd=tmp_path, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(proc, lambda: count(db) >= 20)
        workers = [pid for pid in _children(proc.pid) if "spawn_main" in _cmdline(pid)]
        assert workers, "no worker processes found"
        os.kill(workers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=200)
    finally:
        proc.kill()
    assert proc.returncode == 0, (proc.returncode, out, err[-3000:])
    assert "200 scored" in out and "0 failed" in out and "1 worker crash(es)" in out, out
    ids = call_ids(db)
    assert len(ids) == len(set(ids)) == 200


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _disputes(db):
    with session_factory(db)() as s:
        return sorted((d.call_pk, d.item, d.comment, d.status, d.decided_by) for d in s.scalars(select(Dispute)))


def test_kill_9_during_a_rescore_loses_no_dispute(tmp_path):
    day = tmp_path / "day"
    write_day(day, 240)
    db = f"sqlite:///{tmp_path / 'qa.db'}"
    assert cli.invoke(app, ["batch", str(day), "--transcripts", "--db", db]).exit_code == 0
    with session_factory(db)() as s:
        calls = s.scalars(select(Call).order_by(Call.id)).all()
        picked = [c for c in calls if any(f.item == "forbidden" for f in c.flags)]
        for k, c in enumerate(picked[:3] + picked[-3:]):  # early and late calls: both sides of the kill
            flag = next(f for f in sorted(c.flags, key=lambda f: f.start) if f.points < 0)
            d = file_dispute(s, c, flag, "a01", f"申诉{k}")
            s.flush()
            if k % 2 == 0:
                decide_dispute(s, d, c, True, "sup1", "")
        s.commit()
    before = _disputes(db)
    v2 = tmp_path / "v2.yaml"
    v2.write_text((REPO / "voiceqa" / "rubrics" / "default.yaml").read_text(encoding="utf-8").replace("version: 1", "version: 2"), encoding="utf-8")
    cmd = voiceqa("rescore", "--rubric", str(v2), "--db", db)
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        wait_for(proc, lambda: count(db, "where rubric like 'default@2+%'") >= 1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert 0 < count(db, "where rubric like 'default@2+%'") < 240
    assert _disputes(db) == before
    assert subprocess.run(cmd, cwd=tmp_path, env=env(), capture_output=True, timeout=240).returncode == 0
    assert count(db, "where rubric like 'default@2+%'") == 240 and _disputes(db) == before
    with session_factory(db)() as s:
        for d in s.scalars(select(Dispute)):
            flag = s.get(FlagRow, d.flag_id)
            assert flag.call_pk == d.call_pk and flag.voided == (d.status == "accepted")


def test_postgresql_restart_mid_batch(tmp_path, postgres_server):
    day = tmp_path / "day"
    write_day(day, 250)
    db = postgres_server.create_database()
    session_factory(db)  # schema created before the batch starts
    proc = subprocess.Popen(voiceqa("batch", str(day), "--transcripts", "--db", db), cwd=tmp_path, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(proc, lambda: count(db) >= 30)
        postgres_server.stop()
        time.sleep(1.0)
        postgres_server.start()
        out, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
        try:
            postgres_server.start()  # make sure it is up for later tests
        except subprocess.CalledProcessError:
            pass
    assert "Traceback" not in err, err
    stored = count(db)
    assert proc.returncode in (0, 1) and f"{stored} scored" in out, out + err
    if stored < 250:  # the calls that met the restart are listed against their file
        assert "database error" in out
    rerun = subprocess.run(voiceqa("batch", str(day), "--transcripts", "--db", db), cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0 and f"{250 - stored} scored, {stored} already scored, 0 failed" in rerun.stdout, rerun.stdout + rerun.stderr
    ids = call_ids(db)
    assert len(ids) == len(set(ids)) == 250
    with session_factory(db)() as s:
        assert s.scalar(select(func.count()).select_from(Call).where(Call.score.is_(None))) == 0
