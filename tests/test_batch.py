"""`voiceqa batch`, `rescore` and `calls` end to end on real dev calls with a real SQLite file:
bad files listed, nothing lost after SIGKILL, reruns skip finished work."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from voiceqa.cli import app

from .conftest import REPO

cli = CliRunner()
pytestmark = pytest.mark.slow
CALLS = ["call_001_stereo", "call_002_stereo", "call_008"]
IDS = [f"{c}.wav" for c in CALLS]  # call identity: the path relative to the batch folder


@pytest.fixture()
def day(tmp_path, dev_calls):
    d = tmp_path / "day"
    d.mkdir()
    for name in CALLS:
        shutil.copy(dev_calls / f"{name}.wav", d / f"{name}.wav")
    (d / "notes.wav").write_text("this is a text file")
    (d / "empty.wav").write_bytes(b"")
    (d / "cut.wav").write_bytes((dev_calls / "call_003_stereo.wav").read_bytes()[:30000])
    meta = tmp_path / "calls.csv"
    meta.write_text(
        "file,agent_id,agent_name,team,customer_number,started_at,direction,queue\n"
        "call_001_stereo.wav,A01,张三,一组,13800000001,2026-11-20 09:00:00,in,logistics\n"
        "call_002_stereo.wav,A02,李四,一组,13800000001,2026-11-22 10:00:00,in,returns\n"
        "call_008.wav,A01,张三,一组,13900000002,2026-11-22 11:00:00,in,billing\n",
        encoding="utf-8",
    )
    return d, meta


def rows(db_file, sql):
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql).fetchall()


def test_batch_scores_good_files_lists_bad_ones_and_reruns_fast(day, tmp_path, transcriber):
    folder, meta = day
    db_file = tmp_path / "qa.db"
    db = f"sqlite:///{db_file}"
    t = time.perf_counter()
    first = cli.invoke(app, ["batch", str(folder), "--metadata", str(meta), "--db", db])
    first_s = time.perf_counter() - t
    assert first.exit_code == 1, first.stdout  # some files failed
    assert "3 scored" in first.stdout and "3 failed" in first.stdout
    for bad, why in (("notes.wav", "not a readable audio file"), ("empty.wav", "empty file"), ("cut.wav", "truncated WAV")):
        line = next(x for x in first.stdout.splitlines() if x.startswith("failed:") and bad in x)
        assert why in line
    assert len(rows(db_file, "select * from errors")) == 3
    assert sorted(r[0] for r in rows(db_file, "select call_id from calls")) == sorted(IDS)

    listed = json.loads(cli.invoke(app, ["calls", "--db", db, "--json"]).stdout)
    by_id = {c["call_id"].removesuffix(".wav"): c for c in listed}
    assert by_id["call_001_stereo"]["agent_id"] == "A01"
    assert by_id["call_001_stereo"]["repeat_call"] and by_id["call_002_stereo"]["repeat_call"]  # same number, 2 days apart
    assert not by_id["call_008"]["repeat_call"]
    assert "forbidden_phrase" in by_id["call_008"]["categories"] and by_id["call_008"]["warning_level"] == 3
    assert [c["call_id"] for c in json.loads(cli.invoke(app, ["calls", "--db", db, "--json", "--agent", "A02"]).stdout)] == ["call_002_stereo.wav"]
    level3 = json.loads(cli.invoke(app, ["calls", "--db", db, "--json", "--min-level", "3"]).stdout)
    assert {c["call_id"] for c in level3} >= {"call_008.wav"}
    table = cli.invoke(app, ["calls", "--db", db, "--date", "2026-11-22"])
    assert table.exit_code == 0 and "call_008" in table.stdout and "call_001_stereo" not in table.stdout

    check_reports(db, tmp_path)

    t = time.perf_counter()
    again = cli.invoke(app, ["batch", str(folder), "--metadata", str(meta), "--db", db])
    again_s = time.perf_counter() - t
    assert "0 scored, 3 already scored" in again.stdout
    assert again_s < 0.2 * first_s, (again_s, first_s)
    assert len(rows(db_file, "select * from calls")) == 3  # idempotent: no duplicates


def check_reports(db, tmp_path):
    import csv

    from openpyxl import load_workbook

    html = tmp_path / "r.html"
    result = cli.invoke(app, ["report", "--db", db, "--from", "2026-11-20", "--to", "2026-11-22", "--out", str(html)])
    assert result.exit_code == 0 and "3 calls" in result.stdout, result.stdout
    page = html.read_text(encoding="utf-8")
    for section in ("坐席明细", "高频违规项", "二次来电", "坐席关怀提醒", "得分分布", "<svg"):
        assert section in page
    assert "call_008" in page and "服务禁语" in page  # an example quote of the top violation
    xlsx = tmp_path / "r.xlsx"
    assert cli.invoke(app, ["report", "--db", db, "--date", "2026-11-22", "--out", str(xlsx)]).exit_code == 0
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["概览", "坐席明细", "高频违规项", "二次来电", "坐席关怀"]
    assert wb["概览"]["B2"].value == 2  # two calls on the 22nd
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8-sig"))) if cli.invoke(
        app, ["report", "--db", db, "--from", "2026-11-20", "--to", "2026-11-22", "--team", "一组", "--out", str(tmp_path / "r.csv")]).exit_code == 0 else []
    assert rows[0][:5] == ["坐席", "姓名", "班组", "通话数", "平均分"]
    assert {r[0] for r in rows[1:]} == {"A01", "A02"}
    bad = cli.invoke(app, ["report", "--db", db, "--out", str(tmp_path / "r.pdf")])
    assert bad.exit_code == 2 and "must be .html, .xlsx or .csv" in bad.stderr


def test_rescore_applies_a_changed_rubric_without_audio(day, tmp_path, transcriber):
    folder, meta = day
    db_file = tmp_path / "qa.db"
    db = f"sqlite:///{db_file}"
    cli.invoke(app, ["batch", str(folder / "call_008.wav"), "--metadata", str(meta), "--db", db])
    before = rows(db_file, "select score, rubric from calls")[0]
    strict = tmp_path / "strict.yaml"
    text = (REPO / "voiceqa" / "rubrics" / "default.yaml").read_text(encoding="utf-8")
    strict.write_text(text.replace("version: 1", "version: 2").replace("max_deduction: 20", "max_deduction: 40").replace(
        "    severity: major\n    points: 10\n    max_deduction: 40", "    severity: major\n    points: 20\n    max_deduction: 40"), encoding="utf-8")
    (folder / "call_008.wav").unlink()  # the audio is gone: rescoring must not need it
    result = cli.invoke(app, ["rescore", "--rubric", str(strict), "--db", db])
    assert result.exit_code == 0 and "rescored 1 calls with default@2" in result.stdout
    after = rows(db_file, "select score, rubric from calls")[0]
    assert after[1].startswith("default@2+") and after[0] < before[0]  # label: version + lexicon hash


def test_sigkill_midway_loses_nothing_and_rerun_continues(day, tmp_path):
    folder, meta = day
    db_file = tmp_path / "qa.db"
    cmd = [sys.executable, "-m", "voiceqa.cli", "batch", str(folder), "--metadata", str(meta), "--db", f"sqlite:///{db_file}"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            if db_file.exists():
                try:
                    if rows(db_file, "select count(*) from calls")[0][0] >= 1:
                        break
                except sqlite3.OperationalError:
                    pass
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "batch finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    done_before = {r[0] for r in rows(db_file, "select call_id from calls")}
    assert 1 <= len(done_before) < 3
    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert f"{3 - len(done_before)} scored, {len(done_before)} already scored" in rerun.stdout, rerun.stdout
    assert sorted(r[0] for r in rows(db_file, "select call_id from calls")) == sorted(IDS)


def test_same_batch_on_sqlite_and_postgresql_gives_identical_scores(day, tmp_path, postgres_url, transcriber):
    folder, meta = day
    files = [str(folder / "call_001_stereo.wav"), str(folder / "call_008.wav")]
    sqlite_url = f"sqlite:///{tmp_path / 'qa.db'}"
    out = {}
    for url in (sqlite_url, postgres_url):
        result = cli.invoke(app, ["batch", *files, "--metadata", str(meta), "--db", url])
        assert result.exit_code == 0, result.stdout
        listed = json.loads(cli.invoke(app, ["calls", "--db", url, "--json"]).stdout)
        out[url] = {c["call_id"]: (c["score"], c["warning_level"], c["categories"], c["agent_id"]) for c in listed}
    assert out[sqlite_url] == out[postgres_url] and len(out[sqlite_url]) == 2
    # rerun against PostgreSQL skips both
    again = cli.invoke(app, ["batch", *files, "--metadata", str(meta), "--db", postgres_url])
    assert "0 scored, 2 already scored" in again.stdout


def test_cluster_mode_on_a_local_dask_cluster(day, tmp_path):
    from distributed import LocalCluster

    folder, meta = day
    db_file = tmp_path / "qa.db"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = cli.invoke(app, ["batch", str(folder), "--metadata", str(meta), "--db", f"sqlite:///{db_file}",
                                  "--scheduler", cluster.scheduler_address])
        workers_used = len(cluster.scheduler.workers)
    assert result.exit_code == 1, result.stdout  # the three bad files
    assert "3 scored" in result.stdout and "3 failed" in result.stdout
    assert workers_used == 2
    assert sorted(r[0] for r in rows(db_file, "select call_id from calls")) == sorted(IDS)
