"""A labelled caller-utterance set and how well caller understanding does on it.

Used by ``scripts/bench_ivr.py`` (numbers beside the keyword-only baseline) and the tests
(accuracy and false-accept gates). File format: ``tests/data/ivr_utterances.yaml``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .loader import load_flow, read_yaml, validate
from .runner import FlowRunner
from .knowledge import attach
from .understand import Choice, Matcher, yes_no


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MenuSet(_M):
    flow: str
    node: str
    expect: dict[str, dict[str, list[str]]]  # choice id (or "none") -> kind -> utterances


class UtteranceSet(_M):
    menus: list[MenuSet]
    confirm: dict[str, list[str]]  # yes / no -> answers


@dataclass(frozen=True)
class Case:
    flow: str
    node: str
    text: str
    expect: str  # choice id | none | yes | no
    kind: str


@dataclass
class Result:
    case: Case
    got: str  # choice id | none | ambiguous:a/b | yes | no | unclear
    ms: float

    @property
    def correct(self) -> bool:
        return self.got == self.case.expect


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def _of(self, confirm: bool) -> list[Result]:
        return [r for r in self.results if (r.case.node == "confirm") == confirm]

    @property
    def intent_accuracy(self) -> float:
        rs = self._of(False)
        return sum(r.correct for r in rs) / len(rs) if rs else 0.0

    @property
    def confirm_accuracy(self) -> float:
        rs = self._of(True)
        return sum(r.correct for r in rs) / len(rs) if rs else 0.0

    @property
    def false_accepts(self) -> list[Result]:
        """A "no" answer taken as yes."""
        return [r for r in self._of(True) if r.case.expect == "no" and r.got == "yes"]

    @property
    def ambiguous(self) -> int:
        return sum(r.got.startswith("ambiguous") for r in self._of(False))

    @property
    def asked_right(self) -> int:
        """Menu utterances answered with "A or B?" where one of the two is the right option (the
        caller then picks it: one more turn, no wrong routing)."""
        return sum(r.got.startswith("ambiguous:") and r.case.expect in r.got[10:].split("/") for r in self._of(False))

    @property
    def accuracy_after_asking(self) -> float:
        """Intent accuracy when a caller asked "A or B?" picks the right one of the two."""
        rs = self._of(False)
        return (sum(r.correct for r in rs) + self.asked_right) / len(rs) if rs else 0.0

    def by_kind(self) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for r in self._of(False):
            c = out.setdefault(r.case.kind, [0, 0])
            c[0] += r.correct
            c[1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}

    def latency_ms(self, confirm: bool = False) -> tuple[float, float, float]:
        """(mean, median, 95th percentile) per utterance."""
        xs = sorted(r.ms for r in self._of(confirm))
        if not xs:
            return (0.0, 0.0, 0.0)
        return (sum(xs) / len(xs), xs[len(xs) // 2], xs[min(len(xs) - 1, int(0.95 * len(xs)))])

    def errors(self) -> list[Result]:
        return [r for r in self.results if not r.correct]


def load_set(path: str | Path) -> tuple[UtteranceSet, list[Case]]:
    path = Path(path)
    data, text = read_yaml(path)
    us = validate(UtteranceSet, data, text, path)
    cases = [Case(m.flow, m.node, t, exp, kind) for m in us.menus for exp, kinds in m.expect.items()
             for kind, texts in kinds.items() for t in texts]
    cases += [Case("", "confirm", t, exp, exp) for exp, texts in us.confirm.items() for t in texts]
    return us, cases


def menu_choices(flows_dir: Path, flow: str, node: str) -> tuple[list[Choice], FlowRunner]:
    r = FlowRunner(load_flow(flows_dir / f"{flow}.yaml"), flows_dir=flows_dir)
    return [c for c, _ in r._choices(r.flow.nodes[node])], r


def evaluate(cases: list[Case], flows_dir: Path, matcher: Matcher | None = None, knowledge: bool | None = None) -> Report:
    """Caller understanding as the runner uses it: the flow's matcher unless one is given;
    phrase knowledge as the flow says unless ``knowledge`` is given."""
    rep = Report()
    cache: dict[tuple[str, str], tuple[list[Choice], Matcher, frozenset[str]]] = {}
    for c in cases:
        if c.node == "confirm":
            t0 = time.perf_counter()
            got = yes_no(c.text)
            rep.results.append(Result(c, got, 1000 * (time.perf_counter() - t0)))
            continue
        if (c.flow, c.node) not in cache:
            choices, runner = menu_choices(flows_dir, c.flow, c.node)
            m = matcher or runner._matcher()
            use = runner.flow.phrase_knowledge if knowledge is None else knowledge
            if use:
                choices = list(attach(tuple(choices), runner.flow.nodes[c.node].prompt, m, domain=runner.domain()))
            cache[(c.flow, c.node)] = (choices, m, runner.domain())
            cache[(c.flow, c.node)][1].prepare(choices)  # examples encoded before timing, as in a running IVR
        choices, m, domain = cache[(c.flow, c.node)]
        t0 = time.perf_counter()
        res = m.understand(c.text, choices, domain=domain)
        ms = 1000 * (time.perf_counter() - t0)
        got = res.choice or ("ambiguous:" + "/".join(res.ambiguous) if res.ambiguous else "none")
        rep.results.append(Result(c, got, ms))
    return rep


def keyword_baseline(cases: list[Case], flows_dir: Path) -> Report:
    """The matching this project had before: an option whose keyword is a substring of the
    utterance (first option wins), and "yes" when the answer contains 是/对/确认/没错."""
    from ..text.chinese import normalize_for_compare

    rep = Report()
    cache: dict = {}
    for c in cases:
        t0 = time.perf_counter()
        if c.node == "confirm":
            got = "yes" if any(w in c.text for w in ("是", "对", "确认", "没错")) or c.text.strip() in ("1", "按一") else "no"
        else:
            if (c.flow, c.node) not in cache:
                cache[(c.flow, c.node)] = menu_choices(flows_dir, c.flow, c.node)[0]
            norm = normalize_for_compare(c.text)
            got = next((ch.id for ch in cache[(c.flow, c.node)]
                        if any(normalize_for_compare(k) in norm for k in ch.keywords if k)), "none")
        rep.results.append(Result(c, got, 1000 * (time.perf_counter() - t0)))
    return rep
