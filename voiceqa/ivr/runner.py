"""A deterministic IVR state machine: prompts out, caller input in, a timestamped trace.

Time is simulated (prompt length / speaking rate + the caller's reaction or the timeout), so
the same inputs always give the same trace.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from stdnum import luhn

from ..errors import FlowError, VoiceQAError
from ..text.chinese import normalize_for_compare
from ..text.patterns import is_mobile, is_resident_id
from . import expr
from .model import Collect, Condition, Flow, Goto, Hangup, Menu, Option, Play, Return, SetVars, Transfer
from .understand import Choice, extract_digits, log as understand_log, matcher_for, yes_no

CHARS_PER_SEC = {"normal": 4.5, "elderly": 3.0}
REACTION_S = 1.5
MAX_AUTO_STEPS = 200  # guard against loops of play/set/condition nodes


@dataclass
class CallerInput:
    kind: Literal["dtmf", "say", "audio", "silence"]
    value: str = ""


@dataclass
class Event:
    t: float
    node: str
    kind: str  # prompt | input | understood | transition | no_input | no_match | invalid | transfer | hangup | error
    text: str = ""
    target: str = ""
    label: str = ""


@dataclass
class Outcome:
    type: Literal["transfer", "hangup", "return", "error"]
    queue: str | None = None
    reason: str = ""
    resolved: bool = False
    node: str = ""


@dataclass
class Frame:
    flow: Flow
    name: str
    resume: str | None = None  # where to continue when a sub-flow called from here returns
    caller_node: str | None = None  # the goto node that called the sub-flow
    menu_history: list[str] = field(default_factory=list)  # this flow's menus, kept while a sub-flow runs


@dataclass
class Session:
    profile: dict[str, Any]
    variables: dict[str, Any]
    now: dt.datetime
    clock: float = 0.0
    trace: list[Event] = field(default_factory=list)
    visited_nodes: list[str] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, label, to)
    no_input: int = 0
    no_match: int = 0
    attempts: int = 0
    retries: dict[str, int] = field(default_factory=lambda: {"no_input": 0, "no_match": 0, "invalid": 0})
    pending_value: str | None = None
    pending_choice: tuple[str, str] | None = None  # asked "A or B?" at this menu
    disambiguated: bool = False  # already asked once at this menu visit
    menu_history: list[str] = field(default_factory=list)
    outcome: Outcome | None = None


class FlowRunner:
    """Runs one caller through a flow. ``start()`` then ``send(input)`` until ``ended``."""

    def __init__(
        self,
        flow: Flow,
        profile: dict[str, Any] | None = None,
        variables: dict[str, Any] | None = None,
        now: dt.datetime | None = None,
        flows_dir: Path | None = None,
        speech=None,
    ):
        self.flows_dir = flows_dir
        self.speech = speech  # callable(audio path) -> CallerInput (dtmf or say), for audio input
        self.stack: list[Frame] = [Frame(flow, flow.name)]
        self.s = Session(
            profile=dict(profile or {}),
            variables={**flow.variables, **(variables or {})},
            now=now or dt.datetime(2026, 11, 23, 10, 0),
        )
        self.node_id = flow.start
        self._subflows: dict[str, Flow] = {}

    # ---- state ----
    @property
    def flow(self) -> Flow:
        return self.stack[-1].flow

    @property
    def qualified(self) -> str:
        return f"{self.stack[-1].name}:{self.node_id}"

    @property
    def node(self):
        return self.flow.nodes[self.node_id]

    @property
    def ended(self) -> bool:
        return self.s.outcome is not None

    @property
    def trace(self) -> list[Event]:
        return self.s.trace

    def prompts_since_input(self) -> list[str]:
        """Every prompt played since the caller's last input (or since the call started)."""
        out: list[str] = []
        for e in reversed(self.s.trace):
            if e.kind == "input":
                break
            if e.kind == "prompt":
                out.append(e.text)
        return out[::-1]

    @property
    def last_prompt(self) -> str:
        for e in reversed(self.s.trace):
            if e.kind == "prompt":
                return e.text
        return ""

    def _elderly(self) -> bool:
        return bool(self.s.profile.get("elderly"))

    def _render(self, text: str, extra: dict[str, Any] | None = None) -> str:
        scope = {**self.s.variables, **{f"profile_{k}": v for k, v in self.s.profile.items()}, **(extra or {})}
        return re.sub(r"\{(\w+)\}", lambda m: str(scope.get(m.group(1), "")), text)

    def _prompt_of(self, node) -> str:
        text = getattr(node, "prompt_elderly", None) if self._elderly() else None
        return self._render(text or node.prompt)

    def _log(self, kind: str, text: str = "", target: str = "", label: str = "") -> None:
        self.s.trace.append(Event(round(self.s.clock, 2), self.qualified, kind, text, target, label))

    def _say(self, text: str) -> None:
        if text:
            self._log("prompt", text)
            self.s.clock += len(text) / CHARS_PER_SEC["elderly" if self._elderly() else "normal"]

    def _go(self, target: str, label: str) -> None:
        src = self.qualified
        self.node_id = target
        self.s.edges.append((src, label, self.qualified))
        self._log("transition", target=self.qualified, label=label)
        self.s.no_input = self.s.no_match = self.s.attempts = 0
        self.s.pending_value = None
        self.s.pending_choice = None
        self.s.disambiguated = False

    def _end(self, outcome: Outcome) -> None:
        self.s.outcome = outcome

    def _scope(self) -> dict[str, dict[str, Any]]:
        h = self.flow.hours
        now = self.s.now
        open_t, close_t = (dt.time.fromisoformat(h.open), dt.time.fromisoformat(h.close))
        is_open = (
            now.isoweekday() in h.weekdays and now.date().isoformat() not in h.holidays and open_t <= now.time() < close_t
        )
        return {"profile": self.s.profile, "vars": self.s.variables, "hours": {"open": is_open, "holiday": now.date().isoformat() in h.holidays}}

    def _subflow(self, name: str) -> Flow:
        from .loader import load_flow

        if name not in self._subflows:
            if self.flows_dir is None:
                raise FlowError(name, "a sub-flow needs the flows folder (flows_dir)")
            self._subflows[name] = load_flow(self.flows_dir / (name if name.endswith(".yaml") else f"{name}.yaml"))
        return self._subflows[name]

    def _matcher(self):
        f = self.flow
        return matcher_for(f.encoder, f.meaning_threshold, f.ambiguity_margin)

    # ---- running ----
    def start(self) -> list[Event]:
        n = len(self.s.trace)
        self._enter()
        return self.s.trace[n:]

    def _enter(self) -> None:
        """Run automatic nodes until one waits for the caller or the call ends."""
        for _ in range(MAX_AUTO_STEPS):
            if self.node_id not in self.flow.nodes:
                self._log("error", f"target node {self.node_id!r} does not exist")
                self._end(Outcome("error", reason=f"missing node {self.node_id}", node=self.qualified))
                return
            if self.qualified not in self.s.visited_nodes:
                self.s.visited_nodes.append(self.qualified)
            node = self.node
            if isinstance(node, (Menu, Collect)):
                if isinstance(node, Menu) and (not self.s.menu_history or self.s.menu_history[-1] != self.node_id):
                    self.s.menu_history.append(self.node_id)
                self._say(self._prompt_of(node))
                return
            if isinstance(node, Play):
                self._say(self._prompt_of(node))
                self._go(node.next, "next")
            elif isinstance(node, SetVars):
                for k, v in node.values.items():
                    self.s.variables[k] = self._render(v) if isinstance(v, str) else v
                self._go(node.next, "next")
            elif isinstance(node, Condition):
                scope = self._scope()
                try:
                    taken = next((b for b in node.branches if expr.evaluate(b.when, scope)), None)
                except expr.ExprError as exc:  # lint reports these as bad-condition
                    self._log("error", str(exc))
                    self._end(Outcome("error", reason="bad condition", node=self.qualified))
                    return
                if taken is not None:
                    self._go(taken.next, f"when:{taken.when}")
                else:
                    self._go(node.default.next, "default")
            elif isinstance(node, Transfer):
                self._say(self._render(node.prompt))
                self._log("transfer", target=node.queue, label=node.reason)
                self._end(Outcome("transfer", queue=node.queue, reason=node.reason or node.queue, node=self.qualified))
                return
            elif isinstance(node, Hangup):
                self._say(self._render(node.prompt))
                self._log("hangup")
                self._end(Outcome("hangup", resolved=node.resolved, node=self.qualified))
                return
            elif isinstance(node, Goto):
                if node.flow:
                    try:
                        sub = self._subflow(node.flow)
                    except VoiceQAError as exc:
                        self._log("error", f"sub-flow {node.flow}: {exc}")
                        self._end(Outcome("error", reason=f"sub-flow {node.flow}", node=self.qualified))
                        return
                    self.stack[-1].resume = node.next
                    self.stack[-1].caller_node = self.node_id
                    src = self.qualified
                    self.stack[-1].menu_history = self.s.menu_history
                    self.stack.append(Frame(sub, sub.name))
                    self.node_id = node.node or sub.start
                    self.s.edges.append((src, "subflow", self.qualified))
                    self.s.menu_history = []  # "back" stays inside the sub-flow
                else:
                    self._go(node.node, "goto")
            elif isinstance(node, Return):
                if len(self.stack) == 1:  # a sub-flow run on its own (e.g. under test) ends here
                    self._log("return")
                    self._end(Outcome("return", node=self.qualified))
                    return
                self.stack.pop()
                self.s.menu_history = self.stack[-1].menu_history  # "back" returns to the caller's menus
                caller = f"{self.stack[-1].name}:{self.stack[-1].caller_node}"
                self.node_id = self.stack[-1].resume or self.flow.start
                self.s.edges.append((caller, "resume", self.qualified))
                self._log("transition", target=self.qualified, label="resume")
        else:
            self._log("error", "too many automatic steps (loop without input)")
            self._end(Outcome("error", reason="loop", node=self.qualified))

    def send(self, inp: CallerInput) -> list[Event]:
        if self.ended:
            raise FlowError(self.qualified, "the call has ended; no more input is taken")
        n = len(self.s.trace)
        if inp.kind == "audio":
            if self.speech is None:
                raise FlowError(inp.value, "audio input needs a speech recogniser")
            inp = self.speech(inp.value)
        self._log("input", f"{inp.kind}:{inp.value}" if inp.kind != "silence" else "silence")
        node = self.node
        if inp.kind == "silence":
            self.s.clock += node.timeout_s
        else:
            self.s.clock += REACTION_S
        moves = len(self.s.edges)
        if isinstance(node, Menu):
            self._menu_input(node, inp)
        elif isinstance(node, Collect):
            self._collect_input(node, inp)
        if not self.ended and len(self.s.edges) > moves:  # moved on: play the next node
            self._enter()
        return self.s.trace[n:]

    # ---- caller understanding ----
    def _choices(self, node: Menu) -> list[tuple[Choice, Option | None]]:
        """The menu's options (and the global agent command) as understanding choices."""
        out, seen = [], set()
        for i, o in enumerate(node.options):
            cid = o.intent or o.key or o.label or f"option{i + 1}"
            if cid in seen or cid == "agent":
                cid = f"{cid}#{i + 1}"
            seen.add(cid)
            out.append((Choice(cid, o.label or cid, tuple(o.keywords), tuple(o.examples), o.key), o))
        agent = self._agent_choice()
        if agent:
            out.append((agent, None))
        return out

    def spoken_choices(self, node: Menu, choices: list[Choice] | None = None, matcher=None) -> list[Choice]:
        """What a spoken answer at ``node`` is matched against: the options (with the phrases of
        the common intents they offer, unless the flow sets ``phrase_knowledge: false``), the agent
        command, and "other" choices for what the menu does not offer."""
        cs = [c for c, _ in self._choices(node)] if choices is None else choices
        if not self.flow.phrase_knowledge:
            return cs
        from .knowledge import attach

        return list(attach(tuple(cs), node.prompt, matcher or self._matcher(), domain=self.domain()))

    def domain(self) -> frozenset[str]:
        """The service domains of the flow now running (:mod:`voiceqa.ivr.domains`)."""
        from .domains import domains_of, flow_texts

        cache = self.__dict__.setdefault("_domains", {})
        key = id(self.flow)
        if key not in cache:
            cache[key] = domains_of(flow_texts(self.flow))
        return cache[key]

    def _agent_choice(self) -> Choice | None:
        g = self.flow.globals
        if not g.agent:
            return None
        return Choice("agent", "人工服务", tuple(g.agent_words), tuple(g.agent_examples))

    def _wants_agent(self, text: str) -> bool:
        """The caller asks for a person (keywords only, negation-aware: 不用转人工 is not a request)."""
        agent = self._agent_choice()
        if not agent:
            return False
        res = self._matcher().understand(text, [agent], keywords_only=True)
        return res.choice == "agent"

    # ---- menus ----
    def _global(self, inp: CallerInput) -> str | None:
        g = self.flow.globals
        if inp.kind == "dtmf":
            if inp.value in g.agent_keys and g.agent:
                return "agent"
            if inp.value in g.back_keys:
                return "back"
            if inp.value in g.repeat_keys:
                return "repeat"
            return None
        text = normalize_for_compare(inp.value) if inp.kind == "say" else ""
        if text:
            if any(normalize_for_compare(w) == text for w in g.back_words):
                return "back"
            if any(normalize_for_compare(w) == text for w in g.repeat_words):
                return "repeat"
        return None

    def _apply_global(self, cmd: str, node) -> None:
        if cmd == "agent":
            self._go(self.flow.globals.agent.next, "global:agent")
        elif cmd == "repeat":
            self._say(self._prompt_of(node))
        elif cmd == "back":
            if len(self.s.menu_history) >= 2:
                self.s.menu_history.pop()
                self._go(self.s.menu_history[-1], "global:back")
            else:
                self._say(self._prompt_of(node))

    def _select(self, option: Option | None) -> None:
        if option is None:
            self._apply_global("agent", self.node)
        else:
            self._go(option.next, f"option:{option.key or option.intent or option.label}")

    def _menu_input(self, node: Menu, inp: CallerInput) -> None:
        if inp.kind == "silence":
            self.s.no_input += 1
            self.s.retries["no_input"] += 1
            self._log("no_input", str(self.s.no_input))
            return self._retry(node, node.reprompts.no_input, self.s.no_input, node.max_no_input)
        cmd = self._global(inp)
        if cmd:
            return self._apply_global(cmd, node)
        if inp.kind == "dtmf":
            option = next((o for o in node.options if o.key and o.key == inp.value), None)
            if option is not None:
                return self._select(option)
        else:
            choices = self._choices(node)
            by_id = {c.id: (c, o) for c, o in choices}
            spoken = self.spoken_choices(node, [c for c, _ in choices])
            known = {c.id: c for c in spoken}
            pending, self.s.pending_choice = self.s.pending_choice, None
            if pending:  # answering "A or B?"
                res = self._matcher().understand(inp.value, [known[i] for i in pending], ordinal_of=pending)
                self._log("understood", res.describe())
                if res.choice:
                    return self._select(by_id[res.choice][1])
            res = self._matcher().understand(inp.value, spoken, domain=self.domain())
            self._log("understood", res.describe())
            understand_log.debug("%s %r: %s", self.qualified, inp.value, res.describe())
            if res.choice:
                return self._select(by_id[res.choice][1])
            if res.ambiguous and not self.s.disambiguated:
                self.s.pending_choice = res.ambiguous[:2]
                self.s.disambiguated = True
                first, second = (by_id[i][0].label for i in res.ambiguous[:2])
                self._say(node.disambiguate.replace("{first}", first).replace("{second}", second))
                return
        self.s.no_match += 1
        self.s.retries["no_match"] += 1
        self._log("no_match", inp.value)
        self._retry(node, node.reprompts.no_match, self.s.no_match, node.max_no_match)

    def _retry(self, node: Menu, prompts: list[str], count: int, limit: int) -> None:
        if count >= limit:
            if node.fallback:
                self._go(node.fallback.next, "fallback")
            else:
                self._say("抱歉，未能识别您的选择，再见。")
                self._log("hangup")
                self._end(Outcome("hangup", resolved=False, reason="max retries", node=self.qualified))
            return
        text = prompts[min(count, len(prompts)) - 1] if prompts else node.prompt
        self._say(self._render(text) + (" " + self._prompt_of(node) if prompts else ""))

    # ---- collecting digits ----
    def _value(self, node: Collect, inp: CallerInput) -> str:
        if inp.kind == "silence":
            return ""
        if inp.kind == "dtmf":
            return inp.value.rstrip("#").replace("*", "X")
        return extract_digits(inp.value) or normalize_for_compare(inp.value)

    def _valid(self, node: Collect, value: str) -> bool:
        v = node.validation
        if v.min_length is not None and len(value) < v.min_length:
            return False
        if v.max_length is not None and len(value) > v.max_length:
            return False
        if v.pattern and not re.fullmatch(v.pattern, value):
            return False
        if v.checksum == "luhn" and not (value.isdigit() and luhn.is_valid(value)):
            return False
        if v.checksum == "id_card" and not is_resident_id(value):  # 18 digits/X, birth date and check digit
            return False
        if v.checksum == "mobile" and not is_mobile(value):
            return False
        return True

    def _accept(self, node: Collect, value: str) -> None:
        if node.confirm:
            self.s.pending_value = value
            self._say(self._confirm_prompt(node, value))
        else:
            self.s.variables[node.variable] = value
            self._go(node.on_success.next, "success")

    def _confirm_prompt(self, node: Collect, value: str) -> str:
        """The confirmation, with the value heard as ``{value}`` and as the collect's own variable
        (``{waybill}``): the variable itself is set only once the caller confirms."""
        return self._render(node.confirm, {"value": value, node.variable: value})

    def _fail_attempt(self, node: Collect, kind: str, value: str, prompt: str) -> None:
        self.s.attempts += 1
        self.s.retries[kind] += 1
        self._log(kind, value)
        if self.s.attempts >= node.max_attempts:
            self._go(node.on_failure.next, "failure")
        else:
            self._say(prompt)

    def _confirm_input(self, node: Collect, inp: CallerInput) -> None:
        """The caller answers "您输入的是…，确认请按1，重新输入请按2"."""
        if inp.kind == "silence":
            return self._fail_attempt(node, "no_input", "", self._confirm_prompt(node, self.s.pending_value))
        if inp.kind == "dtmf":
            answer = {"1": "yes", "2": "no"}.get(inp.value, "unclear")
            value = self._value(node, inp)
        else:
            value = extract_digits(inp.value)
            answer = yes_no(inp.value)
        if value and value != self.s.pending_value and len(value) > 1 and self._valid(node, value):
            self._log("understood", f"confirm: corrected value {value}")
            return self._accept(node, value)  # "不对，是…": a corrected number is confirmed again
        if value == self.s.pending_value and len(value) > 1 and answer != "no":
            answer = "yes"  # the caller repeats the number (but "1234567 不对" stays a no)
        elif value and len(value) > 1 and value != self.s.pending_value and answer == "yes":
            answer = "no"  # part of a number said again differently ("后四位是5679"): a correction
        self._log("understood", f"confirm: {answer}")
        if answer == "yes":
            self.s.variables[node.variable] = self.s.pending_value
            self._go(node.on_success.next, "success")
        elif answer == "no":
            self.s.pending_value = None
            self._say(self._prompt_of(node))
        else:
            self._fail_attempt(node, "invalid", inp.value,
                               node.confirm_unclear + " " + self._confirm_prompt(node, self.s.pending_value))

    def _collect_input(self, node: Collect, inp: CallerInput) -> None:
        if inp.kind == "say" and self._wants_agent(inp.value):
            return self._apply_global("agent", node)
        if self.s.pending_value is not None:
            return self._confirm_input(node, inp)
        value = self._value(node, inp)
        if value and self._valid(node, value):
            return self._accept(node, value)
        self._fail_attempt(node, "invalid" if value else "no_input", value,
                           self._render(node.invalid_prompt) + " " + self._prompt_of(node))
