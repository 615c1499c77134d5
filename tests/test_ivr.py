"""Speech IVR: runner behaviour, intents, lint on seeded defects, paths, CLI, DTMF and speech input."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.errors import FlowError
from voiceqa.ivr.lint import lint
from voiceqa.ivr.loader import load_flow
from voiceqa.ivr.model import Flow, Option
from voiceqa.ivr.runner import CallerInput, FlowRunner
from voiceqa.ivr.speech import detect_dtmf

from .conftest import REPO

FLOWS = REPO / "ivr_flows"
SHIPPED = ["ecommerce_aftersales", "credit_card", "broadband_repair", "identity_check"]
cli = CliRunner()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_flow_scenarios_pass_with_full_coverage(name, tmp_path, transcriber):
    junit = tmp_path / "junit.xml"
    result = cli.invoke(app, ["ivr", "test", str(FLOWS / f"{name}.yaml"), "--junit", str(junit)])
    assert result.exit_code == 0, result.stdout
    assert " 0 failed" in result.stdout
    assert "nodes 100.0%  edges 100.0%  options 100.0%" in result.stdout
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite" and int(suite.get("failures")) == 0 and int(suite.get("tests")) >= 3


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_flows_lint_clean(name):
    result = cli.invoke(app, ["ivr", "lint", str(FLOWS / f"{name}.yaml"), "--strict"])
    assert result.exit_code == 0, result.stdout
    assert "0 errors, 0 warnings" in result.stdout


def flow_from(text: str) -> Flow:
    return Flow.model_validate(yaml.safe_load(text))


MENU = """
name: t
start: menu
globals: {agent: {next: agent}}
variables: {brand: 优选}
nodes:
  menu:
    type: menu
    prompt: 欢迎致电{brand}。查物流请按1，退货请按2。
    options:
      - {key: "1", label: 物流, keywords: [物流, 快递], examples: [我的包裹到哪了], next: order}
      - {key: "2", label: 退货, keywords: [退货, 退款], next: bye}
    reprompts: {no_input: [第一次没听到。, 第二次没听到。], no_match: [没听懂。]}
    max_no_input: 3
    fallback: {next: agent}
  order:
    type: collect
    prompt: 请输入六位订单号。
    variable: order
    validation: {min_length: 6, max_length: 6}
    confirm: 您输入的是{value}，确认请按1。
    max_attempts: 2
    on_success: {next: said}
    on_failure: {next: agent}
  said: {type: play, prompt: "订单{order}已发货。", next: bye}
  bye: {type: hangup}
  agent: {type: transfer, queue: general}
"""


def test_escalating_reprompts_then_fallback():
    r = FlowRunner(flow_from(MENU))
    assert "欢迎致电优选" in r.start()[0].text  # variables in prompts
    r.send(CallerInput("silence"))
    assert r.last_prompt.startswith("第一次没听到")
    r.send(CallerInput("silence"))
    assert r.last_prompt.startswith("第二次没听到")
    r.send(CallerInput("silence"))
    assert r.s.outcome.type == "transfer" and r.s.outcome.queue == "general"
    assert r.s.retries["no_input"] == 3
    times = [e.t for e in r.trace]
    assert times == sorted(times) and r.s.clock > 15  # three 5 s timeouts


def test_collect_validation_confirmation_and_trace_is_deterministic():
    def run():
        r = FlowRunner(flow_from(MENU))
        r.start()
        r.send(CallerInput("say", "快递"))
        r.send(CallerInput("dtmf", "123"))  # too short
        assert "输入有误" in r.last_prompt
        r.send(CallerInput("say", "幺二三四五六"))
        assert r.last_prompt == "您输入的是123456，确认请按1。"
        r.send(CallerInput("dtmf", "1"))
        return r

    a, b = run(), run()
    assert a.s.variables["order"] == "123456" and a.s.outcome.type == "hangup"
    assert "订单123456已发货。" in [e.text for e in a.trace]
    assert [(e.t, e.kind, e.text) for e in a.trace] == [(e.t, e.kind, e.text) for e in b.trace]


def test_global_agent_word_and_back_and_repeat():
    r = FlowRunner(flow_from(MENU))
    r.start()
    r.send(CallerInput("dtmf", "#"))
    assert r.last_prompt.startswith("欢迎致电")
    r.send(CallerInput("say", "我要转人工"))
    assert r.s.outcome.queue == "general"


def test_conditions_profiles_business_hours_and_holidays():
    import datetime as dt

    flow = flow_from("""
name: h
start: c
hours: {open: "08:00", close: "20:00", weekdays: [1, 2, 3, 4, 5], holidays: ["2026-11-24"]}
nodes:
  c:
    type: condition
    branches:
      - {when: profile.vip and hours.open, next: vip}
      - {when: not hours.open, next: closed}
    default: {next: normal}
  vip: {type: transfer, queue: vip}
  closed: {type: hangup, resolved: false}
  normal: {type: transfer, queue: normal}
