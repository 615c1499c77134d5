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

    # shares the loaded Whisper model (load_whisper is cached per process)
    return CallTranscriber(TranscribeOptions.from_settings(num_speakers=1), asr=transcriber.asr)


@pytest.fixture(scope="session")
def dev_transcripts(dev_calls, transcriber):
    """Every dev call transcribed once, stereo and mono: {(call_id, 'stereo'|'mono'): Transcript}."""
    out = {}
    for cid in dev_call_ids():
        out[(cid, "stereo")] = transcriber.transcribe(dev_calls / f"{cid}_stereo.wav")
        out[(cid, "mono")] = transcriber.transcribe(dev_calls / f"{cid}.wav")
    return out


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server (Debian's postgresql package), started for this test session
    in a temporary folder on a Unix socket, as the postgres user (initdb refuses root)."""
    import glob
    import shutil
    import socket
    import subprocess

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.fail("PostgreSQL server binaries missing: scripts/test.sh installs Debian's postgresql")
    bindir = Path(bins[-1]).parent
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="voiceqa-pg-"))  # not under pytest's 0700 folders: postgres must reach it
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(root, 0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
                    f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off", "start"], check=True, capture_output=True)
    try:
        subprocess.run(["psql", "-h", str(sock), "-p", str(port), "-U", "postgres", "-c", "create database voiceqa"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@/voiceqa?host={sock}&port={port}"
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
