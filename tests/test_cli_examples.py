"""README examples run as written (CliRunner), on synthetic transcripts so no ASR is needed:
a glob with --name-pattern, a list file, rescore --since, ivr run --profile."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from voiceqa.cli import app

from .synthetic import transcript

REPO = Path(__file__).resolve().parents[1]
PATTERN = r"(?P<agent_id>A\d+)_(?P<customer_number>\d+)_(?P<started_at>\d{14})"
cli = CliRunner()


def _write(folder: Path, name: str, i: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(transcript(i), ensure_ascii=False), encoding="utf-8")
    return path


def _rows(db_file: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_file) as con:
        return con.execute(sql).fetchall()


def test_batch_glob_with_name_pattern_then_rescore_since(tmp_path):
    data = tmp_path / "data"
    _write(data / "2026-11-21", "A01_13800000001_20261121093000.json", 1)
    _write(data / "2026-11-22", "A02_13800000002_20261122101500.json", 2)
    db_file = tmp_path / "qa.db"
    db = f"sqlite:///{db_file}"
    result = cli.invoke(app, ["batch", f"{data}/**/*.json", "--transcripts", "--name-pattern", PATTERN, "--db", db])
    assert result.exit_code == 0, result.output
    stored = sorted(_rows(db_file, "select agent_id, customer_number from calls"))
    assert stored == [("A01", "13800000001"), ("A02", "13800000002")]

    listed = cli.invoke(app, ["calls", "--db", db, "--agent", "A02", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [c["agent_id"] for c in json.loads(listed.stdout)] == ["A02"]

    rubric = tmp_path / "r2.yaml"
    rubric.write_text((REPO / "voiceqa" / "rubrics" / "default.yaml").read_text(encoding="utf-8")
                      .replace("version: 1", "version: 2"), encoding="utf-8")
    result = cli.invoke(app, ["rescore", "--rubric", str(rubric), "--since", "2026-11-22", "--db", db])
    assert result.exit_code == 0, result.output
    assert "rescored 1 calls" in result.stdout
    labels = dict(_rows(db_file, "select agent_id, rubric from calls"))
    assert labels["A02"].startswith("default@2") and labels["A01"].startswith("default@1")


def test_batch_list_file(tmp_path):
    files = [_write(tmp_path / "day", f"rec{i}.json", i) for i in range(3)]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(str(p) for p in files[:2]) + "\n", encoding="utf-8")
    db_file = tmp_path / "qa.db"
    result = cli.invoke(app, ["batch", str(listing), "--transcripts", "--db", f"sqlite:///{db_file}"])
    assert result.exit_code == 0, result.output
    assert _rows(db_file, "select count(*) from calls")[0][0] == 2


def test_bad_name_pattern_is_one_line_before_any_work(tmp_path):
    _write(tmp_path / "day", "rec.json", 1)
    result = cli.invoke(app, ["batch", str(tmp_path / "day"), "--transcripts", "--name-pattern", "(?P<agent_id",
                              "--db", f"sqlite:///{tmp_path / 'qa.db'}"])
    assert result.exit_code == 2
    assert "--name-pattern" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "qa.db").exists() or _rows(tmp_path / "qa.db", "select count(*) from calls")[0][0] == 0


def test_ivr_run_with_elderly_profile_reaches_the_elderly_menu():
    result = cli.invoke(app, ["ivr", "run", str(REPO / "ivr_flows" / "credit_card.yaml"), "--profile", "elderly"], input="0\n")
    assert result.exit_code == 0, result.output
    assert "卡丢了请按1，找人工请按0" in result.output
    assert "elderly_care" in result.output or "转接" in result.output
