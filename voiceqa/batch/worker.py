"""The per-call work, run in worker processes that each load the models once."""
from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import VoiceQAError


@dataclass(frozen=True)
class WorkerConfig:
    rubric_path: str | None = None
    model: str | None = None
    separation: str = "auto"
    agent_channel: int = 0
    threads: int = 1  # per worker: CTranslate2 and torch threads (0 = all cores)
    max_duration: float | None = None
    transcripts: bool = False  # inputs are voiceqa transcript JSON files: score them, no audio, no ASR


@dataclass
class CallOutcome:
    path: str
    ok: bool
    seconds: float
    transcript: dict[str, Any] | None = None  # unredacted speech-core object (+ acoustics)
    card: dict[str, Any] | None = None  # redacted scorecard (what users see)
    error: str = ""
    audio_seconds: float = 0.0


_state: dict[str, Any] = {}


def init_worker(cfg: WorkerConfig) -> None:
    """Load models once per process (ProcessPoolExecutor initializer / Dask worker setup)."""
    if cfg.threads > 0:
        os.environ.setdefault("OMP_NUM_THREADS", str(cfg.threads))
    from ..qa.rubric import load_rubric

    _state["rubric"] = load_rubric(cfg.rubric_path)
    _state["cfg"] = cfg
    if cfg.transcripts:
        return
    from ..pipeline import CallTranscriber, TranscribeOptions

    options = TranscribeOptions.from_settings(
        model=cfg.model, separation=cfg.separation, agent_channel=cfg.agent_channel,
        threads=cfg.threads, max_duration=cfg.max_duration,
    )
    _state["transcriber"] = CallTranscriber(options)


def model_label(cfg: WorkerConfig) -> str:
    if cfg.transcripts:
        return "transcript"
    return f"asr={cfg.model or 'whisper-base'};sep={cfg.separation};agent_ch={cfg.agent_channel}"


def _score_transcript_file(path: str) -> tuple[dict[str, Any], dict[str, Any], float]:
    """A stored voiceqa transcript (``voiceqa transcribe --json``) scored without audio."""
    from ..qa.scorer import read_scoring_input

    given = read_scoring_input(path)
    raw, card = given.score(_state["rubric"]).stored_and_shown()
    return raw, card, given.transcript.duration


def process_call(path: str) -> CallOutcome:
    """Transcribe and score one file; never raises (errors come back as one line)."""
    from ..audio import load_audio
    from ..qa.acoustics import turn_acoustics
    from ..qa.scorer import score_transcript

    t0 = time.perf_counter()
    try:
        if _state["cfg"].transcripts:
            raw, card, seconds = _score_transcript_file(path)
            return CallOutcome(path, True, time.perf_counter() - t0, raw, card, audio_seconds=seconds)
        transcriber = _state["transcriber"]
        audio = load_audio(path, transcriber.options.max_duration)
        transcript = transcriber.transcribe_audio(audio)
        acoustics = turn_acoustics(audio, transcript)
        raw, card = score_transcript(transcript, _state["rubric"], acoustics).stored_and_shown()
        return CallOutcome(path, True, time.perf_counter() - t0, raw, card, audio_seconds=audio.duration)
    except VoiceQAError as exc:
        return CallOutcome(path, False, time.perf_counter() - t0, error=str(exc))
    except Exception as exc:  # a bug or an unexpected library error: keep the batch going
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return CallOutcome(path, False, time.perf_counter() - t0,
                           error=f"{path}: internal error {type(exc).__name__}: {exc} (at {Path(last.filename).name}:{last.lineno})")
