"""Expect-to-hear on real recorded IVR prompts (../shared/real_calls/ivr_cc_*.wav, read in place)."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.ivr.loader import load_flow
from voiceqa.ivr.prompts import DEFAULT_THRESHOLD, check_prompts, pinyin_similarity

from .conftest import SHARED

REAL = SHARED / "real_calls"
cli = CliRunner()

# what the recordings say (a satisfaction survey, its thank-you, an out-of-hours notice)
THANKS = "感谢您的评价，谢谢，再见。"
SURVEY_2 = "请您对本次服务进行评价，满意请按1，不满意请按2。"
SURVEY_3 = "请对我的服务进行评价，满意请按1，基本满意请按2，不满意请按3。"
CLOSED = "今天为休息日，请在工作时间再拨打电话。"


@pytest.fixture(scope="module")
def real_prompts():
    if not REAL.is_dir():
        pytest.skip(f"real recordings not found at {REAL} (set VOICEQA_SHARED)")
    return REAL


def write_flow(tmp_path, nodes: dict[str, tuple[str, str]]) -> object:
    """A flow in tmp whose play nodes reference recordings by absolute path (audio stays in shared/)."""
    names = list(nodes)
    lines = ["name: prompts", f"start: {names[0]}", "nodes:"]
    for i, (n, (text, audio)) in enumerate(nodes.items()):
        nxt = names[i + 1] if i + 1 < len(names) else "bye"
        lines.append(f"  {n}: {{type: play, prompt: '{text}', prompt_audio: '{audio}', next: {nxt}}}")
    lines.append("  bye: {type: hangup}")
    p = tmp_path / "prompts.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_pinyin_similarity_forgives_homophones_not_other_sentences():
    assert pinyin_similarity("满意请按1", "满意请按一") == 1.0
    assert pinyin_similarity("请输入工号", "请输入公号") >= 0.9  # 工/公: same syllable
    assert pinyin_similarity(THANKS, "您的快递已经到了，请及时取件") < DEFAULT_THRESHOLD
    assert pinyin_similarity("", "你好") == 0.0


def test_check_prompts_on_real_recordings(real_prompts, tmp_path, single_speaker_transcriber):
    (tmp_path / "broken.wav").write_bytes(b"not audio at all")
    flow_path = write_flow(tmp_path, {
        "survey": (SURVEY_3, str(real_prompts / "ivr_cc_gxmydch.wav")),  # right text
        "closed": (CLOSED, str(real_prompts / "ivr_cc_suning_nophone.wav")),  # right text
        "wrong_thanks": (THANKS, str(real_prompts / "ivr_cc_satisfaction.wav")),  # the thank-you text on the survey audio
        "missing": (THANKS, "no_such_prompt.wav"),
        "broken": (THANKS, "broken.wav"),
    })
    results = {r.node: r for r in check_prompts(load_flow(flow_path), flow_path, single_speaker_transcriber)}
    assert results["survey"].ok and results["closed"].ok, (results["survey"], results["closed"])
    assert results["wrong_thanks"].status == "mismatch" and results["wrong_thanks"].transcript
    assert results["missing"].status == "missing" and results["broken"].status == "unreadable"
    # the margins the default threshold rests on (int8 ASR differs between CPUs)
    assert min(results["survey"].similarity, results["closed"].similarity) >= DEFAULT_THRESHOLD + 0.03
    assert results["wrong_thanks"].similarity <= DEFAULT_THRESHOLD - 0.05


def test_check_prompts_cli(real_prompts, tmp_path, single_speaker_transcriber, monkeypatch):
    import voiceqa.cli.ivr_cmd as ivr_cmd

    monkeypatch.setattr(ivr_cmd, "_prompt_transcriber", lambda: single_speaker_transcriber)  # the session's loaded model
    good = write_flow(tmp_path, {"thanks": (THANKS, str(real_prompts / "ivr_cc_thanks_goodbye.wav"))})
    result = cli.invoke(app, ["ivr", "check-prompts", str(good)])
    assert result.exit_code == 0, result.stdout
    assert "1 recorded prompts, 0 failed" in result.stdout
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = write_flow(bad_dir, {"thanks": (SURVEY_2, str(real_prompts / "ivr_cc_thanks_goodbye.wav")),
                               "gone": (THANKS, "gone.wav")})
    result = cli.invoke(app, ["ivr", "check-prompts", str(bad), "--threshold", "0.8"])
    assert result.exit_code == 1
    lines = [x for x in result.stdout.splitlines() if x.startswith("FAIL")]
    assert len(lines) == 2
    assert any("thanks" in x and "does not say its text" in x and "heard '" in x for x in lines)
    assert any("gone: missing audio file gone.wav" in x for x in lines)


def test_check_prompts_cli_errors(tmp_path):
    p = tmp_path / "none.yaml"
    p.write_text("name: n\nstart: a\nnodes:\n  a: {type: hangup}\n", encoding="utf-8")
    result = cli.invoke(app, ["ivr", "check-prompts", str(p)])
    assert result.exit_code == 0 and "no node has prompt_audio" in result.stdout
    result = cli.invoke(app, ["ivr", "check-prompts", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "file not found" in result.stderr
