"""``voiceqa score``: a call (or a stored transcript) scored against a rubric, with evidence."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import VoiceQAError
from ..schema import ROLE_LABELS
from .common import (SeparationChoice, agent_channel_option, build_transcriber, clock, fail, model_option,
                     separation_option, stage_progress)

app = typer.Typer()

RESULT = {True: "[green]✔ 通过[/]", False: "[red]✘ 未通过[/]"}
LEVELS = {0: "无", 1: "一级（质检关注）", 2: "二级（主管当日复核）", 3: "三级（紧急）"}


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
            evidence = card.note(item)
        table.add_row(item.name, result, f"{-item.deducted:.0f}" if item.deducted else "", evidence)
    console.print(table)


@app.command()
def score(
    call: Path = typer.Argument(..., help="Call recording, or a transcript JSON with --from-json."),
    rubric: Optional[Path] = typer.Option(None, "--rubric", help="Rubric YAML (default: the shipped default rubric)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: the transcript plus flags, score, emotion, metrics."),
    from_json: bool = typer.Option(False, "--from-json", help="CALL is a transcript JSON: score it without touching audio."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep phone/ID/card numbers in the output (masked by default)."),
    model: Optional[str] = model_option(),
    separation: SeparationChoice = separation_option(),
    agent_channel: int = agent_channel_option(),
    num_speakers: Optional[int] = typer.Option(2, "--num-speakers", min=1),
) -> None:
    """Score a call against a QA rubric, with evidence behind every point taken off."""
    from ..audio import load_audio
    from ..qa.acoustics import turn_acoustics
    from ..qa.rubric import load_rubric
    from ..qa.scorer import ScoringInput, read_scoring_input

    try:
        rules = load_rubric(rubric)
        if from_json:  # with the clause embeddings of an earlier scorecard, if it is one
            given = read_scoring_input(call)
        else:
            transcriber = build_transcriber(model=model, separation=separation.value, agent_channel=agent_channel,
                                            num_speakers=num_speakers)
            audio = load_audio(call, transcriber.options.max_duration)
            with stage_progress() as progress:
                transcript = transcriber.transcribe_audio(audio, progress)
            given = ScoringInput(transcript, turn_acoustics(audio, transcript), None)
        card = given.score(rules, redact=not no_redact)
    except VoiceQAError as exc:
        raise fail(exc) from None
    if as_json:
        typer.echo(json.dumps(card.to_dict(), ensure_ascii=False))
    else:
        render(card, Console(soft_wrap=False, width=140))
