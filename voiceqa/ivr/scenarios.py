"""Scripted caller scenarios: expect a prompt, reply, assert on the outcome; plus coverage."""
from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from ..text.similarity import surface_similarity
from .loader import read_yaml, validate
from .model import Flow, Menu, edges
from .runner import CallerInput, FlowRunner


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expect(_M):
    prompt_contains: str | None = None
    prompt_matches: str | None = None
    prompt_similar: str | None = None
    min_similarity: float = 0.6


class Reply(_M):
    dtmf: str | None = None
    say: str | None = None
    audio: str | None = None
    silence: bool = False

    @model_validator(mode="after")
    def _one(self):
        given = sum(x is not None for x in (self.dtmf, self.say, self.audio)) + int(self.silence)
        if given != 1:
            raise ValueError("a reply is exactly one of dtmf, say, audio, silence")
        return self

    def to_input(self, base: Path) -> CallerInput:
        if self.dtmf is not None:
            return CallerInput("dtmf", str(self.dtmf))
        if self.say is not None:
            return CallerInput("say", self.say)
        if self.audio is not None:
            return CallerInput("audio", str((base / self.audio).resolve()))
        return CallerInput("silence")


class Step(_M):
    expect: Expect | None = None
    reply: Reply | None = None
    # the caller's answer when the IVR has just asked which of two close options they meant
    # (a menu's `disambiguate` prompt); the step is skipped when it did not ask
    choose: str | None = None

    @model_validator(mode="after")
    def _choose_alone(self):
        if self.choose is not None and self.reply is not None:
            raise ValueError("a step has either reply or choose, not both")
        return self


class Assertions(_M):
    outcome: Literal["transfer", "hangup", "return", "error"] | None = None
    queue: str | None = None
    resolved: bool | None = None
    node: str | None = None  # the node the call ended in (or waits at, when the scenario ends mid-call)
    variables: dict[str, Any] = {}
    max_steps: int | None = None  # caller inputs
    retries: dict[str, int] = {}  # exact counts, e.g. {no_input: 1}
    visited: list[str] = []


class Scenario(_M):
    name: str
    profile: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    now: str | None = None  # ISO date-time for business-hours conditions
    steps: list[Step] = []
    expect_end: Assertions = Assertions()


class ScenarioFile(_M):
    flow: str | None = None
    scenarios: list[Scenario]


@dataclass
class ScenarioResult:
    name: str
    passed: bool
    message: str
    seconds: float
    steps: int
    outcome: str
    trace: list = field(default_factory=list, repr=False)


@dataclass
class Coverage:
    nodes_total: set[str]
    edges_total: set[tuple[str, str, str]]
    options_total: set[str]
    nodes_hit: set[str] = field(default_factory=set)
    edges_hit: set[tuple[str, str, str]] = field(default_factory=set)
    options_hit: set[str] = field(default_factory=set)

    @staticmethod
    def pct(hit: set, total: set) -> float:
        return 100.0 * len(hit & total) / len(total) if total else 100.0

    @property
    def nodes_pct(self) -> float:
        return self.pct(self.nodes_hit, self.nodes_total)

    @property
    def edges_pct(self) -> float:
        return self.pct(self.edges_hit, self.edges_total)

    @property
    def options_pct(self) -> float:
        return self.pct(self.options_hit, self.options_total)

    def missed(self) -> dict[str, list[str]]:
        return {
            "nodes": sorted(self.nodes_total - self.nodes_hit),
            "edges": sorted(f"{a} --{lab}--> {b}" for a, lab, b in self.edges_total - self.edges_hit),
            "options": sorted(self.options_total - self.options_hit),
        }

    def summary(self) -> str:
        return f"nodes {self.nodes_pct:.1f}%  edges {self.edges_pct:.1f}%  options {self.options_pct:.1f}%"


def coverage_universe(flow: Flow) -> Coverage:
    name = flow.name
    nodes = {f"{name}:{n}" for n in flow.nodes}
    all_edges = {(f"{name}:{n}", lab, f"{name}:{t}") for n, node in flow.nodes.items() for lab, t in edges(node)}
    options = {
        f"{name}:{n}:{o.key or o.intent or o.label}" for n, node in flow.nodes.items() if isinstance(node, Menu) for o in node.options
    }
    return Coverage(nodes, all_edges, options)


def load_scenarios(path: str | Path) -> ScenarioFile:
    path = Path(path)
    data, text = read_yaml(path)
    return validate(ScenarioFile, data, text, path)


