"""The speech core: one call recording in, who-said-what-when out.

decode -> separate speakers (stereo channels or diarization) -> VAD speech regions ->
turns -> ASR per speaker over its speech only -> roles -> :class:`Transcript`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from .asr import ASRBackend, AsrOptions, WhisperBackend
from .asr.confidence import turn_confidence
from .audio import Audio, load_audio
from .audio.decode import DEFAULT_MAX_DURATION
from .errors import AudioError
from .roles import RoleOptions, content_roles, stereo_roles
from .schema import Region, RoleDecision, Transcript, Turn
from .separation import SeparationOptions, Separator, get_separator
from .turns import build_turns, tighten

log = logging.getLogger(__name__)
Progress = Callable[[str, float, float], None]


@dataclass(frozen=True)
class TranscribeOptions:
    """Everything the speech core can be told, frozen and passed down to each stage.

    Build it with :meth:`from_settings` (what the CLI, batch workers and the IVR pass) rather
    than assembling the nested stage options by hand."""

    separation: str = "auto"  # auto | stereo | diarize | single
    max_duration: float = DEFAULT_MAX_DURATION
    turn_gap: float = 1.2  # same-speaker pause that still continues a turn
    asr: AsrOptions = field(default_factory=AsrOptions)
    sep: SeparationOptions = field(default_factory=SeparationOptions)
    roles: RoleOptions = field(default_factory=RoleOptions)

    @classmethod
    def from_settings(
        cls,
        *,
        model: str | None = None,
        separation: str = "auto",
        agent_channel: int = 0,
        num_speakers: int | None = 2,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
        beam_size: int | None = None,
        max_duration: float | None = None,
        threads: int = 0,
        segmentation: bool = False,
    ) -> "TranscribeOptions":
        """The one place user-facing settings become stage options. ``None`` keeps a stage's
        default; ``threads`` (0 = all cores) goes to both CTranslate2 and torch; ``segmentation``
        runs pyannote's segmentation model on mono calls even when the speaker count is known."""
        asr = AsrOptions(model=model, cpu_threads=threads)
        if beam_size is not None:
            asr = replace(asr, beam_size=beam_size)
        if num_speakers is None and not (min_speakers or max_speakers):
            num_speakers = 2
        return cls(
            separation=separation,
            max_duration=max_duration or DEFAULT_MAX_DURATION,
            asr=asr,
            sep=SeparationOptions(num_speakers=num_speakers, min_speakers=min_speakers,
                                  max_speakers=max_speakers, threads=threads, segmentation=segmentation),
            roles=RoleOptions(agent_channel=agent_channel),
        )


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
            if audio.channels == 2:
                return "stereo"
            return "single" if self.options.sep.num_speakers == 1 else "diarize"
        if wanted == "stereo" and audio.channels != 2:
            raise AudioError(audio.path, "--separation stereo needs a stereo file whose channels differ")
        if wanted == "diarize" and self.options.sep.num_speakers == 1:
            return "single"
        if wanted not in ("stereo", "diarize", "single"):
            raise ValueError(f"unknown separation {wanted!r}")
        return wanted

    def transcribe(self, path: str | Path, progress: Progress | None = None) -> Transcript:
        """Transcribe one recording; ``progress(stage, done, total)`` is told how far it got."""
        report = progress or (lambda stage, done, total: None)
        t0 = time.perf_counter()
        report("decode", 0, 1)
        audio = load_audio(path, self.options.max_duration)
        report("decode", 1, 1)
        timings = {"decode": time.perf_counter() - t0}
        return self.transcribe_audio(audio, progress, timings, t0)

    def transcribe_audio(
        self, audio: Audio, progress: Progress | None = None, timings: dict[str, float] | None = None,
        t0: float | None = None,
    ) -> Transcript:
        """Transcribe already-decoded audio (callers that also need the samples decode once)."""
        report = progress or (lambda stage, done, total: None)
        timings = timings if timings is not None else {"decode": 0.0}
        t0 = t0 if t0 is not None else time.perf_counter()
        method = self._method(audio)
        if method in ("diarize", "single") and audio.channels == 2:
            audio = replace(audio, samples=audio.samples.mean(axis=0, keepdims=True))

        t = time.perf_counter()
        report("diarize" if method == "diarize" else "vad", 0, 1)
        sep = self.separator(method).separate(audio)
        report("diarize" if method == "diarize" else "vad", 1, 1)
        elapsed = time.perf_counter() - t
        timings["vad"], timings["diarize"] = (0.0, elapsed) if method == "diarize" else (elapsed, 0.0)
        if not any(sep.speech.values()):
            raise AudioError(audio.path, "no speech found")

        t = time.perf_counter()
        asr_speech = sep.asr_speech if sep.asr_speech is not None else sep.speech
        turn_regions = build_turns(asr_speech, self.options.turn_gap)
        turns = self._recognise(sep.streams, asr_speech, turn_regions, sep.speech, report)
        timings["asr"] = time.perf_counter() - t

        speakers = sorted(sep.streams)
        if sep.method == "stereo":
            decision = stereo_roles(speakers, self.options.roles.agent_channel)
            by_content = content_roles(turns, speakers)
            mapped_agent = next(s for s, r in decision.roles.items() if r == "agent")
            if by_content.confidence >= 0.8 and by_content.roles.get(mapped_agent) == "customer":
                other = next(s for s, r in by_content.roles.items() if r == "agent")
                warning = (f"what is said suggests channel {speakers.index(other)} is the agent, not channel "
                           f"{self.options.roles.agent_channel}: check --agent-channel")
                log.warning("%s: %s", audio.path, warning)
                decision.evidence.append(warning)
        elif sep.method == "single":
            decision = RoleDecision(roles={s: "unknown" for s in speakers}, confidence=0.0, evidence=["single speaker"])
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
        self, streams: dict[str, np.ndarray], speech: dict[str, list[Region]], turn_regions: list[list[Region]],
        tight: dict[str, list[Region]], report: Progress,
    ) -> list[Turn]:
        """ASR over all speakers' (padded) speech regions in time order, then text grouped by
        turn; turn times come from the tight speech regions inside them."""
        regions = sorted((r for regs in speech.values() for r in regs), key=lambda r: (r.start, r.speaker))
        report("asr", 0, 1)
        text_of = {rt.region: rt for rt in self.asr.transcribe_regions(streams, regions)}
        report("asr", 1, 1)
        turns: list[Turn] = []
        for regs in turn_regions:
            parts = [text_of[r] for r in regs if r in text_of]
            words = [w for p in parts for w in p.words]
            text = _join_texts([p.text for p in parts])
            if not text:
                continue  # speech-like noise that the recogniser found no words in
            spk = regs[0].speaker
            start, end = tighten(regs[0].start, regs[-1].end, tight.get(spk, []))
            turns.append(Turn(spk, "unknown", start, end, text, turn_confidence(words), words))
        return turns


def _join_texts(texts: list[str]) -> str:
    """Join the texts of one turn's regions; Whisper punctuates, so add nothing between them."""
    return "".join(t.strip() for t in texts if t.strip())
