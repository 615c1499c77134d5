"""Synthetic voiceqa transcripts (invented wording, nothing from ../shared) for storage and
batch tests that need many calls fast: ``voiceqa batch --transcripts`` scores them without ASR."""
from __future__ import annotations

import json
import random
from pathlib import Path

AGENT_OPEN = ["您好，很高兴为您服务，请问有什么可以帮您", "你好，这里是售后服务中心"]
AGENT_PLAIN = ["我帮您查一下订单的物流状态", "您的包裹预计明天下午送达", "这个问题我记录下来转给相关部门处理",
               "退款会在三个工作日内原路返回", "麻烦您提供一下下单时用的手机号码"]
AGENT_BAD = ["这个我不清楚", "我也没办法"]
CUSTOMER = ["我上周买的东西还没收到", "能不能帮我改一下收货地址", "好的谢谢", "那我再等等吧", "发票什么时候能开"]
AGENT_CLOSE = ["请问还有什么可以帮您", "稍后会有满意度评价短信，请您打分"]


def transcript(i: int, bad: int = 0, greeting: bool = True, seed: int = 0) -> dict:
    """One call: alternating turns of 3-5 s; ``bad`` forbidden phrases (each a flag of the
    ``forbidden`` item, capped by its max_deduction); ``greeting`` False drops the opening."""
    rng = random.Random(seed * 100_003 + i)
    lines: list[tuple[str, str]] = []
    if greeting:
        lines.append(("agent", rng.choice(AGENT_OPEN)))
    for k in range(3 + bad):
        lines.append(("customer", rng.choice(CUSTOMER)))
        lines.append(("agent", AGENT_BAD[k % 2] if k < bad else rng.choice(AGENT_PLAIN)))
    lines += [("agent", t) for t in AGENT_CLOSE]
    turns, t = [], 0.5
    speech: dict[str, list] = {"S0": [], "S1": []}
    for role, text in lines:
        dur = round(max(1.5, len(text) / 4.0), 2)
        spk = "S0" if role == "agent" else "S1"
        turns.append({"speaker": spk, "role": role, "start": round(t, 2), "end": round(t + dur, 2), "text": text, "confidence": 0.9})
        speech[spk].append([round(t, 2), round(t + dur, 2)])
        t += dur + 0.6
    return {"call_id": f"syn{i:04d}", "source": f"syn{i:04d}.wav", "duration": round(t + 0.5, 2), "channels": 2,
            "separation": "stereo", "turns": turns, "models": {"asr": "synthetic"}, "timings": {}, "speech": speech}


def write_day(folder: Path, n: int, corrupt: int = 0, bad_every: int = 3, seed: int = 0) -> tuple[list[Path], list[Path]]:
    """``n`` transcript files (every ``bad_every``-th with forbidden phrases), the last ``corrupt``
    of them broken in different ways. Returns (good files, corrupt files)."""
    folder.mkdir(parents=True, exist_ok=True)
    good, bad = [], []
    breakers = [lambda p: p.write_text("{not json", encoding="utf-8"),
                lambda p: p.write_bytes(b""),
                lambda p: p.write_text(json.dumps({"call_id": "x", "turns": []}), encoding="utf-8"),
                lambda p: p.write_bytes(b"\xff\xfe\x00garbage"),
                lambda p: p.write_text(json.dumps({"call_id": "x", "source": "x", "duration": 5, "channels": 1,
                                                   "separation": "single", "turns": [{"speaker": "S0"}]}), encoding="utf-8")]
    for i in range(n):
        p = folder / f"call_{i:04d}.json"
        if i >= n - corrupt:
            breakers[i % len(breakers)](p)
            bad.append(p)
        else:
            p.write_text(json.dumps(transcript(i, bad=(2 + i % 2) if i % bad_every == 0 else 0, greeting=i % 5 != 1, seed=seed),
                                    ensure_ascii=False), encoding="utf-8")
            good.append(p)
    return good, bad
