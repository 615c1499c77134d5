"""The ``voiceqa`` command line."""
from __future__ import annotations

import logging
import warnings

import typer

from . import batch_cmd, ivr_cmd, models_cmd, rubric_cmd, score_cmd, transcribe_cmd, web_cmd

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


transcribe_cmd.register(app)
score_cmd.register(app)
batch_cmd.register(app)
web_cmd.register(app)
app.add_typer(models_cmd.app, name="models")
app.add_typer(ivr_cmd.app, name="ivr")
app.add_typer(rubric_cmd.app, name="rubric")
