"""Filters for Whisper's known failure modes on telephone Mandarin.

- text over non-speech (handled upstream: only VAD speech reaches the model; here we also
  drop segments the model itself thinks are silence: high ``no_speech_prob`` + low logprob);
- repetition loops ("谢谢谢谢谢谢…", "13242525252526");
- subtitle credits learnt from video data ("字幕由Amara.org社群提供", "请不吝点赞订阅…");
- the initial prompt echoed back on silence.
"""
from __future__ import annotations

import re

from ..text.chinese import normalize_for_compare

SUBTITLE_PHRASES = (
    "字幕由amara.org社群提供", "amara.org", "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "请不吝点赞订阅", "点赞订阅转发打赏", "明镜与点点栏目", "感谢观看", "谢谢观看", "欢迎订阅",
    "订阅我的频道", "字幕志愿者", "中文字幕", "字幕制作", "本字幕由", "优优独播剧场",
    "youtube", "李宗盛",
)
_SUBTITLE_NORM = tuple(normalize_for_compare(p) for p in SUBTITLE_PHRASES)


def is_subtitle_credit(text: str) -> bool:
    norm = normalize_for_compare(text)
    return bool(norm) and any(p and p in norm for p in _SUBTITLE_NORM)


def is_prompt_echo(text: str, prompt: str | None) -> bool:
    if not prompt:
        return False
    norm, p = normalize_for_compare(text), normalize_for_compare(prompt)
    return bool(norm) and (norm in p or (p in norm and len(norm) <= len(p) + 2))


def collapse_repeats(text: str, max_repeats: int = 2, min_unit: int = 1, max_unit: int = 8) -> str:
    """Shorten any unit repeated more than ``max_repeats`` times in a row to ``max_repeats``.

    Digit runs are left alone for units of 1 (a phone number may hold 5555) but a repeated
    multi-digit unit (2525252525) is a loop.
    """
    for unit in range(max_unit, min_unit - 1, -1):
        limit = max_repeats + (2 if unit == 1 else 0)
        pattern = re.compile(r"(.{%d})\1{%d,}" % (unit, limit))
        text = pattern.sub(lambda m: m.group(1) * max_repeats, text)
    return text


def looks_like_loop(text: str) -> bool:
    return len(collapse_repeats(text)) < 0.6 * len(text) and len(text) > 12


def is_unreliable_segment(no_speech_prob: float, avg_logprob: float, compression_ratio: float) -> bool:
    """Whisper's own rule for silence, plus its gzip compression test for loops."""
    if no_speech_prob > 0.6 and avg_logprob < -1.0:
        return True
    return compression_ratio > 2.6
