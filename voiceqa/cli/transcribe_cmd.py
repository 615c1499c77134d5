"""``voiceqa transcribe``: one call recording in, who-said-what-when out."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import VoiceQAError
from ..schema import ROLE_LABELS, Transcript
from .common import (SeparationChoice, agent_channel_option, build_transcriber, clock, fail, model_option,
                     separation_option, stage_progress)

app = typer.Typer()


def format_transcript(tr: Transcript) -> str:
    lines = [f"# {tr.call_id}  {tr.duration:.2f} s  {tr.channels} ch  separation={tr.separation}"]
    for t in sorted(tr.turns, key=lambda t: t.start):
        lines.append(f"[{clock(t.start)}–{clock(t.end)}] {ROLE_LABELS[t.role]}: {t.text}")
    return "\n".join(lines)


@app.command()
def transcribe(
    call: Path = typer.Argument(..., help="Call recording: WAV (PCM/A-law/mu-law), MP3, FLAC, OGG/Opus; mono or stereo."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    words: bool = typer.Option(False, "--words", help="JSON with each turn's words: start, end, text, calibrated probability (implies --json)."),
    model: Optional[str] = model_option("Local CTranslate2 Whisper model folder (default: bundled whisper base)."),
    separation: SeparationChoice = separation_option("auto = stereo when the two channels differ, else diarize."),
    agent_channel: int = agent_channel_option("Stereo: the channel that carries the agent."),
    num_speakers: Optional[int] = typer.Option(None, "--num-speakers", min=1, help="Mono: exact number of speakers (default 2)."),
    min_speakers: Optional[int] = typer.Option(None, "--min-speakers", min=1, help="Mono: lower bound when the count is unknown."),
    max_speakers: Optional[int] = typer.Option(None, "--max-speakers", min=1, help="Mono: upper bound when the count is unknown."),
    beam_size: Optional[int] = typer.Option(None, "--beam-size", min=1, max=10, help="Whisper beam size (default 1 = greedy; 5 = a little more accurate, slower)."),
    max_duration: Optional[float] = typer.Option(None, "--max-duration", help="Reject recordings longer than this many seconds (default 4 h)."),
) -> None:
    """Transcribe a call: who said what, when, as agent or customer."""
    try:
        transcriber = build_transcriber(
            model=model, separation=separation.value, agent_channel=agent_channel, num_speakers=num_speakers,
            min_speakers=min_speakers, max_speakers=max_speakers, beam_size=beam_size, max_duration=max_duration,
        )
        with stage_progress() as progress:
            tr = transcriber.transcribe(call, progress=progress)
    except VoiceQAError as exc:
        raise fail(exc) from None
    if as_json or words:
        typer.echo(json.dumps(tr.to_dict(words=words), ensure_ascii=False))
    else:
        typer.echo(format_transcript(tr))