""")
    def end(profile, when):
        r = FlowRunner(flow, profile, now=when)
        r.start()
        return r.s.outcome.queue or r.s.outcome.type

    monday_10 = dt.datetime(2026, 11, 23, 10, 0)
    assert end({"vip": True}, monday_10) == "vip"
    assert end({}, monday_10) == "normal"
    assert end({"vip": True}, dt.datetime(2026, 11, 23, 21, 0)) == "hangup"  # after hours
    assert end({}, dt.datetime(2026, 11, 24, 10, 0)) == "hangup"  # holiday
    assert end({}, dt.datetime(2026, 11, 28, 10, 0)) == "hangup"  # Saturday


def test_intent_matching_without_cloud():
    from voiceqa.ivr.understand import Choice, Matcher

    opts = [
        Option(key="1", label="物流", keywords=["物流", "快递"], examples=["我的包裹到哪了"], next="a"),
        Option(key="2", label="退货", keywords=["退货", "退款"], examples=["东西坏了想退"], next="b"),
    ]
    choices = [Choice(o.key, o.label, tuple(o.keywords), tuple(o.examples), o.key) for o in opts]
    m = Matcher()
    assert m.understand("我想查一下快递", choices).choice == "1"  # keyword
    assert m.understand("我想退火", choices).choice == "2"  # ASR homophone 退火 ~ 退货 (pinyin)
    assert m.understand("我的包裹到了没有", choices).choice == "1"  # similar to an example
    assert m.understand("按二", choices).choice == "2"  # spoken key
    nm = m.understand("今天天气怎么样", choices)
    assert nm.choice is None and nm.how == "no match"


SEEDED = """
name: bad
start: m
nodes:
  m:
    type: menu
    prompt: 请选择。
    options:
      - {key: "1", next: a}
      - {key: "1", next: b}
      - {key: "2", next: ghost}
      - {key: "3", next: a}
      - {key: "4", next: a}
      - {key: "5", next: a}
  a: {type: play, prompt: 循环, next: b}
  b: {type: play, prompt: 又循环, next: a}
  island: {type: hangup}
  eld:
    type: condition
    branches: [{when: profile.elderly, next: long}]
    default: {next: island}
  long: {type: play, prompt: 这是一段非常非常长的提示语，老年人很难一次听完并且记住其中所有的选项和按键，请您仔细听好。, next: island}
