"""Rubric files: a versioned list of scored items, each with one rule.

Files are YAML; every validation error names the file and the line of the offending item.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError

Severity = Literal["info", "minor", "major", "fatal"]
Role = Literal["agent", "customer", "any"]
MatchMode = Literal["exact", "pinyin", "fuzzy"]
CATEGORIES = {
    "missing_greeting", "missing_badge", "missing_verification", "missing_closing", "missing_survey",
    "forbidden_phrase", "dead_air", "overtalk", "speech_rate", "raised_voice", "customer_complaint",
    "customer_anger", "agent_negative", "agent_care", "pii", "short_call", "repeat_call", "script",
}


class RubricError(InputError):
    """A rubric file is malformed; the message names the file and line."""


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_regex(pattern: str | None) -> str | None:
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regex {pattern!r}: {exc}") from None
    return pattern


class KeywordRule(_Rule):
    type: Literal["keyword"]
    phrases: list[str] = Field(min_length=1)
    match: Literal["any", "all", "at_least", "none"] = "any"
    n: int = 1
    exclude: list[str] = []  # a hit inside a turn that also contains one of these does not count
    mode: MatchMode = "pinyin"


class RegexRule(_Rule):
    type: Literal["regex"]
    pattern: str
    exclude_pattern: str | None = None
    _v = field_validator("pattern", "exclude_pattern")(_check_regex)


class ProximityRule(_Rule):
    type: Literal["proximity"]
    a: list[str] = Field(min_length=1)
    b: list[str] = Field(min_length=1)
    within_chars: int | None = None
    within_seconds: float | None = None
    mode: MatchMode = "pinyin"

    @model_validator(mode="after")
    def _one_distance(self):
        if self.within_chars is None and self.within_seconds is None:
            raise ValueError("proximity needs within_chars or within_seconds")
        return self


class SequenceRule(_Rule):
    """``first`` must come before ``then`` (e.g. identity check before account details)."""

    type: Literal["sequence"]
    first: list[str] = Field(min_length=1)
    then: list[str] = Field(min_length=1)
    mode: MatchMode = "pinyin"


class SimilarityRule(_Rule):
    """A turn that says something like one of ``examples`` (character n-gram or pinyin similarity)."""

    type: Literal["similarity"]
    examples: list[str] = Field(min_length=1)
    threshold: float = Field(0.6, gt=0, le=1)
    method: Literal["ngram", "pinyin"] = "pinyin"


class SilenceRule(_Rule):
    type: Literal["silence"]
    max_seconds: float = 10.0
    hold_phrases: list[str] = []
    max_hold_seconds: float = 10.0  # allowance after the agent announced a hold (请稍等…)


class OvertalkRule(_Rule):
    """One party starts talking (more than a backchannel) while the other is still speaking."""

    type: Literal["overtalk"]
    by: Literal["agent", "customer"] = "agent"
    min_seconds: float = 0.8  # shorter overlaps do not count


class SpeechRateRule(_Rule):
    type: Literal["speech_rate"]
    max_chars_per_sec: float = 6.5
    min_turn_seconds: float = 3.0  # judge only turns at least this long


class CallLengthRule(_Rule):
    type: Literal["call_length"]
    min_seconds: float = 20.0


class RaisedVoiceRule(_Rule):
    type: Literal["raised_voice"]
    db_above_baseline: float = 8.0


class EmotionRule(_Rule):
    type: Literal["emotion"]
    level: Literal["negative", "angry"] = "angry"


class AgentCareRule(_Rule):
    """Customer insults aimed at the agent: flagged for the supervisor, not the agent's score."""

    type: Literal["agent_care"]
    insults: list[str] = Field(min_length=1)
    mode: MatchMode = "pinyin"


class PiiRule(_Rule):
    type: Literal["pii"]


RULE_MODELS = (
    KeywordRule, RegexRule, ProximityRule, SequenceRule, SimilarityRule, SilenceRule, OvertalkRule,
    SpeechRateRule, CallLengthRule, RaisedVoiceRule, EmotionRule, AgentCareRule, PiiRule,
)
Rule = Annotated[Union[RULE_MODELS], Field(discriminator="type")]  # type: ignore[valid-type]
RULE_TYPES = sorted(m.model_fields["type"].annotation.__args__[0] for m in RULE_MODELS)


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first: float | None = None  # only the first N seconds of the call
    last: float | None = None  # only the last N seconds


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    category: str
    severity: Severity
    points: float = Field(ge=0)
    role: Role = "agent"
    window: Window | None = None
    # present: the call fails the item when the rule finds nothing;
    # absent: every finding is a violation (points per finding, capped at max_deduction)
    expect: Literal["present", "absent"] = "absent"
    max_deduction: float | None = None
    scored: bool = True  # False: flag only (e.g. agent_care is not the agent's fault)
    rule: Rule

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"unknown category {v!r} (one of {', '.join(sorted(CATEGORIES))})")
        return v


class WarningLevels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level3_complaint_risk: float = 0.7  # or any fatal item, or an agent_care flag
    level2_score_below: float = 80.0  # or any major flag
    level1_any_flag: bool = True  # any minor flag


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: int | str
    pass_mark: float = 80.0
    total: float = 100.0
    warning_levels: WarningLevels = WarningLevels()
    items: list[Item] = Field(min_length=1)
    source: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @model_validator(mode="after")
    def _unique_ids(self):
        seen = set()
        for it in self.items:
            if it.id in seen:
                raise ValueError(f"duplicate item id {it.id!r}")
            seen.add(it.id)
        return self


def _item_lines(text: str) -> dict[int, int]:
    """Line number (1-based) of each entry of the top-level ``items`` list."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    lines = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "items" and isinstance(value, yaml.SequenceNode):
                for i, node in enumerate(value.value):
                    lines[i] = node.start_mark.line + 1
    return lines


def parse_rubric(text: str, source: str) -> Rubric:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise RubricError(source, f"{where}malformed YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise RubricError(source, "line 1: a rubric is a mapping with name, version and items")
    if not isinstance(data.get("items"), list):
        raise RubricError(source, "line 1: missing 'items' list")
    for i, item in enumerate(data["items"]):  # a clearer message than pydantic's for the common slip
        if isinstance(item, dict) and "points" not in item:
            line = _item_lines(text).get(i, "?")
            raise RubricError(source, f"line {line}: item {item.get('id', i)!r}: missing 'points' (weight)")
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        line = 1
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            line = _item_lines(text).get(loc[1], 1)
        what = ".".join(str(x) for x in loc)
        msg = err["msg"]
        if err["type"] == "union_tag_invalid":
            msg = f"unknown rule type {err.get('input', {}).get('type') if isinstance(err.get('input'), dict) else ''!r} (one of {', '.join(RULE_TYPES)})"
        raise RubricError(source, f"line {line}: {what}: {msg}") from None
    rubric.source = source
    return rubric


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load a rubric file, or the shipped default rubric when ``path`` is None."""
    if path is None:
        ref = resources.files("voiceqa.rubrics") / "default.yaml"
        return parse_rubric(ref.read_text(encoding="utf-8"), "default.yaml")
    path = Path(path)
    if not path.is_file():
        raise RubricError(path, "rubric file not found")
    return parse_rubric(path.read_text(encoding="utf-8"), str(path))
