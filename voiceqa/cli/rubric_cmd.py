"""``voiceqa rubric``: check a rubric's items on sentences before it scores calls."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import VoiceQAError
from .common import db_option, fail, parse_date

app = typer.Typer(name="rubric", help="Rubric tools: test items' precision and recall on sentences; calibrate thresholds from dispute verdicts.", no_args_is_help=True)


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


@app.command("calibrate")
def calibrate(
    rubric: Path = typer.Argument(..., help="Rubric YAML the calls were scored with (`default` for the shipped rubric); "
                                             "calls scored with any version of the same rubric name count."),
    db: str = db_option(),
    since: Optional[str] = typer.Option(None, "--since", help="Only disputes decided on or after this date (YYYY-MM-DD)."),
    min_verdicts: int = typer.Option(5, "--min-verdicts", min=1, help="Items with fewer decided disputes get no proposal."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write a copy of the rubric with the proposed values here "
                                                           "(only those numbers change; comments and order are kept). "
                                                           "The input rubric is never edited."),
) -> None:
    """Propose thresholds from dispute verdicts: accepted disputes are false flags, rejected
    ones true flags. Per item: verdicts, precision on the disputed flags now, and for rules with
    a number (semantic min_similarity / classifier min_probability, similarity threshold) the
    value that drops the most false flags while keeping every true one, with its cost on the
    item's undisputed flags. Disputed calls are scored again from the stored transcripts and
    clause vectors (no audio)."""
    from ..qa.calibrate import calibrate as run
    from ..qa.calibrate import write_calibrated
    from ..qa.rubric import load_rubric

    try:
        rules = load_rubric(None if str(rubric) == "default" else rubric)
        report = run(db, rules, parse_date(since), min_verdicts)
        for line in report_lines(report):
            typer.echo(line)
        if out is not None:
            write_calibrated(str(rubric), rules, report, out)
            n = len(report.proposed())
            typer.echo(f"wrote {out} ({n} proposed value{'s' if n != 1 else ''}); check it with: voiceqa rubric test {out}")
    except VoiceQAError as exc:
        raise fail(exc) from None


def _p(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def report_lines(report) -> list[str]:
    """The calibration report as text, one block per item."""
    lines = [f"{report.rubric}: {report.accepted + report.rejected} decided disputes ({report.accepted} accepted = false flags, "
             f"{report.rejected} rejected = true flags) on {report.disputed_calls} calls; {report.calls} calls scored with "
             f"{report.rubric.partition('@')[0]}" + (f"; encoder {report.encoder}" if report.encoder else "")]
    if report.other_items:
        lines.append(f"({report.other_items} disputes are about items this rubric no longer has: not counted)")
    for it in report.items:
        head = (f"{it.item} ({it.name}): verdicts {it.verdicts} ({it.accepted} accepted, {it.rejected} rejected); "
                f"precision on disputed flags now {_p(it.precision_now)} ({it.raised_now} of {it.verdicts} still raised)")
        lines.append(head)
        if it.status == "too_few":
            lines.append(f"    too few verdicts ({it.verdicts} < {report.min_verdicts}): no proposal")
            continue
        if it.status == "no_threshold":
            lines.append("    no threshold: edit phrases" + (" (accepted disputes quote: " + " | ".join(it.quotes) + ")" if it.quotes else ""))
            continue
        for p in it.proposals:
            t = p.tunable
            if p.value is None:
                lines.append(f"    {t.label} {t.current:g}: no proposal, {p.reason}")
                continue
            lines.append(f"    {t.label}: {t.current:g} -> {p.value:g}: drops {p.false_dropped} of {p.false_raised} false flags, "
                         f"keeps {p.true_kept} of {p.true_raised} true flags; precision on disputed flags {_p(it.precision_now)} -> {_p(p.precision_after)}; "
                         f"undisputed flags dropped {p.undisputed_dropped} of {p.undisputed}"
                         + (f", new flags {p.undisputed_added}" if p.undisputed_added else ""))
    return lines
