"""Many synthetic callers with goals and behaviours -> containment and transfer statistics."""
from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from .model import Collect, Flow, Menu, edges
from .paths import valid_value
from .runner import CallerInput, FlowRunner


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Goal(_M):
    target: str  # node the caller wants to reach
    weight: float = 1.0


class Behaviour(_M):
    speech: float = Field(0.3, ge=0, le=1)  # speak the option instead of pressing its key
    silence: float = Field(0.05, ge=0, le=1)
    wrong_key: float = Field(0.05, ge=0, le=1)
    ask_agent: float = Field(0.03, ge=0, le=1)


class Mix(_M):
    seed: int = 7
    profiles: dict[str, float] = {}  # flag -> share of callers, e.g. {elderly: 0.15, vip: 0.1}
    goals: list[Goal] = Field(min_length=1)
    behaviour: Behaviour = Behaviour()
    max_inputs: int = 30


@dataclass
class SimReport:
    callers: int
    contained: int
    abandoned: int
    transfers: Counter
    avg_steps: float
    avg_seconds_to_agent: float | None
    errors: int

    @property
    def containment_rate(self) -> float:
        return self.contained / self.callers if self.callers else 0.0


def _next_hop(flow: Flow, start: str, goal: str) -> str | None:
    """The neighbour of ``start`` on a shortest path to ``goal`` (BFS)."""
    if start == goal:
        return None
    prev = {start: None}
    todo = deque([start])
    while todo:
        n = todo.popleft()
        if n not in flow.nodes:
            continue
        for _, t in edges(flow.nodes[n]):
            if t not in prev:
                prev[t] = n
                if t == goal:
                    while prev[t] != start:
                        t = prev[t]
                    return t
                todo.append(t)
    return None


def _choose(flow: Flow, runner: FlowRunner, goal: str, rnd: random.Random, b: Behaviour) -> CallerInput:
    node = runner.node
    if rnd.random() < b.silence:
        return CallerInput("silence")
    if isinstance(node, Collect):
        if runner.s.pending_value is not None:
            return CallerInput("dtmf", "1")
        hop = _next_hop(flow, runner.node_id, goal)
        if hop == node.on_failure.next != node.on_success.next:
            return CallerInput("silence")  # a caller who cannot give the number ends up with an agent
        return CallerInput("dtmf", valid_value(node))
    assert isinstance(node, Menu)
    if rnd.random() < b.ask_agent and flow.globals.agent:
        return CallerInput("say", "转人工") if rnd.random() < b.speech else CallerInput("dtmf", flow.globals.agent_keys[0])
    hop = _next_hop(flow, runner.node_id, goal)
    option = next((o for o in node.options if o.next == hop), None)
    if option is None and node.fallback and hop == node.fallback.next:
        return CallerInput("silence")  # only the fallback leads there
    option = option or node.options[0]
    if rnd.random() < b.wrong_key:
        used = {o.key for o in node.options}
        wrong = next((k for k in "987654321" if k not in used and k not in flow.globals.agent_keys), "9")
        return CallerInput("dtmf", wrong)
    if rnd.random() < b.speech and (option.keywords or option.examples):
        return CallerInput("say", rnd.choice(option.keywords + option.examples))
    if option.key:
        return CallerInput("dtmf", option.key)
    return CallerInput("say", (option.keywords or option.examples or [option.label])[0])


def simulate(flow: Flow, mix: Mix, callers: int, flows_dir=None) -> SimReport:
    rnd = random.Random(mix.seed)
    goals, weights = [g.target for g in mix.goals], [g.weight for g in mix.goals]
    contained = abandoned = errors = 0
    transfers: Counter = Counter()
    steps_total = 0
    agent_times: list[float] = []
    for _ in range(callers):
        profile = {k: rnd.random() < p for k, p in mix.profiles.items()}
        goal = rnd.choices(goals, weights)[0]
        runner = FlowRunner(flow, profile, flows_dir=flows_dir)
        runner.start()
        n = 0
        while not runner.ended and n < mix.max_inputs and runner.stack[-1].flow is flow:
            runner.send(_choose(flow, runner, goal, rnd, mix.behaviour))
            n += 1
        steps_total += n
        out = runner.s.outcome
        if out is None:
            abandoned += 1
        elif out.type == "transfer":
            transfers[out.reason or out.queue] += 1
            agent_times.append(runner.s.clock)
        elif out.type == "hangup":
            contained += out.resolved
            abandoned += not out.resolved
        else:
            errors += 1
    return SimReport(
        callers=callers, contained=contained, abandoned=abandoned, transfers=transfers,
        avg_steps=steps_total / callers if callers else 0.0,
        avg_seconds_to_agent=sum(agent_times) / len(agent_times) if agent_times else None,
        errors=errors,
    )
