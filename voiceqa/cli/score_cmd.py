"""``voiceqa score``: a call (or a stored transcript) scored against a rubric, with evidence."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import InputError, VoiceQAError
from .common import fail, stage_progress
from ..schema import ROLE_LABELS
from .transcribe_cmd import SeparationChoice, build_transcriber, clock

RESULT = {True: "[green]✔ 通过[/]", False: "[red]✘ 未通过[/]"}
LEVELS = {0: "无", 1: "一级（质检关注）", 2: "二级（主管当日复核）", 3: "三级（紧急）"}


def load_transcript_json(path: Path):
    from ..schema import Transcript

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Transcript.from_dict(data), data
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a transcript JSON ({exc})") from None
    except (KeyError, TypeError) as exc:
        raise InputError(path, f"not a voiceqa transcript (missing {exc})") from None


def render(card, console: Console) -> None:
    tr = card.transcript
    console.print(f"[bold]{tr.call_id}[/]  {tr.duration:.2f} s  评分标准 {card.rubric}")
    console.print(
        f"总分 [bold]{card.total:.1f}[/]  {RESULT[card.passed]}  预警 {LEVELS[card.warning_level]}  "
        f"客户情绪 {card.emotion['customer']}  坐席情绪 {card.emotion['agent']}  投诉风险 {card.emotion['complaint_risk']:.2f}"
        + (f"  待复核 {len(card.review)} 项" if card.review else "")
    )
    table = Table(show_lines=False)
    for col in ("项目", "结果", "扣分", "证据"):
        table.add_column(col)
    by_item: dict[str, list] = {}
    for f in card.flags:
        by_item.setdefault(f.item, []).append(f)
    for item in card.items:
        flags = by_item.get(item.id, [])
        evidence = "\n".join(
            f"[{clock(f.start)}] {ROLE_LABELS.get(f.role, '')} {card.evidence(f)}".strip()
            for f in flags[:3]
        )
        result = "待复核" if item.outcome == "review" else "✔" if item.passed else ("⚑" if item.points == 0 else "✘")
        if item.outcome == "review":
            evidence = item.note
        table.add_row(item.name, result, f"{-item.deducted:.0f}" if item.deducted else "", evidence)
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        call: Path = typer.Argument(..., help="Call recording, or a transcript JSON with --from-json."),
        rubric: Optional[Path] = typer.Option(None, "--rubric", help="Rubric YAML (default: the shipped default rubric)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object: the transcript plus flags, score, emotion, metrics."),
        from_json: bool = typer.Option(False, "--from-json", help="CALL is a transcript JSON: score it without touching audio."),
        no_redact: bool = typer.Option(False, "--no-redact", help="Keep phone/ID/card numbers in the output (masked by default)."),
        model: Optional[str] = typer.Option(None, "--model", help="Local CTranslate2 Whisper model folder."),
        separation: SeparationChoice = typer.Option(SeparationChoice.auto, "--separation"),
        agent_channel: int = typer.Option(0, "--agent-channel", min=0, max=1),
        num_speakers: Optional[int] = typer.Option(2, "--num-speakers", min=1),
    ) -> None:
        """Score a call against a QA rubric, with evidence behind every point taken off."""
        from ..audio import load_audio
        from ..qa.acoustics import turn_acoustics
        from ..qa.rubric import load_rubric
        from ..qa.scorer import acoustics_from_json, score_transcript, vectors_from_json

        try:
            rules = load_rubric(rubric)
            if from_json:
                transcript, data = load_transcript_json(call)
                acoustics = acoustics_from_json(data)
                vectors = vectors_from_json(data)  # clause embeddings of an earlier scorecard
            else:
                transcriber = build_transcriber(model=model, separation=separation.value, agent_channel=agent_channel,
                                                num_speakers=num_speakers)
                audio = load_audio(call, transcriber.options.max_duration)
                with stage_progress() as progress:
                    transcript = transcriber.transcribe_audio(audio, progress)
                acoustics = turn_acoustics(audio, transcript)
                vectors = None
            card = score_transcript(transcript, rules, acoustics, redact=not no_redact, vectors=vectors)
        except VoiceQAError as exc:
            raise fail(exc) from None
        if as_json:
            typer.echo(json.dumps(card.to_dict(), ensure_ascii=False))
        else:
            render(card, Console(soft_wrap=False, width=140))
