"""The speech core: one call recording in, who-said-what-when out.

decode -> separate speakers (stereo channels or diarization) -> VAD speech regions ->
turns -> ASR per speaker over its speech only -> roles -> :class:`Transcript`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .asr import ASRBackend, AsrOptions, WhisperBackend
from .audio import Audio, load_audio
from .audio.decode import DEFAULT_MAX_DURATION
from .errors import AudioError
from .roles import RoleOptions, content_roles, stereo_roles
from .schema import Region, Transcript, Turn
from .separation import SeparationOptions, Separator, get_separator
from .turns import build_turns

log = logging.getLogger(__name__)


@dataclass
class TranscribeOptions:
    separation: str = "auto"  # auto | stereo | diarize
    max_duration: float = DEFAULT_MAX_DURATION
    turn_gap: float = 1.2  # same-speaker pause that still continues a turn
    asr: AsrOptions = field(default_factory=AsrOptions)
    sep: SeparationOptions = field(default_factory=SeparationOptions)
    roles: RoleOptions = field(default_factory=RoleOptions)


class CallTranscriber:
    """Holds the loaded models; call :meth:`transcribe` once per recording."""

    def __init__(self, options: TranscribeOptions | None = None, asr: ASRBackend | None = None):
        self.options = options or TranscribeOptions()
        self._asr = asr
        self._separators: dict[str, Separator] = {}

    @property
    def asr(self) -> ASRBackend:
        if self._asr is None:
            self._asr = WhisperBackend(self.options.asr)
        return self._asr

    def separator(self, method: str) -> Separator:
        if method not in self._separators:
            self._separators[method] = get_separator(method, self.options.sep)
        return self._separators[method]

    def _method(self, audio: Audio) -> str:
        wanted = self.options.separation
        if wanted == "auto":
            return "stereo" if audio.channels == 2 else "diarize"
        if wanted == "stereo" and audio.channels != 2:
            raise AudioError(audio.path, "--separation stereo needs a stereo file whose channels differ")
        if wanted not in ("stereo", "diarize"):
            raise ValueError(f"unknown separation {wanted!r}")
        return wanted

    def transcribe(self, path: str | Path) -> Transcript:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        audio = load_audio(path, self.options.max_duration)
        timings["decode"] = time.perf_counter() - t0
        return self.transcribe_audio(audio, timings, t0)

    def transcribe_audio(self, audio: Audio, timings: dict[str, float] | None = None, t0: float | None = None) -> Transcript:
        timings = timings if timings is not None else {"decode": 0.0}
        t0 = t0 if t0 is not None else time.perf_counter()
        method = self._method(audio)
        if method == "diarize" and audio.channels == 2:
            audio = Audio(audio.path, audio.samples.mean(axis=0, keepdims=True), audio.rate, audio.source_rate, audio.source_channels)

        t = time.perf_counter()
        separator = self.separator(method)
        sep = separator.separate(audio)
        elapsed = time.perf_counter() - t
        timings["vad"], timings["diarize"] = (elapsed, 0.0) if method == "stereo" else (0.0, elapsed)
        if not any(sep.speech.values()):
            raise AudioError(audio.path, "no speech found")

        t = time.perf_counter()
        turn_regions = build_turns(sep.speech, self.options.turn_gap)
        turns = self._recognise(sep.streams, sep.speech, turn_regions)
        timings["asr"] = time.perf_counter() - t

        speakers = sorted(sep.streams)
        if sep.method == "stereo":
            decision = stereo_roles(speakers, self.options.roles.agent_channel)
        else:
            decision = content_roles(turns, speakers)
        for turn in turns:
            turn.role = decision.roles.get(turn.speaker, "unknown")
        timings["total"] = time.perf_counter() - t0
        return Transcript(
            call_id=audio.path.stem,
            source=str(audio.path),
            duration=audio.duration,
            channels=audio.source_channels,
            separation=sep.method,
            turns=turns,
            models={"asr": self.asr.name, "diarization": sep.model},
            timings=timings,
            speech=sep.speech,
            roles=decision,
        )

    def _recognise(
        self, streams: dict[str, np.ndarray], speech: dict[str, list[Region]], turn_regions: list[list[Region]]
    ) -> list[Turn]:
        """ASR over each speaker's speech regions, then text grouped by turn."""
        text_of: dict[Region, tuple[str, float, list]] = {}
        for spk, regions in speech.items():
            if not regions:
                continue
            for rt in self.asr.transcribe_regions(streams[spk], regions):
                text_of[rt.region] = (rt.text, rt.confidence, rt.words)
        turns: list[Turn] = []
        for regs in turn_regions:
            parts = [text_of.get(r, ("", 0.0, [])) for r in regs]
            words = [w for _, _, ws in parts for w in ws]
            text = _join_texts([p[0] for p in parts])
            if not text:
                continue  # speech-like noise that the recogniser found no words in
            conf = float(np.mean([w.probability for w in words])) if words else 0.0
            turns.append(Turn(regs[0].speaker, "unknown", regs[0].start, regs[-1].end, text, conf, words))
        return turns


def _join_texts(texts: list[str]) -> str:
    out = ""
    for t in (x.strip() for x in texts):
        if not t:
            continue
        if out and out[-1] not in "，。？！,.?!、；;：:":
            out += "，"
        out += t
    return out
