"""`voiceqa score` through typer's CliRunner: audio in, stored transcript in, rubric errors."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from voiceqa.cli import app

from .conftest import SAMPLES

runner = CliRunner()


def test_score_audio_json(transcriber):
    result = runner.invoke(app, ["score", str(SAMPLES / "call_001_stereo.wav"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # the speech-core contract is kept, the QA keys are added
    assert {"call_id", "turns", "timings", "flags", "score", "warning_level", "emotion", "metrics"} <= set(data)
    assert data["score"]["rubric"].startswith("default@1+") and 0 <= data["score"]["total"] <= 100
    assert data["emotion"]["customer"] in ("calm", "negative", "angry")
    assert set(data["metrics"]) >= {"agent_talk_ratio", "silence_total", "max_silence", "overtalk_count", "agent_chars_per_sec", "turns"}
    # call_001 has a phone number: reported as info and masked in the transcript
    pii = [f for f in data["flags"] if f["category"] == "pii"]
    assert pii and all(f["severity"] == "info" and f["points"] == 0 for f in pii)
    assert not any("1973563" in t["text"] or "幺九七三五六三" in t["text"] for t in data["turns"])
    assert any(a is not None for a in data["acoustics"])


def test_score_from_json_needs_no_audio(tmp_path, dev_transcripts):
    tr = dev_transcripts[("call_008", "stereo")].to_dict()
    tr["source"] = str(tmp_path / "gone.wav")  # the audio is not needed
    path = tmp_path / "call_008.json"
    path.write_text(json.dumps(tr, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "--from-json", "--json", "--no-redact"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    cats = {f["category"] for f in data["flags"]}
    assert {"forbidden_phrase", "customer_complaint", "missing_closing", "missing_survey"} <= cats
    assert data["warning_level"] == 3  # complaint risk
    # readable scorecard
    result = runner.invoke(app, ["score", str(path), "--from-json"])
    assert result.exit_code == 0 and "总分" in result.stdout and "服务禁语" in result.stdout


def test_score_with_bad_rubric_exit_2(tmp_path):
    bad = tmp_path / "r.yaml"
    bad.write_text("name: r\nversion: 1\nitems:\n  - {id: a, name: A, category: script, severity: minor, points: 1, rule: {type: nope}}\n")
    result = runner.invoke(app, ["score", str(SAMPLES / "call_001_stereo.wav"), "--rubric", str(bad)])
    assert result.exit_code == 2 and "line 4" in result.stderr and str(bad) in result.stderr


def test_score_from_bad_json_exit_2(tmp_path):
    p = tmp_path / "t.json"
    p.write_text("{not json")
    result = runner.invoke(app, ["score", str(p), "--from-json"])
    assert result.exit_code == 2 and "not a transcript JSON" in result.stderr
