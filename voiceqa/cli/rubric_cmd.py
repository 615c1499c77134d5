"""``voiceqa rubric``: check a rubric's items on sentences before it scores calls."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import VoiceQAError
from .common import fail

app = typer.Typer(name="rubric", help="Rubric tools: test items' precision and recall on sentences.", no_args_is_help=True)


@app.command("test")
def test(
    rubric: Path = typer.Argument(..., help="Rubric YAML (`default` for the shipped rubric)."),
    labelled: Optional[Path] = typer.Argument(None, help="Labelled sentences YAML (text, role, item or category, expect)."),
    min_precision: float = typer.Option(0.0, "--min-precision", min=0.0, max=1.0, help="Exit 1 when an item's precision is below this."),
    min_recall: float = typer.Option(0.0, "--min-recall", min=0.0, max=1.0, help="Exit 1 when an item's recall is below this."),
    no_examples: bool = typer.Option(False, "--no-examples", help="Skip the items' own examples (leave-one-out)."),
    show_misses: int = typer.Option(3, "--show-misses", min=0, help="Wrongly judged sentences to list per row."),
) -> None:
    """Precision/recall per item on the items' own examples/counter-examples (each example
    tested with itself removed) and on a labelled file; exit 1 below the thresholds."""
    from ..qa.rubric import load_rubric
    from ..qa.rubric_check import labelled_cases, own_cases, run_cases

    try:
        rules = load_rubric(None if str(rubric) == "default" else rubric)
        cases = [] if no_examples else own_cases(rules)
        if labelled is not None:
            cases += labelled_cases(labelled, rules)
        if not cases:
            typer.echo(f"{rules.label}: nothing to test (no semantic examples and no labelled file)")
            raise typer.Exit(0)
        stats = run_cases(rules, cases)
    except VoiceQAError as exc:
        raise fail(exc) from None
    table = Table(title=f"{rules.label}  encoder {rules.semantic.encoder}")
    for col in ("source", "item", "n", "precision", "recall", "tp", "fp", "fn"):
        table.add_column(col)
    below = []
    for st in sorted(stats, key=lambda s: (s.source != "examples", s.source, s.key)):
        bad = st.precision < min_precision or st.recall < min_recall
        if bad:
            below.append(st)
        mark = "[red]" if bad else ""
        table.add_row(st.source, st.key, str(st.n), f"{mark}{st.precision:.2f}", f"{mark}{st.recall:.2f}", str(st.tp), str(st.fp), str(st.fn))
    console = Console(width=120, soft_wrap=True)
    console.print(table)
    for st in stats:
        for miss in st.misses[:show_misses]:
            console.print(f"  {st.source} {st.key}: {miss}", markup=False)
    if below:
        names = ", ".join(f"{s.source}:{s.key} (P {s.precision:.2f}, R {s.recall:.2f})" for s in below)
        typer.echo(f"below --min-precision {min_precision:g} / --min-recall {min_recall:g}: {names}", err=True)
        raise typer.Exit(1)
