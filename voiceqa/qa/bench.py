"""The labelled QA text benchmark (tests/data/qa_bench): load it, put each utterance into a
minimal synthetic call, score the calls with a rubric and measure detection per category.

Shared by ``scripts/bench_qa.py`` (prints the numbers) and ``tests/test_qa_bench.py``
(asserts the targets). The data format is documented in tests/data/qa_bench/README.md.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..schema import RoleDecision, Transcript, Turn, Word
from .confusion import Confusion
from .rubric import Rubric
from .scorer import Scorecard, score_transcript

PRESENCE = ("missing_greeting", "missing_badge", "missing_verification", "missing_closing", "missing_survey")
VIOLATION = ("forbidden_phrase", "agent_negative", "customer_complaint", "customer_anger", "agent_care")
MEASURED = PRESENCE + VIOLATION
AGENT_CATEGORIES = frozenset(PRESENCE + ("forbidden_phrase", "agent_negative"))
CUSTOMER_CATEGORIES = frozenset(("customer_complaint", "customer_anger", "agent_care"))
# the eight of the own benchmark; education and property also occur in tests/data/qa_agent_dev, and
# logistics, ride-hailing and car dealers/after-sales from qa_agent_dev7 on
BENCH_INDUSTRIES = ("telecom", "banking", "insurance", "ecommerce", "utilities", "travel", "government", "healthcare")
INDUSTRIES = BENCH_INDUSTRIES + ("education", "property", "logistics", "ride_hailing", "automotive")

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CLEAN = REPO / "tests" / "data" / "qa_bench" / "utterances.yaml"
DEFAULT_NOISY = REPO / "tests" / "data" / "qa_bench" / "utterances_noisy.yaml"


class BenchEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(min_length=1)
    industry: Literal[INDUSTRIES]  # type: ignore[valid-type]
    direction: Literal["inbound", "outbound"]
    role: Literal["agent", "customer"]
    text: str = Field(min_length=1)
    labels: tuple[str, ...] = ()
    negative_for: tuple[str, ...] = ()
    severity_hint: Literal["fatal"] | None = None

    @field_validator("labels", "negative_for")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in v if c not in MEASURED]
        if bad:
            raise ValueError(f"unknown category {bad[0]!r} (one of {', '.join(MEASURED)})")
        if len(set(v)) != len(v):
            raise ValueError("category listed twice")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if set(self.labels) & set(self.negative_for):
            raise ValueError("a category is both in labels and negative_for")
        own = AGENT_CATEGORIES if self.role == "agent" else CUSTOMER_CATEGORIES
        wrong = [c for c in self.labels if c not in own]
        if wrong:
            raise ValueError(f"{self.role} line cannot be labelled {wrong[0]!r}")
        if self.severity_hint and not self.labels:
            raise ValueError("severity_hint on a line without labels")
        return self

    @property
    def hard_negative(self) -> bool:
        return bool(self.negative_for)

    @property
    def presence_scope(self) -> bool:
        """Scored on the presence slots: it satisfies a presence item or is a hard negative for one."""
        return any(c in PRESENCE for c in self.labels + self.negative_for)


def load_bench(path: str | Path = DEFAULT_CLEAN) -> list[BenchEntry]:
    """The entries of a benchmark file; a malformed file raises InputError naming the entry."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "benchmark file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(path, f"malformed YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InputError(path, "expected a mapping with an 'entries' list")
    out, seen = [], set()
    for i, raw in enumerate(data["entries"]):
        try:
            entry = BenchEntry.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"])
            name = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
            raise InputError(path, f"entry {name}: {where}: {err['msg']}") from None
        if entry.id in seen:
            raise InputError(path, f"entry {entry.id}: duplicate id")
        seen.add(entry.id)
        out.append(entry)
    return out


# ---- synthetic calls -------------------------------------------------------------------------
# Neutral, generic lines, the same for every entry: together they satisfy every presence item
# of a reasonable rubric and raise nothing else.
FILLERS: dict[str, tuple[str, str]] = {
    "greeting": ("agent", "您好，欢迎致电客服热线。"),
    "badge": ("agent", "我是客服专员，工号3107。"),
    "request": ("customer", "我想问一下这个月的账单。"),
    "verification": ("agent", "好的，为了保障您的账户安全，需要先核实一下您的身份，请说一下机主姓名和身份证后四位。"),
    "answer": ("customer", "嗯，好的。"),
    "account": ("agent", "您本期账单是一百二十八元，还款日是每月十五号。"),
    "ack": ("customer", "好的，明白了。"),
    "closing": ("agent", "请问还有其他可以帮您的吗？"),
    "bye": ("customer", "好的，谢谢。"),
    "survey": ("agent", "稍后会有一条短信，请您对我的服务进行评价。"),
}
SKELETON = ("greeting", "badge", "request", "verification", "answer", "account", "ack", "closing", "bye", "survey")
SLOT_OF = {
    "missing_greeting": "greeting", "missing_badge": "badge", "missing_verification": "verification",
    "missing_closing": "closing", "missing_survey": "survey",
}
# lines around a tested violation line in the middle of the call, by the tested line's role
AROUND = {
    "agent": (("customer", "还有一件事想问一下。"), ("customer", "嗯。")),
    "customer": (("agent", "您请讲。"), ("agent", "好的，我先帮您记录下来。")),
}
CHARS_PER_SECOND = 4.0
GAP = 0.6
CONFIDENCE = 0.95


def _turns(lines: list[tuple[str, str]]) -> list[Turn]:
    turns, t = [], 0.5
    for role, text in lines:
        dur = max(1.2, len(text) / CHARS_PER_SECOND)
        step = dur / max(len(text), 1)
        words = [Word(t + i * step, t + (i + 1) * step, ch, CONFIDENCE) for i, ch in enumerate(text)]
        turns.append(Turn(role, role, t, t + dur, text, CONFIDENCE, words))
        t += dur + GAP
    return turns


def _transcript(call_id: str, lines: list[tuple[str, str]]) -> Transcript:
    turns = _turns(lines)
    return Transcript(
        call_id=call_id, source="qa_bench", duration=turns[-1].end + 0.5, channels=2, separation="stereo",
        turns=turns, models={}, timings={},
        roles=RoleDecision({"agent": "agent", "customer": "customer"}, 1.0, ["qa_bench"]),
    )


@dataclass(frozen=True)
class BenchCall:
    """A synthetic call and which of its turns holds the tested line (None: control call)."""

    transcript: Transcript
    tested: int | None
    slot: str  # "violation", "control" or a presence category


def build_call(entry: BenchEntry | None, slot: str = "violation", text: str | None = None) -> BenchCall:
    """The call that tests ``entry`` for ``slot``: "violation" puts the line in the middle of an
    otherwise clean call; a presence category puts it in that item's slot instead of the
    filler. ``entry=None`` gives the control call (fillers only)."""
    lines = [FILLERS[k] for k in SKELETON]
    if entry is None:
        return BenchCall(_transcript("qa_bench-control", lines), None, "control")
    line = (entry.role, entry.text if text is None else text)
    if slot == "violation":
        before, after = AROUND[entry.role]
        at = SKELETON.index("ack") + 1
        lines[at:at] = [before, line, after]
        tested = at + 1
    elif slot in SLOT_OF:
        tested = SKELETON.index(SLOT_OF[slot])
        lines[tested] = line
    else:
        raise ValueError(f"unknown slot {slot!r}")
    return BenchCall(_transcript(f"qa_bench-{entry.id}-{slot}", lines), tested, slot)


# ---- evaluation ------------------------------------------------------------------------------
@dataclass
class CategoryStats(Confusion):
    category: str
    covered: bool  # the rubric has an item of this category
    false_positives: list[str] = field(default_factory=list)  # entry ids
    false_negatives: list[str] = field(default_factory=list)

    def add(self, entry_id: str, truth: bool, predicted: bool) -> None:
        self.count(truth, predicted)
        if truth and not predicted:
            self.false_negatives.append(entry_id)
        elif predicted and not truth:
            self.false_positives.append(entry_id)


@dataclass
class BenchResult:
    categories: dict[str, CategoryStats]
    fatal_on_hard_negatives: list[str]  # ids of hard-negative entries whose calls got a fatal flag
    fatal_hinted: int  # entries with severity_hint: fatal
    fatal_caught: int  # ... whose tested line got a fatal flag
    control_flags: list[str]  # measured-category flags raised on the control call (should be none)
    calls: int
    call_ms: list[float]

    @property
    def ms_per_call(self) -> float:
        return statistics.fmean(self.call_ms) if self.call_ms else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.call_ms) if self.call_ms else 0.0

    @property
    def fatal_recall(self) -> float:
        return self.fatal_caught / self.fatal_hinted if self.fatal_hinted else 1.0

    def failures(self, target: float = 0.9) -> list[str]:
        """What misses the issue-9 targets, one line each (empty: all met)."""
        out = [
            f"{c}: precision {s.precision:.2f} recall {s.recall:.2f}"
            for c, s in self.categories.items() if s.precision < target or s.recall < target
        ]
        if self.fatal_on_hard_negatives:
            out.append(f"fatal flags on hard negatives: {', '.join(self.fatal_on_hard_negatives)}")
        if self.control_flags:
            out.append(f"control call flagged: {', '.join(self.control_flags)}")
        return out


