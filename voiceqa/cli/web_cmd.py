"""``voiceqa serve``: the review web page."""
from __future__ import annotations

import typer

from ..errors import VoiceQAError
from .common import db_option, fail

app = typer.Typer()


@app.command()
def serve(
    db: str = db_option(),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    https_only: bool = typer.Option(False, "--https-only", help="Mark the session cookie Secure (behind HTTPS)."),
) -> None:
    """Serve the review web page (agents review and dispute flags, supervisors decide)."""
    import uvicorn

    from ..web.app import create_app

    try:
        web = create_app(db, https_only=https_only)
    except VoiceQAError as exc:
        raise fail(exc) from None
    uvicorn.run(web, host=host, port=port, log_level="info")