def run_scenario(flow: Flow, sc: Scenario, base: Path, flows_dir: Path | None = None, speech=None) -> tuple[ScenarioResult, FlowRunner]:
    t0 = time.perf_counter()
    now = dt.datetime.fromisoformat(sc.now) if sc.now else None
    runner = FlowRunner(flow, sc.profile, sc.variables, now=now, flows_dir=flows_dir, speech=speech)
    runner.start()
    inputs = 0

    def result(ok: bool, msg: str) -> tuple[ScenarioResult, FlowRunner]:
        out = runner.s.outcome
        desc = "running" if out is None else (f"transfer:{out.queue}" if out.type == "transfer" else out.type)
        return ScenarioResult(sc.name, ok, msg, time.perf_counter() - t0, inputs, desc, runner.trace), runner

    for i, step in enumerate(sc.steps, 1):
        if step.expect:  # checked against every prompt played since the last reply
            prompts = runner.prompts_since_input()
            prompt = " / ".join(prompts)
            e = step.expect
            if e.prompt_contains and e.prompt_contains not in prompt:
                return result(False, f"step {i}: prompts {prompt!r} do not contain {e.prompt_contains!r}")
            if e.prompt_matches and not re.search(e.prompt_matches, prompt):
                return result(False, f"step {i}: prompts {prompt!r} do not match /{e.prompt_matches}/")
            if e.prompt_similar and max((surface_similarity(p, e.prompt_similar) for p in prompts), default=0.0) < e.min_similarity:
                return result(False, f"step {i}: no prompt in {prompt!r} is similar to {e.prompt_similar!r}")
        if step.choose is not None:
            if runner.ended or not runner.s.pending_choice:
                continue  # the IVR did not ask
            runner.send(CallerInput("say", step.choose))
            inputs += 1
            continue
        if step.reply:
            if runner.ended:
                return result(False, f"step {i}: the call already ended ({runner.s.outcome.type}) before this reply")
            runner.send(step.reply.to_input(base))
            inputs += 1
    a = sc.expect_end
    out = runner.s.outcome
    if a.outcome and (out is None or out.type != a.outcome):
        return result(False, f"expected outcome {a.outcome}, got {out.type if out else 'still waiting at ' + runner.qualified}")
    if a.queue and (out is None or out.queue != a.queue):
        return result(False, f"expected transfer to {a.queue}, got {out.queue if out else None}")
    if a.resolved is not None and (out is None or out.resolved != a.resolved):
        return result(False, f"expected resolved={a.resolved}")
    if a.node:  # where the call ended, or, while it is still running, the node it waits at
        at = out.node if out else runner.qualified
        if at != a.node and not at.endswith(f":{a.node}"):
            return result(False, f"expected to end at {a.node}, {'ended' if out else 'the call waits'} at {at}")
    for k, v in a.variables.items():
        if str(runner.s.variables.get(k)) != str(v):
            return result(False, f"variable {k}: expected {v!r}, got {runner.s.variables.get(k)!r}")
    if a.max_steps is not None and inputs > a.max_steps:
        return result(False, f"path took {inputs} inputs, more than {a.max_steps}")
    for k, v in a.retries.items():
        if runner.s.retries.get(k, 0) != v:
            return result(False, f"retries {k}: expected {v}, got {runner.s.retries.get(k, 0)}")
    for node in a.visited:
        if not any(n.endswith(f":{node}") for n in runner.s.visited_nodes):
            return result(False, f"node {node} was not visited")
    return result(True, "ok")


def run_file(flow: Flow, scenarios: ScenarioFile, base: Path, flows_dir: Path | None = None, speech=None):
    cov = coverage_universe(flow)
    results = []
    for sc in scenarios.scenarios:
        res, runner = run_scenario(flow, sc, base, flows_dir, speech)
        results.append(res)
        cov.nodes_hit.update(runner.s.visited_nodes)
        cov.edges_hit.update(runner.s.edges)
        for src, label, _ in runner.s.edges:
            if label.startswith("option:"):
                cov.options_hit.add(f"{src}:{label[len('option:'):]}")
    return results, cov


def junit_xml(flow_name: str, results: list[ScenarioResult]) -> str:
    from xml.sax.saxutils import escape, quoteattr

    fails = sum(not r.passed for r in results)
    total_time = sum(r.seconds for r in results)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuite name={quoteattr(flow_name)} tests="{len(results)}" failures="{fails}" errors="0" time="{total_time:.3f}">']
    for r in results:
        lines.append(f'  <testcase classname={quoteattr(flow_name)} name={quoteattr(r.name)} time="{r.seconds:.3f}">')
        if not r.passed:
            lines.append(f'    <failure message={quoteattr(r.message)}>{escape(r.message)}</failure>')
        lines.append("  </testcase>")
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"
