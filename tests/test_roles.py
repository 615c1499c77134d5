"""Agent/customer attribution from content (mono) and channel maps (stereo)."""
from __future__ import annotations

from voiceqa.roles import content_roles, stereo_roles
from voiceqa.schema import Turn


def turn(spk, start, text):
    return Turn(spk, "unknown", start, start + 2, text, 0.9)


def test_agent_found_from_greeting_despite_asr_errors():
    turns = [
        turn("S1", 0.5, "你好，公号六三九四四，很高兴为您服务，请问有什么可以帮您"),  # 您好->你好, 工号->公号
        turn("S0", 3.0, "你好，我前几天买了一台空气净化器，物流一直没更新"),
        turn("S1", 6.0, "好的，我帮您查行一下"),
        turn("S0", 9.0, "好的谢谢"),
    ]
    d = content_roles(turns, ["S0", "S1"])
    assert d.roles == {"S1": "agent", "S0": "customer"}
    assert d.confidence >= 0.8
    assert any("工号" in e for e in d.evidence)


def test_agent_found_when_customer_speaks_first():
    turns = [
        turn("S0", 0.0, "喂，你好"),
        turn("S1", 1.0, "您好，很高兴为您服务，请问有什么可以帮您"),
        turn("S0", 4.0, "我想问一下我的订单怎么回事"),
        turn("S1", 8.0, "请问还有什么可以帮您，感谢您的来电"),
    ]
    assert content_roles(turns, ["S0", "S1"]).roles["S1"] == "agent"


def test_no_evidence_means_unknown():
    turns = [turn("S0", 0.0, "今天天气不错"), turn("S1", 2.0, "是啊我们去公园吧")]
    d = content_roles(turns, ["S0", "S1"])
    assert set(d.roles.values()) == {"unknown"}
    assert d.confidence == 0.0


def test_stereo_channel_map():
    assert stereo_roles(["S0", "S1"], 1).roles == {"S0": "customer", "S1": "agent"}