def _overlaps(flag, turn: Turn) -> bool:
    return flag.start < turn.end + 1e-6 and flag.end > turn.start - 1e-6


def _score(call: BenchCall, rubric: Rubric, times: list[float]) -> Scorecard:
    t0 = time.perf_counter()
    card = score_transcript(call.transcript, rubric)
    times.append((time.perf_counter() - t0) * 1000)
    return card


def _fatal(card: Scorecard) -> bool:
    """A fatal violation flag (a fatal missing-item flag is the slot's legitimate outcome)."""
    return any(f.severity == "fatal" and f.category not in PRESENCE for f in card.flags)


def detected(card: Scorecard, call: BenchCall, category: str) -> bool:
    """Whether the engine saw ``category`` in the tested line of ``call``: a violation flag on the
    tested turn, or an item of the category sent to a human about that turn (a line that alone
    is too weak to flag a call, qa/review.py: whether one line flags a call is a call-level
    decision, measured on whole calls), or (presence) the item passed: neither flagged missing
    nor left to a human."""
    if category in PRESENCE:
        return not any(f.category == category for f in card.flags) and not any(
            i.category == category and i.outcome == "review" for i in card.items)
    turn = call.transcript.turns[call.tested]
    return any(f.category == category and _overlaps(f, turn) for f in card.flags) or any(
        i.category == category and i.outcome == "review" and i.at is not None
        and turn.start - 1e-6 <= i.at <= turn.end + 1e-6 for i in card.items)


