"""What every CLI command module shares: option builders, error reporting, progress on
stderr, the transcriber built from options, date parsing and time formatting.

Each ``*_cmd.py`` module imports from here only, never from another command module."""
from __future__ import annotations

import datetime as dt
import sys
from contextlib import contextmanager
from enum import Enum
from typing import Any, Iterator, Optional

import typer
from rich.console import Console

from ..errors import VoiceQAError
from ..masking import mask_secrets
from ..store.db import DEFAULT_URL

stderr = Console(stderr=True)

DB_HELP = "Database URL: sqlite:///voiceqa.db (default) or postgresql+psycopg://user:pass@host/db"
MODEL_HELP = "Local CTranslate2 Whisper model folder."


class SeparationChoice(str, Enum):
    auto = "auto"
    stereo = "stereo"
    diarize = "diarize"


# ---- option builders (one definition of each option several commands take) -------------------

def db_option() -> Any:
    return typer.Option(DEFAULT_URL, "--db", help=DB_HELP)


def model_option(help: str = MODEL_HELP) -> Any:
    return typer.Option(None, "--model", help=help)


def separation_option(help: Optional[str] = None) -> Any:
    return typer.Option(SeparationChoice.auto, "--separation", help=help)


def agent_channel_option(help: Optional[str] = None) -> Any:
    return typer.Option(0, "--agent-channel", min=0, max=1, help=help)


# ---- errors -----------------------------------------------------------------------------------

def fail(exc: VoiceQAError) -> "typer.Exit":
    """Print ``exc`` as one line on stderr and return the Exit to raise."""
    typer.echo(f"error: {mask_secrets(str(exc))}", err=True)
    return typer.Exit(code=exc.exit_code)


def parse_date(value: Optional[str]) -> Optional[dt.date]:
    """A YYYY-MM-DD option value (None when not given); a bad one is a usage error (exit 2)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


# ---- the speech core ------------------------------------------------------------------------

def build_transcriber(**settings):
    """A :class:`CallTranscriber` from keyword settings (see ``TranscribeOptions.from_settings``)."""
    from ..pipeline import CallTranscriber, TranscribeOptions

    return CallTranscriber(TranscribeOptions.from_settings(**settings))


def clock(t: float) -> str:
    """Seconds as MM:SS.ss."""
    m, s = divmod(t, 60)
    return f"{int(m):02d}:{s:05.2f}"


# ---- progress on stderr (rich) --------------------------------------------------------------

@contextmanager
def stage_progress(enabled: bool | None = None) -> Iterator:
    """A progress display on stderr (only when stderr is a terminal) fed by pipeline callbacks."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    enabled = sys.stderr.isatty() if enabled is None else enabled
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=stderr, transient=True) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: float, total: float) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report


class CountProgress:
    """A counted task (files of a batch): a rich bar with a status text on stderr when stderr is
    a terminal; ``note`` prints a line on stderr above the bar (or plainly without one)."""

    def __init__(self, progress, task) -> None:
        self._progress, self._task = progress, task

    def update(self, done: int, status: str = "") -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, status=status)

    def note(self, line: str) -> None:
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            typer.echo(line, err=True)


@contextmanager
def count_progress(total: int, description: str, unit: str, enabled: bool | None = None) -> Iterator[CountProgress]:
    """A :class:`CountProgress` of ``total`` items (``unit`` names them), shown while the block runs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    enabled = sys.stderr.isatty() if enabled is None else enabled
    if not enabled:
        yield CountProgress(None, None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
               TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[status]}"))
    with Progress(*columns, console=stderr) as progress:
        yield CountProgress(progress, progress.add_task(description, total=total, status=""))
