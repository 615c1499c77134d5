"""Helpers shared by CLI commands: error reporting and progress on stderr."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

import typer
from rich.console import Console

from ..errors import VoiceQAError
from ..masking import mask_secrets

stderr = Console(stderr=True)


def fail(exc: VoiceQAError) -> "typer.Exit":
    """Print ``exc`` as one line on stderr and return the Exit to raise."""
    typer.echo(f"error: {mask_secrets(str(exc))}", err=True)
    return typer.Exit(code=exc.exit_code)


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
