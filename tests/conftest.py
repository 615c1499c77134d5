"""Shared fixtures: paths to the shared test audio, and models loaded once per session."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VOICEQA_SHARED", REPO.parent / "shared"))
DEV_CALLS = SHARED / "dev_calls"
REAL_CLIPS = SHARED / "real_clips"
SAMPLES = REPO / "audio_samples"

warnings.filterwarnings("ignore", message=r"(?s).*torchcodec.*")


def dev_call_ids() -> list[str]:
    return sorted(p.stem for p in DEV_CALLS.glob("call_*.json"))


@pytest.fixture(scope="session")
def dev_calls() -> Path:
    if not DEV_CALLS.is_dir():
        pytest.skip(f"shared test audio not found at {DEV_CALLS} (set VOICEQA_SHARED)")
    return DEV_CALLS


@pytest.fixture(scope="session")
def transcriber():
    """The default speech core (whisper base + pyannote), models loaded once for the session."""
    from voiceqa.pipeline import CallTranscriber

    return CallTranscriber()


@pytest.fixture(scope="session")
def single_speaker_transcriber(transcriber):
    from voiceqa.pipeline import CallTranscriber, TranscribeOptions
    from voiceqa.separation import SeparationOptions

    # shares the loaded Whisper model (load_whisper is cached per process)
    return CallTranscriber(TranscribeOptions(sep=SeparationOptions(num_speakers=1)), asr=transcriber.asr)


@pytest.fixture(scope="session")
def dev_transcripts(dev_calls, transcriber):
    """Every dev call transcribed once, stereo and mono: {(call_id, 'stereo'|'mono'): Transcript}."""
    out = {}
    for cid in dev_call_ids():
        out[(cid, "stereo")] = transcriber.transcribe(dev_calls / f"{cid}_stereo.wav")
        out[(cid, "mono")] = transcriber.transcribe(dev_calls / f"{cid}.wav")
    return out
