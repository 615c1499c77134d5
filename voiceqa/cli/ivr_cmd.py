"""``voiceqa ivr``: run, test, lint, graph and simulate IVR flows."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
import yaml
from rich.console import Console
from rich.table import Table

from ..errors import VoiceQAError
from .common import build_transcriber, fail

app = typer.Typer(name="ivr", help="Speech IVR flows: run a flow as a caller, test scenarios, coverage, lint, graphs, simulation.", no_args_is_help=True)


class Profile(str, Enum):
    normal = "normal"
    elderly = "elderly"
    vip = "vip"


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"


def _flow(path: Path):
    from ..ivr.loader import load_flow

    return load_flow(path)


def _speech():
    from ..ivr.speech import SpeechInput

    return SpeechInput()


@app.command("run")
def run(
    flow: Path = typer.Argument(..., help="Flow file, e.g. ivr_flows/credit_card.yaml"),
    profile: Profile = typer.Option(Profile.normal, "--profile", help="Caller profile."),
    audio_dir: Optional[Path] = typer.Option(None, "--audio-dir", help="Folder of recorded replies: type @file.wav to send one."),
) -> None:
    """Be the caller: see each prompt, type keys (digits, * or #), words, an empty line for silence, or @file.wav."""
    from ..ivr.runner import CallerInput, FlowRunner

    try:
        f = _flow(flow)
    except VoiceQAError as exc:
        raise fail(exc) from None
    prof = {profile.value: True} if profile != Profile.normal else {}
    runner = FlowRunner(f, prof, flows_dir=flow.parent, speech=_speech())
    for e in runner.start():
        _show(e)
    while not runner.ended:
        try:
            line = input(f"[{runner.qualified}] > ")
        except EOFError:
            typer.echo("(caller hung up)")
            raise typer.Exit(0)
        line = line.strip()
        if not line:
            inp = CallerInput("silence")
        elif line.startswith("@"):
            inp = CallerInput("audio", str((audio_dir or Path(".")) / line[1:]))
        elif all(c in "0123456789*#" for c in line):
            inp = CallerInput("dtmf", line)
        else:
            inp = CallerInput("say", line)
        try:
            events = runner.send(inp)
        except VoiceQAError as exc:
            typer.echo(f"error: {exc}", err=True)
            continue
        for e in events:
            _show(e)
    out = runner.s.outcome
    typer.echo(f"== {out.type}" + (f" → {out.queue} ({out.reason})" if out.type == "transfer" else "") + f"  [{runner.s.clock:.1f} s]")


def _show(e) -> None:
    if e.kind == "prompt":
        typer.echo(f"[{e.t:6.1f}s] IVR: {e.text}")
    elif e.kind in ("no_input", "no_match", "invalid"):
        typer.echo(f"[{e.t:6.1f}s] ({e.kind})")
    elif e.kind == "transition":
        typer.echo(f"[{e.t:6.1f}s]   → {e.target}  ({e.label})")
    elif e.kind == "transfer":
        typer.echo(f"[{e.t:6.1f}s] 转接 {e.target}")
    elif e.kind == "understood":
        typer.echo(f"[{e.t:6.1f}s]   (understood: {e.text})")
    elif e.kind == "error":
        typer.echo(f"[{e.t:6.1f}s] error: {e.text}")


@app.command("test")
def test(
    flow: Path = typer.Argument(..., help="Flow file."),
    scenarios: Optional[Path] = typer.Argument(None, help="Scenario file (default: FLOW's NAME.scenarios.yaml beside it)."),
    junit: Optional[Path] = typer.Option(None, "--junit", help="Write JUnit XML here."),
    show_missed: bool = typer.Option(True, "--missed/--no-missed", help="List what no scenario reached."),
) -> None:
    """Run scripted scenarios; exit 1 when any fails. Prints results and node/edge/option coverage."""
    from ..ivr.scenarios import junit_xml, load_scenarios, run_file

    scenarios = scenarios or flow.with_name(flow.name.removesuffix(".yaml") + ".scenarios.yaml")
    try:
        f = _flow(flow)
        sc = load_scenarios(scenarios)
        results, cov = run_file(f, sc, scenarios.parent, flow.parent, speech=_speech())
    except VoiceQAError as exc:
        raise fail(exc) from None
    console = Console(width=160)
    table = Table(title=f"{f.name}: {len(results)} scenarios")
    for col in ("", "scenario", "outcome", "inputs", "message"):
        table.add_column(col)
    for r in results:
        table.add_row("[green]PASS[/]" if r.passed else "[red]FAIL[/]", r.name, r.outcome, str(r.steps), "" if r.passed else r.message)
    console.print(table)
    failed = sum(not r.passed for r in results)
    typer.echo(f"{len(results) - failed} passed, {failed} failed")
    typer.echo(f"coverage: {cov.summary()}")
    if show_missed:
        for kind, items in cov.missed().items():
            for it in items:
                typer.echo(f"  not covered {kind[:-1]}: {it}")
    if junit:
        junit.write_text(junit_xml(f.name, results), encoding="utf-8")
    raise typer.Exit(1 if failed else 0)


@app.command("paths")
def paths(
    flow: Path = typer.Argument(...),
    generate: bool = typer.Option(False, "--generate", help="Write one scenario per path."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write scenarios (default: stdout)."),
    max_paths: int = typer.Option(1000, "--max-paths"),
    max_visits: int = typer.Option(1, "--max-visits", help="Times a node may repeat on one path (bounds loops)."),
) -> None:
    """List the flow's distinct paths; with --generate, write them as a scenario file."""
    from ..ivr.paths import enumerate_paths, scenarios_for

    try:
        f = _flow(flow)
        found = enumerate_paths(f, max_paths, max_visits, flows_dir=flow.parent)
    except VoiceQAError as exc:
        raise fail(exc) from None
    if not generate:
        for i, p in enumerate(found, 1):
            end = p.end.get("queue") or p.end.get("outcome") or ("loop → " + p.end["loop_to"] if "loop_to" in p.end else "")
            typer.echo(f"{i:4d}. {' > '.join(p.labels) or f.start}  ⇒ {end}")
        typer.echo(f"{len(found)} paths")
        return
    text = yaml.safe_dump(scenarios_for(f, found), allow_unicode=True, sort_keys=False, width=200)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(found)} scenarios to {out}", err=True)
    else:
        sys.stdout.write(text)


@app.command("lint")
def lint(flow: Path = typer.Argument(...), strict: bool = typer.Option(False, "--strict", help="Warnings fail too.")) -> None:
    """Find unreachable nodes, dead ends, missing targets, duplicate keys, loops without exit, …"""
    from ..ivr.lint import lint as run_lint

    try:
        findings = run_lint(_flow(flow), flows_dir=flow.parent)
    except VoiceQAError as exc:
        raise fail(exc) from None
    for x in findings:
        typer.echo(f"{flow}: {x}")
    errors = sum(x.level == "error" for x in findings)
    warnings = len(findings) - errors
    typer.echo(f"{errors} errors, {warnings} warnings")
    raise typer.Exit(1 if errors or (strict and warnings) else 0)


@app.command("graph")
def graph(flow: Path = typer.Argument(...), fmt: GraphFormat = typer.Option(GraphFormat.mermaid, "--format")) -> None:
    """Print the flow as a Mermaid or Graphviz dot diagram."""
    from ..ivr import graph as g

    try:
        f = _flow(flow)
    except VoiceQAError as exc:
        raise fail(exc) from None
    sys.stdout.write(g.mermaid(f) if fmt == GraphFormat.mermaid else g.dot(f))


@app.command("simulate")
def simulate(
    flow: Path = typer.Argument(...),
    callers: int = typer.Option(1000, "--callers", min=1),
    mix: Path = typer.Option(..., "--mix", help="Caller mix YAML: goals, profiles, behaviours."),
) -> None:
    """Many synthetic callers → containment rate, transfers by reason, steps and time to an agent."""
    from ..ivr.loader import read_yaml, validate
    from ..ivr.simulate import Mix, simulate as run_sim

    try:
        f = _flow(flow)
        data, text = read_yaml(mix)
        m = validate(Mix, data, text, mix)
        unknown = [g.target for g in m.goals if g.target not in f.nodes]
        if unknown:
            raise VoiceQAError(f"{mix}: goal node(s) not in the flow: {', '.join(unknown)}")
        rep = run_sim(f, m, callers, flows_dir=flow.parent)
    except VoiceQAError as exc:
        raise fail(exc) from None
    typer.echo(f"callers: {rep.callers}")
    typer.echo(f"containment rate: {100 * rep.containment_rate:.1f}%  (resolved without an agent)")
    typer.echo(f"abandoned / unresolved: {100 * rep.abandoned / rep.callers:.1f}%")
    for reason, n in rep.transfers.most_common():
        typer.echo(f"transfer {reason}: {100 * n / rep.callers:.1f}%")
    typer.echo(f"average inputs per call: {rep.avg_steps:.2f}")
    if rep.avg_seconds_to_agent is not None:
        typer.echo(f"average time to reach a person: {rep.avg_seconds_to_agent:.1f} s")


def _prompt_transcriber():
    """The speech core on its single-speaker path (``--num-speakers 1``), loaded once."""
    return build_transcriber(num_speakers=1)


@app.command("check-prompts")
def check_prompts(
    flow: Path = typer.Argument(..., help="Flow file whose nodes carry `prompt_audio:` (paths relative to the flow file)."),
    threshold: float = typer.Option(0.75, "--threshold", min=0.0, max=1.0,
                                    help="Minimum pinyin similarity of the transcript to the prompt text."),
) -> None:
    """Expect-to-hear: transcribe each recorded prompt and report those that do not say their text,
    and missing or unreadable audio files (one line each); exit 1 when any fails."""
    from ..ivr.prompts import check_prompts as run_checks, recorded_prompts

    try:
        f = _flow(flow)
        if not recorded_prompts(f):
            typer.echo(f"{flow}: no node has prompt_audio")
            raise typer.Exit(0)
        results = run_checks(f, flow, _prompt_transcriber(), threshold)
    except VoiceQAError as exc:
        raise fail(exc) from None
    for r in results:
        typer.echo(f"{'ok  ' if r.ok else 'FAIL'} {flow}: {r.line(threshold)}")
    failed = sum(not r.ok for r in results)
    typer.echo(f"{len(results)} recorded prompts, {failed} failed")
    raise typer.Exit(1 if failed else 0)


@app.command("schema")
def schema(out: Optional[Path] = typer.Option(None, "--out")) -> None:
    """Print (or write) the JSON Schema of flow files, for editor validation."""
    from ..ivr.loader import flow_schema

    text = flow_schema()
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