"""


def test_lint_finds_every_seeded_defect(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(SEEDED, encoding="utf-8")
    codes = {(f.code, f.node) for f in lint(load_flow(p))}
    assert ("duplicate-key", "m") in codes
    assert ("missing-target", "m") in codes
    assert ("too-many-options", "m") in codes
    assert ("no-retry-handling", "m") in codes
    assert ("unreachable", "island") in codes
    assert ("loop-without-exit", "a") in codes and ("loop-without-exit", "b") in codes
    assert ("elderly-prompt-too-long", "long") in codes
    result = cli.invoke(app, ["ivr", "lint", str(p)])
    assert result.exit_code == 1 and "errors" in result.stdout


def test_dead_end_goto(tmp_path):
    flow = flow_from("name: d\nstart: g\nnodes:\n  g: {type: goto}\n")
    assert any(f.code == "dead-end" for f in lint(flow))


@pytest.mark.parametrize(
    "body,message",
    [
        ("name: x\nstart: a\nnodes:\n  a: {type: teleport}\n", "line 4"),
        ("name: x\nstart: nowhere\nnodes:\n  a: {type: hangup}\n", "start node 'nowhere' does not exist"),
        ("name: x\nstart: a\nnodes: {a: [\n", "malformed YAML"),
    ],
)
def test_flow_file_errors_are_one_line(tmp_path, body, message):
    p = tmp_path / "f.yaml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(FlowError) as info:
        load_flow(p)
    assert message in str(info.value) and str(p) in str(info.value) and "\n" not in str(info.value)
    result = cli.invoke(app, ["ivr", "lint", str(p)])
    assert result.exit_code == 2


def test_paths_generate_then_test(tmp_path):
    flow = tmp_path / "menu.yaml"
    flow.write_text(MENU, encoding="utf-8")
    out = tmp_path / "menu.scenarios.yaml"
    result = cli.invoke(app, ["ivr", "paths", str(flow), "--generate", "--out", str(out)])
    assert result.exit_code == 0
    assert len(yaml.safe_load(out.read_text())["scenarios"]) == 4  # 1 > collect ok, 1 > collect fails, 2, fallback
    result = cli.invoke(app, ["ivr", "test", str(flow)])
    assert result.exit_code == 0 and "nodes 100.0%" in result.stdout, result.stdout


def test_failing_scenario_sets_exit_code_and_reports_uncovered(tmp_path):
    flow = tmp_path / "menu.yaml"
    flow.write_text(MENU, encoding="utf-8")
    sc = tmp_path / "s.yaml"
    sc.write_text("scenarios:\n  - name: wrong queue\n    steps: [{reply: {dtmf: '0'}}]\n    expect_end: {outcome: transfer, queue: vip}\n", encoding="utf-8")
    result = cli.invoke(app, ["ivr", "test", str(flow), str(sc)])
    assert result.exit_code == 1
    assert "expected transfer to vip, got general" in result.stdout
    assert "not covered node: t:order" in result.stdout


def test_graph_formats():
    m = cli.invoke(app, ["ivr", "graph", str(FLOWS / "broadband_repair.yaml")])
    assert m.exit_code == 0 and m.stdout.startswith("flowchart TD") and "option:1" in m.stdout
    d = cli.invoke(app, ["ivr", "graph", str(FLOWS / "broadband_repair.yaml"), "--format", "dot"])
    assert d.exit_code == 0 and '"main_menu" -> "self_check"' in d.stdout


def test_simulate_reports_containment():
    result = cli.invoke(app, ["ivr", "simulate", str(FLOWS / "ecommerce_aftersales.yaml"), "--callers", "300",
                              "--mix", str(FLOWS / "ecommerce_aftersales.mix.yaml")])
    assert result.exit_code == 0, result.stdout
    line = next(x for x in result.stdout.splitlines() if x.startswith("containment rate"))
    rate = float(line.split()[2].rstrip("%"))
    assert 30 < rate < 80
    assert "transfer 投诉" in result.stdout and "average time to reach a person" in result.stdout


def test_interactive_run():
    result = cli.invoke(app, ["ivr", "run", str(FLOWS / "broadband_repair.yaml")], input="1\n好了\n")
    assert result.exit_code == 0, result.stdout
    assert "宽带故障报修请按1" in result.stdout and "== hangup" in result.stdout
    assert "(understood: keyword -> 1" in result.stdout  # how the words were understood


def test_schema_validates_shipped_flows():
    import json

    schema = json.loads((FLOWS / "flow.schema.json").read_text(encoding="utf-8"))
    assert schema["title"] == "Flow" and "nodes" in schema["properties"]
    fresh = cli.invoke(app, ["ivr", "schema"])
    assert json.loads(fresh.stdout) == schema  # the committed schema is up to date


def dtmf_signal(keys: str, rate: int, noise: float = 0.01) -> np.ndarray:
    rows = {"1": 697, "2": 697, "3": 697, "4": 770, "5": 770, "6": 770, "7": 852, "8": 852, "9": 852, "*": 941, "0": 941, "#": 941}
    cols = {"1": 1209, "2": 1336, "3": 1477, "4": 1209, "5": 1336, "6": 1477, "7": 1209, "8": 1336, "9": 1477, "*": 1209, "0": 1336, "#": 1477}
    t = np.arange(int(0.1 * rate)) / rate
    gap = np.zeros(int(0.07 * rate))
    parts = [gap]
    for k in keys:
        parts += [0.25 * (np.sin(2 * np.pi * rows[k] * t) + np.sin(2 * np.pi * cols[k] * t)), gap]
    x = np.concatenate(parts)
    return (x + np.random.default_rng(1).normal(0, noise, x.size)).astype(np.float32)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_dtmf_detection(rate):
    assert detect_dtmf(dtmf_signal("159#0*", rate), rate) == "159#0*"
    assert detect_dtmf(dtmf_signal("33", rate), rate) == "33"  # repeated key needs the gap


def test_no_dtmf_in_speech(dev_calls):
    from voiceqa.audio import load_audio

    audio = load_audio(dev_calls / "call_002.wav")
    assert detect_dtmf(audio.mono()[: 16000 * 20], audio.rate) == ""


def test_speech_input_from_a_recorded_caller(dev_calls, tmp_path, single_speaker_transcriber):
    """A real recorded utterance (dev call customer asking about a return) selects the menu option."""
    import json

    import soundfile as sf

    from voiceqa.ivr.speech import SpeechInput

    truth = json.loads((dev_calls / "call_002.json").read_text())
    turn = next(t for t in truth["turns"] if t["role"] == "customer")
    x, sr = sf.read(dev_calls / "call_002_stereo.wav", dtype="float32")
    clip = tmp_path / "caller.wav"
    sf.write(clip, x[int(turn["start"] * sr): int(turn["end"] * sr), 1], sr, subtype="ULAW")
    inp = SpeechInput(single_speaker_transcriber)(clip)
    assert inp.kind == "say" and inp.value
    r = FlowRunner(load_flow(FLOWS / "ecommerce_aftersales.yaml"))
    r.start()
    r.send(CallerInput("say", inp.value))
    assert r.node_id == "returns_menu", (turn["text"], inp.value)
    # DTMF inside a recording
    tones = tmp_path / "keys.wav"
    sf.write(tones, dtmf_signal("2", 8000), 8000, subtype="PCM_16")
    assert SpeechInput(single_speaker_transcriber)(tones).value == "2"


def test_silent_recorded_reply_is_no_input(tmp_path):
    """A recording with no sound is the caller saying nothing (SilentAudioError), not a bad file."""
    import soundfile as sf

    from voiceqa.ivr.speech import SpeechInput

    p = tmp_path / "quiet.wav"
    sf.write(p, np.zeros(8000, dtype=np.float32), 8000)
    assert SpeechInput(transcriber=object())(p).kind == "silence"  # no model needed
    r = FlowRunner(flow_from(MENU), speech=SpeechInput(transcriber=object()))
    r.start()
    r.send(CallerInput("audio", str(p)))
    assert r.s.retries["no_input"] == 1
