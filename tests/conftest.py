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
        missing = f"shared test audio not found at {DEV_CALLS} (set VOICEQA_SHARED)"
        if os.environ.get("CI"):  # CI always has shared/ beside the clone: a skip there would hide a gap
            pytest.fail(missing)
        pytest.skip(missing)
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


class PostgresServer:
    """A throw-away PostgreSQL server for the test session (see ``postgres_server``)."""

    def __init__(self, bindir: Path, data: Path, sock: Path, port: int, log: Path, as_postgres: list[str]):
        self.bindir, self.data, self.sock, self.port, self.log, self.as_postgres = bindir, data, sock, port, log, as_postgres

    def url(self, db: str = "voiceqa") -> str:
        return f"postgresql+psycopg://postgres@/{db}?host={self.sock}&port={self.port}"

    def psql(self, sql: str) -> None:
        import subprocess

        subprocess.run(["psql", "-h", str(self.sock), "-p", str(self.port), "-U", "postgres", "-c", sql], check=True, capture_output=True)

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import uuid

        name = "t_" + uuid.uuid4().hex[:12]
        self.psql(f"create database {name}")
        return self.url(name)

    def pg_ctl(self, *args: str) -> None:
        import subprocess

        subprocess.run([*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args], check=True, capture_output=True)

    def start(self) -> None:
        self.pg_ctl("-l", str(self.log), "-w", "-o", f"-p {self.port} -k {self.sock} -c listen_addresses='' -c fsync=off", "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server (Debian's postgresql package), started for this test session
    in a temporary folder on a Unix socket, as the postgres user (initdb refuses root)."""
    import glob
    import shutil
    import socket
    import subprocess
    import tempfile

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.fail("PostgreSQL server binaries missing: scripts/test.sh installs Debian's postgresql")
    bindir = Path(bins[-1]).parent
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
    server = PostgresServer(bindir, data, sock, port, root / "log", as_postgres)
    server.start()
    try:
        server.psql("create database voiceqa")
        yield server
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server):
    return postgres_server.url()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh empty database of each kind: storage and web tests run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'qa.db'}"
    return request.getfixturevalue("postgres_server").create_database()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say loudly which suites were skipped and why: a run without ../shared/ checks far less."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for rep in skipped:
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    terminalreporter.section("NOT CHECKED in this run", sep="!", bold=True, yellow=True)
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        terminalreporter.line(f"{n:4d} skipped: {reason}", yellow=True)