def evaluate(entries: list[BenchEntry], rubric: Rubric) -> BenchResult:
    """Score every entry's calls with ``rubric`` and tally detection per measured category."""
    have = {it.category for it in rubric.items}
    stats = {c: CategoryStats(c, c in have) for c in MEASURED}
    times: list[float] = []
    fatal_neg: list[str] = []
    hinted = caught = calls = 0

    control = build_call(None)
    card = _score(control, rubric, times)
    calls += 1
    control_flags = sorted({f.category for f in card.flags if f.category in MEASURED})

    for e in entries:
        call = build_call(e, "violation")
        card = _score(call, rubric, times)
        calls += 1
        fatal = _fatal(card)
        turn = call.transcript.turns[call.tested]
        if e.severity_hint == "fatal":
            hinted += 1
            caught += any(f.severity == "fatal" and _overlaps(f, turn) for f in card.flags)
        for c in VIOLATION:
            stats[c].add(e.id, c in e.labels, detected(card, call, c))
        if e.presence_scope:
            for c in PRESENCE:
                pcall = build_call(e, c)
                pcard = _score(pcall, rubric, times)
                calls += 1
                fatal = fatal or _fatal(pcard)
                stats[c].add(e.id, c in e.labels, detected(pcard, pcall, c))
        if e.hard_negative and fatal:
            fatal_neg.append(e.id)
    return BenchResult(stats, fatal_neg, hinted, caught, control_flags, calls, times)
