"""The ASR interface: speech regions of one audio stream in, text per region out."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..schema import Region, Word


@dataclass(frozen=True)
class AsrOptions:
    model: str | None = None  # None = bundled whisper base; else a local CTranslate2 model dir
    device: str = "auto"  # cpu | cuda | auto
    compute_type: str = "default"  # default = int8 on CPU, float16 on GPU
    cpu_threads: int = 0  # 0 = all cores
    language: str = "zh"
    beam_size: int = 1
    batch_size: int = 8  # chunks decoded together (BatchedInferencePipeline)
    # Seconds of packed speech per Whisper window (max 30); a speaker's speech is spread evenly
    # over the windows (asr/packing.py). Real speech packed into 28 s windows lost more words
    # than into 20 s ones (real clips packed one after another: CER 0.31 vs 0.17), at no cost in
    # time once the encoder input is trimmed (below).
    chunk_length: float = 20.0
    # A speaker whose speech would fill its chunk_length windows less than min_encode_seconds
    # each (25 s: two of 12.5 s, both padded to 30 s) gets one window fewer, up to this long
    # (one of 25 s, encoded at 25 s). One voice per window, so a longer window does not cost
    # the words that a change of voice did in the packed real clips. Bench run 5 (4 dev calls,
    # same run): stereo 0.76 -> 0.61 of bare's time, CER 0.096 -> 0.086; mono 0.95 -> 0.65,
    # CER 0.114 -> 0.102; real clips and packed clips unchanged (26 s: 0.66 / 0.77). 0 = never.
    stretch_length: float = 28.0
    gap: float = 0.25  # silence inserted between packed regions
    # Token limit per decode, from the window's speech: Mandarin runs 3-5 characters/s (about
    # 1-1.5 tokens each), so a window that reaches tokens_per_second * speech + token_margin is
    # a repetition loop, and decoding stops there instead of at Whisper's 448 tokens.
    # 0 = no limit but Whisper's own. 15, not 10: a fast sales pitch (over 11 tokens per second
    # of VAD speech, rare characters taking two or three tokens) was cut before its last words
    # at 10 (the real outbound insurance call lost 祝您生活愉快再见 on one CPU).
    tokens_per_second: float = 15.0
    token_margin: int = 20
    # Whisper was trained on 30 s inputs, padded; CTranslate2 also encodes shorter ones. A batch
    # whose longest window holds at least this many seconds is encoded at that length (whole
    # seconds) instead of padded to 30 s: the encoder is half the stage's time. Shorter batches
    # keep the 30 s input: short real speech encoded short can lose much of its text (the 12.4 s
    # far-field meeting clip: CER 0.36 padded, 0.71 encoded at 12 s; every input cut to 10 s:
    # real clips 0.186 -> 0.245), while windows of 15-20 s held (packed real clips 0.167 -> 0.170,
    # dev calls unchanged). 30 = always the full 30 s.
    min_encode_seconds: float = 15.0
    # Speech that came back without words (a whole region, or its end after the last word heard)
    # for at least this many seconds is decoded again in a window of its own: Whisper now and then
    # ends a packed window early, at a change of voice or a long pause, or skips a short turn at
    # its end; what is still unheard after the words that brought back is tried again, up to
    # three rounds. 0 = never.
    retry_unheard_seconds: float = 1.0
    # A window whose batched (greedy) output is unsure, its segments' mean log-probability per
    # token below this, is decoded again alone with beam search and temperature fallback, and
    # that output is kept: on the 12.4 s far-field meeting clip greedy decoding heard 这个小伙伴
    # where beam search keeps 这个销售问题 (25 vs 14 character errors of 58 on one CPU), at the
    # same mean log-probability. Clear speech (synthetic calls, studio lines: -0.1 to -0.45) is
    # never decoded twice. None = never.
    retry_below_logprob: float | None = -0.5
    # Biases Whisper towards Simplified Mandarin; domain words in the prompt made keywords
    # "appear" and doubled CER in our measurements (shared/asr-notes.md), so none by default.
    initial_prompt: str | None = "以下是普通话的句子。"
    hotwords: str | None = None


@dataclass
class RegionText:
    """What the recogniser heard inside one input region."""

    region: Region
    text: str
    words: list[Word] = field(default_factory=list)
    confidence: float = 0.0


class ASRBackend(Protocol):
    name: str

    def transcribe_regions(self, sources: Mapping[str, np.ndarray], regions: list[Region]) -> list[RegionText]:
        """Recognise each region, cut from ``sources[region.speaker]`` (16 kHz mono float32);
        one result per region, in the same order, with times on the original timeline."""
        ...
