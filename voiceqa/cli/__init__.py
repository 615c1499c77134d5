"""The ``voiceqa`` command line.

One module per command group (``*_cmd.py``), each with its own ``app = typer.Typer()`` whose
commands are declared at module level; a group module names its Typer (``Typer(name="ivr")``),
a module of top-level commands leaves it nameless, and every module is added here the same way,
``app.add_typer(module.app)`` (typer merges a nameless Typer's commands into this one). What
modules share lives in ``common.py``."""
from __future__ import annotations

import logging
import warnings

import typer

from . import batch_cmd, ivr_cmd, models_cmd, rubric_cmd, score_cmd, transcribe_cmd, users_cmd, web_cmd

app = typer.Typer(
    name="voiceqa",
    help="Mandarin call-centre speech analytics: call QA scoring and speech IVR testing, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # torchcodec (pulled in by pyannote) warns at import that it found no FFmpeg; voiceqa never
    # asks it to decode (audio reaches pyannote as an in-memory tensor).
    warnings.filterwarnings("ignore", message=r"(?s).*torchcodec.*")
    warnings.filterwarnings("ignore", module=r"pyannote\..*")
    warnings.filterwarnings("ignore", module=r"torchaudio\..*")


for _module in (transcribe_cmd, score_cmd, batch_cmd, web_cmd, users_cmd, models_cmd, ivr_cmd, rubric_cmd):
    app.add_typer(_module.app)
