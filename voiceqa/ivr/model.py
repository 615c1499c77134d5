"""IVR flow files: nodes, transitions (every edge is a ``next:`` key), prompts with variables.

A flow is YAML in ``ivr_flows/NAME.yaml``; ``voiceqa ivr schema`` writes the JSON Schema that
editors use to validate it.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..text.patterns import check_regex


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Option(_M):
    """One menu choice, reachable by key and/or by spoken intent."""

    key: str | None = None  # DTMF digit
    intent: str | None = None  # intent name (for reports)
    label: str = ""  # how the prompt names it
    keywords: list[str] = []  # words/synonyms that select it when spoken
    examples: list[str] = []  # example utterances for similarity matching
    next: str


class Reprompts(_M):
    """Escalating prompts: the n-th no-input (or no-match) plays the n-th entry (the last repeats)."""

    no_input: list[str] = []
    no_match: list[str] = []


class Edge(_M):
    next: str


class Menu(_M):
    type: Literal["menu"]
    prompt: str
    prompt_audio: str | None = None  # recorded prompt (path relative to the flow file); `ivr check-prompts`
    prompt_elderly: str | None = None  # slower, shorter wording for elderly callers
    options: list[Option] = Field(min_length=1)
    reprompts: Reprompts = Reprompts()
    max_no_input: int = Field(3, ge=1)
    max_no_match: int = Field(3, ge=1)
    timeout_s: float = Field(5.0, gt=0)
    fallback: Edge | None = None  # where to go after too many failures
    barge_in: bool = True
    # asked when two options fit the caller's words about equally well
    disambiguate: str = "请问您是要{first}，还是{second}？"


class Validation(_M):
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=1)
    pattern: str | None = None
    checksum: Literal["luhn", "id_card", "mobile"] | None = None

    _compiles = field_validator("pattern")(check_regex)


class Collect(_M):
    type: Literal["collect"]
    prompt: str
    prompt_audio: str | None = None
    prompt_elderly: str | None = None
    variable: str
    input: Literal["digits", "speech", "any"] = "any"
    validation: Validation = Validation()
    confirm: str | None = None  # e.g. "您输入的是{value}，确认请按1，重新输入请按2"
    confirm_unclear: str = "请说“对”或“不对”，或者按键选择。"  # when the answer is neither yes nor no
    invalid_prompt: str = "输入有误，请重新输入。"
    max_attempts: int = Field(3, ge=1)
    timeout_s: float = Field(8.0, gt=0)
    on_success: Edge
    on_failure: Edge


class Play(_M):
    type: Literal["play"]
    prompt: str
    prompt_audio: str | None = None
    prompt_elderly: str | None = None
    next: str


class Branch(_M):
    when: str  # expression over variables and the caller profile, e.g. "profile.vip", "hours.open"
    next: str


class Condition(_M):
    type: Literal["condition"]
    branches: list[Branch] = Field(min_length=1)
    default: Edge


class SetVars(_M):
    type: Literal["set"]
    values: dict[str, str | int | float | bool]
    next: str


class Transfer(_M):
    type: Literal["transfer"]
    queue: str
    skill: str | None = None
    prompt: str = "正在为您转接，请稍候。"
    prompt_audio: str | None = None
    reason: str = ""


class Hangup(_M):
    type: Literal["hangup"]
    prompt: str = "感谢您的来电，再见。"
    prompt_audio: str | None = None
    resolved: bool = True  # the call ended in self-service (counts towards containment)


class Goto(_M):
    type: Literal["goto"]
    flow: str | None = None  # another flow file in the same folder (sub-flow); None = this flow
    node: str | None = None
    next: str | None = None  # where to resume when the sub-flow returns


class Return(_M):
    type: Literal["return"]


Node = Annotated[
    Union[Menu, Collect, Play, Condition, SetVars, Transfer, Hangup, Goto, Return],
    Field(discriminator="type"),
]


class BusinessHours(_M):
    open: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    close: str = Field("20:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = [1, 2, 3, 4, 5, 6, 7]  # ISO weekday numbers
    holidays: list[Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]] = []  # YYYY-MM-DD: closed


class GlobalCommands(_M):
    agent: Edge | None = None  # 0 / 人工 / 转人工
    agent_keys: list[str] = ["0"]
    agent_words: list[str] = ["人工", "转人工", "人工服务", "真人", "找客服", "转客服", "接客服"]  # not bare 客服: 投诉客服 is a complaint
    # example requests for a person, matched by meaning; empty by default: an out-of-scope
    # request looks more like "let me talk to someone" than like any option
    agent_examples: list[str] = []
    back_keys: list[str] = ["*"]
    back_words: list[str] = ["返回", "上一级"]
    repeat_keys: list[str] = ["#"]
    repeat_words: list[str] = ["重听", "再说一遍"]


class Flow(_M):
    name: str
    description: str = ""
    start: str
    # caller understanding (voiceqa.ivr.understand): sentence encoder (e5 / use / local path;
    # default $VOICEQA_IVR_ENCODER, then the project default), minimum meaning similarity and
    # the score gap below which the caller is asked to choose; None = the encoder's calibration
    encoder: str | None = None
    meaning_threshold: float | None = Field(None, ge=-1, le=1)
    ambiguity_margin: float | None = Field(None, ge=0, le=1)
    # attach the phrases of common call-centre intents (voiceqa/ivr/knowledge/intents.yaml) to
    # options that offer them, so callers are understood in words the author did not write
    phrase_knowledge: bool = True
    # the old character-similarity threshold; no longer used (its 0.6 would be far too low a
    # cosine for e5): accepted so old flows load, reported by lint
    intent_threshold: float | None = Field(None, deprecated=True)
    hours: BusinessHours = BusinessHours()
    globals: GlobalCommands = GlobalCommands()
    variables: dict[str, str | int | float | bool] = {}
    # declared caller-profile fields and their types: lint type-checks `profile.*` in conditions
    profile: dict[str, Literal["bool", "int", "float", "str"]] = {}
    nodes: dict[str, Node]


def edges(node) -> list[tuple[str, str]]:
    """(label, target) for every transition out of a node, each named by a ``next:`` key."""
    if isinstance(node, Menu):
        out = [(f"option:{o.key or o.intent or o.label}", o.next) for o in node.options]
        if node.fallback:
            out.append(("fallback", node.fallback.next))
        return out
    if isinstance(node, Collect):
        return [("success", node.on_success.next), ("failure", node.on_failure.next)]
    if isinstance(node, (Play, SetVars)):
        return [("next", node.next)]
    if isinstance(node, Condition):
        return [(f"when:{b.when}", b.next) for b in node.branches] + [("default", node.default.next)]
    if isinstance(node, Goto):
        out = []
        if node.node and not node.flow:
            out.append(("goto", node.node))
        if node.next:
            out.append(("resume", node.next))
        return out
    return []
