"""`voiceqa transcribe` and `voiceqa models` through typer's CliRunner."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.text.chinese import normalize_for_compare

from .conftest import SAMPLES

runner = CliRunner()


def test_transcribe_json_stereo_sample(transcriber):
    result = runner.invoke(app, ["transcribe", str(SAMPLES / "call_001_stereo.wav"), "--words"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # exactly one JSON object on stdout (--words implies --json)
    assert data["call_id"] == "call_001_stereo"
    for turn in data["turns"]:  # words with calibrated probabilities, inside their turn
        assert turn["words"] and set(turn["words"][0]) == {"start", "end", "text", "probability"}
        assert all(0.0 <= w["probability"] <= 1.0 for w in turn["words"])
        assert turn["start"] - 0.5 <= turn["words"][0]["start"] <= turn["words"][-1]["end"] <= turn["end"] + 0.5
        assert normalize_for_compare("".join(w["text"] for w in turn["words"]))[:4] in normalize_for_compare(turn["text"])
    assert data["separation"] == "stereo"
    roles = {t["role"] for t in data["turns"]}
    assert roles == {"agent", "customer"}
    first = data["turns"][0]
    assert first["role"] == "agent" and first["start"] < 2.0
    assert "很高兴为您服务" in first["text"]
    assert not any("suggests" in e for e in data["role_evidence"])  # content agrees with the channel map


def test_transcribe_readable_mono_sample(transcriber):
    result = runner.invoke(app, ["transcribe", str(SAMPLES / "call_001_mono.wav")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("# call_001_mono") and "separation=diarization" in lines[0]
    assert lines[1].startswith(("[00:00.9", "[00:01.")) and "坐席:" in lines[1]
    assert any("客户:" in line for line in lines[1:])


def test_agent_channel_swaps_roles(transcriber):
    result = runner.invoke(app, ["transcribe", str(SAMPLES / "call_001_stereo.wav"), "--json", "--agent-channel", "1"])
    data = json.loads(result.stdout)
    assert "words" not in data["turns"][0]  # words only when asked for
    assert data["turns"][0]["role"] == "customer"  # the channel map is obeyed…
    assert any("suggests channel 0 is the agent" in e for e in data["role_evidence"])  # …but flagged


def test_forced_single_speaker(transcriber):
    result = runner.invoke(app, ["transcribe", str(SAMPLES / "call_001_mono.wav"), "--json", "--num-speakers", "1"])
    data = json.loads(result.stdout)
    assert data["separation"] == "single" and {t["speaker"] for t in data["turns"]} == {"S0"}


def test_bad_audio_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_text("not audio")
    result = runner.invoke(app, ["transcribe", str(bad), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and str(bad) in result.stderr


def test_missing_file_exit_2(tmp_path):
    result = runner.invoke(app, ["transcribe", str(tmp_path / "nope.mp3")])
    assert result.exit_code == 2 and "file not found" in result.stderr


def test_bad_model_path_exit_3(tmp_path):
    result = runner.invoke(app, ["transcribe", str(SAMPLES / "call_001_stereo.wav"), "--model", str(tmp_path)])
    assert result.exit_code == 3 and "not a CTranslate2 Whisper model" in result.stderr


def test_stereo_forced_on_mono_file_is_refused():
    result = runner.invoke(app, ["transcribe", str(SAMPLES / "call_001_mono.wav"), "--separation", "stereo"])
    assert result.exit_code == 2 and "stereo" in result.stderr


def test_models_install():
    result = runner.invoke(app, ["models", "install"])
    assert result.exit_code == 0, result.output
    assert "whisper-base" in result.stdout and "CAM++" in result.stdout
