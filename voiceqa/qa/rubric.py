"""Rubric files: a versioned list of scored items, each with one rule.

Files are YAML; every validation error names the file and the line of the offending item.
Phrase knowledge lives in data, never in Python: a rubric names lexicon files (``lexicons:``)
whose lists rules use as ``"@list_name"`` entries, and which also hold the emotion lexicons,
negation cues and role cues. The lexicons' content is part of the rubric's label
(``name@version+hash``), so changing a word list is a new rubric version for rescoring.
"""
from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import RubricError
from ..text.lexicon import LEXICON_DIR, Lexicon, LexiconError, read_lexicon
from ..text.patterns import check_regex
from .categories import CATEGORIES
from .reported import frame_pattern

Severity = Literal["info", "minor", "major", "fatal"]
Role = Literal["agent", "customer", "any"]
MatchMode = Literal["exact", "pinyin", "fuzzy"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _OwnWords(_Rule):
    """Options of violation rules that judge the speaker's own words (qa/reported.py)."""

    # a frame of reported speech (a speaker other than the agent and a verb of saying: 司机说,
    # 商家回您那句, 您刚才说): a match or clause mostly inside the scope it opens (to the clause end,
    # or a quotation's close), or inside a quotation, is someone else's words and does not count
    reported_speech: str | None = None
    # ... unless the turn goes on to endorse them (别人说您难缠，我看一点都没说错)
    endorsed: list[str] = []
    _rs = field_validator("reported_speech")(check_regex)


class _PhraseOptions(_OwnWords):
    mode: MatchMode = "pinyin"
    # words of up to 3 characters must be whole words of the sentence (jieba): 滚 is not in 滚动
    whole_words: bool = True
    # a negation cue just before the phrase in its clause cancels it (没有要投诉的意思)
    negation: bool = True
    # a hit in a clause that also contains one of these does not count (如果您还有不清楚的地方)
    exclude: list[str] = []
    # ... also when the context words were misheard (我真寺个笨蛋: 我真是), read by sound
    exclude_by_sound: bool = False
    # ... nor a hit in a turn that contains one of these anywhere (我想给你们领导反映一下，小王服务特别好)
    exclude_turn: list[str] = []
    # ... nor a hit whose speaker's next turn (after at most one reply of the other side) contains one
    # of these: a limit stated, then a concrete way forward right after the caller's objection
    # (确实没办法直接退 / 我都不知道 / 不过有个办法…帮您申请返还) is not a bare refusal
    exclude_next_turn: list[str] = []
    # a two-character phrase heard by sound does not count where the written characters are one
    # dictionary word of their own (晚上 heard as 网上, 老伴 as 老板, 领到 as 领导): the recogniser
    # writes real words, so a real word at that spot is what was said (text/phrases.py)
    written_words: bool = False
    # ... unless the written word comes right after one of these (你个|白吃, 你就是个|笨单: an insult
    # addressed to the listener is more than a sound)
    written_words_after: list[str] = []
    # a hit of two characters or more right before one of these is another word misheard (你妈|那边:
    # 你们 heard as 你妈), not the phrase
    followed_not: list[str] = []


class KeywordRule(_PhraseOptions):
    """Phrases said in the item's role and window.

    match: ``any`` phrase is a finding; ``all`` phrases must occur; ``at_least`` n different
    phrases; ``none``: the call has a finding (the whole item's span) when no phrase occurs
    at all (for ``expect: absent`` items: "the agent never said any of these")."""

    type: Literal["keyword"]
    phrases: list[str] = Field(min_length=1)
    # false: the phrases are not sentences the rubric knows (semantic counter-evidence and
    # classifier negatives of every other rule), so adding such a list leaves meaning alone
    known: bool = True
    match: Literal["any", "all", "at_least", "none"] = "any"
    n: int = 1


def _pattern_list(v: str | list[str] | None) -> list[str]:
    """One pattern or a list of them (or none), as a list."""
    return [v] if isinstance(v, str) else list(v or [])


class RegexRule(_OwnWords):
    type: Literal["regex"]
    pattern: str
    # the turns to leave alone: one pattern or a list of them (named with YAML anchors, so a rule
    # can reuse several shared exclusions without copying them into one pattern)
    exclude_pattern: str | list[str] | None = None
    # matched by sound: a second pattern tried on the text in which every Chinese character
    # that sounds like (same folded toneless pinyin as) a character written in this pattern is
    # read as that character (Whisper's 我实/涡是 for 我是, 攻号 for 工号, 三一四好 for 三一四号).
    # Write here only structures that stay specific when their cue words are misheard.
    sound_pattern: str | None = None
    # ... and a match is also left alone when the same speaker's next turn (after the other side's
    # reply) matches one of these: a limit stated in one turn and the way forward offered right after
    # the caller's objection (按条款这次赔不了 / 那怎么办 / 您可以申请复核) is not a bare refusal
    exclude_next_turn: str | list[str] | None = None
    _v = field_validator("pattern", "sound_pattern")(check_regex)

    @field_validator("exclude_pattern", "exclude_next_turn")
    @classmethod
    def _excl(cls, v):
        for x in _pattern_list(v):
            check_regex(x)
        return v

    def exclusions(self) -> list[str]:
        return _pattern_list(self.exclude_pattern)

    def next_turn_exclusions(self) -> list[str]:
        return _pattern_list(self.exclude_next_turn)


class ProximityRule(_PhraseOptions):
    """A phrase of ``a`` with a phrase of ``b`` near it (e.g. a regulator named next to an
    intent to go there: 我要去|消协); both found as words, outside negation and exclusions."""

    type: Literal["proximity"]
    a: list[str] = Field(min_length=1)
    b: list[str] = Field(min_length=1)
    within_chars: int | None = None
    within_seconds: float | None = None
    # false: a pair whose two words were both only heard by sound (neither written as a phrase of
    # its list), the ``a`` word of two characters, does not count: an ordinary clause sounds like a
    # short target and an intent (没提…交 heard as 媒体…叫) more often than both are misheard; a
    # longer target heard by sound (民杭局…申肃) still counts
    heard_pair: bool = True

    @model_validator(mode="after")
    def _one_distance(self):
        if self.within_chars is None and self.within_seconds is None:
            raise ValueError("proximity needs within_chars or within_seconds")
        return self


class AccountDisclosure(_Rule):
    """A specific detail of a determinate account, said as fact: ``owner`` (whose account: 您的,
    你家, 这户, 那一单, 尾号…的卡, 老人家) followed within ``within_chars`` characters of its
    sentence by ``detail`` (an amount, a date or a state with a disclosure verb: 还剩…, 一直没缴,
    是三年前装的, 已经退到). Not when the stretch from the owner's clause to the detail's holds one
    of ``generic`` (a rule or a hypothetical: 一般, 都是, 如果, 按规定; a question: 对吧, 吗), nor when
    the sentence is a question, nor when the detail's figure was said by the caller first (the agent
    repeating it back: 您家三百兆的宽带 after 我家宽带三百兆的)."""

    owner: str
    detail: str
    within_chars: int = Field(24, ge=0)
    generic: list[str] = []
    _v = field_validator("owner", "detail")(check_regex)


class SequenceRule(_PhraseOptions):
    """``first`` must come before ``then`` (e.g. identity check before account details).

    With ``near``, a ``first`` phrase counts only when one of the ``near`` phrases is said
    within ``within_chars`` characters of it in the same turn: an identity word is a check
    only when the agent asks for it (麻烦报一下|身份证后四位), not when it is mentioned
    (身份证丢了可以补办). ``exclude`` and ``negation`` apply to ``first`` as for keywords.
    ``then_pattern`` finds what must come later by structure too (an amount read out of the
    caller's account in any words: 您这个月话费是八十六块), besides the ``then`` phrases.
    ``first_pattern`` finds a check by structure, with no ``near`` needed: one reported as done
    (已通过语音验证, 信息核对无误) or asked without a listed identity word (核对一下您的信息);
    ``exclude`` in its clause voids it too. ``then_not``: a ``then`` hit in a clause holding one
    of these words is not account information given out (您打开App就能看到您的账单 points the
    caller to their own app). ``then_semantic``: a nested ``semantic`` rule whose findings count
    as ``then`` too (the account read out or acted on in words no phrase or pattern knows); its
    examples are embedded with the rubric's other semantic rules (``leaf_rules``) and ``then_not``
    applies to its clauses as to the patterns'. ``first_sound_pattern``: a check found by
    structure also when its cue words were misheard (核时一下您的信息 for 核实), tried by sound on
    turns where ``first_pattern`` found nothing, as ``RegexRule.sound_pattern``.
    ``then_account``: a ``then`` by structure for accounts named by their object as well as by 您
    (``AccountDisclosure``: 那条宽带是三年前装的, 七号楼…这户，物业费…一直没缴, 那一单…已经退到钱包);
    ``then_not`` voids it in the clauses from owner to detail. Findings name
    the kind of rule that found them (keyword, regex, semantic), so an item's ``corroborate``
    can send a meaning-only ``then`` to review."""

    type: Literal["sequence"]
    first: list[str] = Field(min_length=1)
    then: list[str] = Field(min_length=1)
    then_pattern: str | None = None
    first_pattern: str | None = None
    first_sound_pattern: str | None = None
    then_semantic: "SemanticRule | None" = None
    then_account: AccountDisclosure | None = None
    then_not: list[str] = []
    near: list[str] = []
    within_chars: int = Field(12, ge=0)
    _v = field_validator("then_pattern", "first_pattern", "first_sound_pattern")(check_regex)

    @model_validator(mode="after")
    def _then_not_covers_meaning(self):
        """``then_not`` is context for the meaning route too: its words join the nested rule's
        ``exclude`` once, here, so the rule evaluated is one object (its caches hold)."""
        sem = self.then_semantic
        if sem is not None and self.then_not:
            words = list(dict.fromkeys([*sem.exclude, *self.then_not]))
            if words != sem.exclude:
                object.__setattr__(self, "then_semantic", sem.model_copy(update={"exclude": words}))
        return self


class SemanticRule(_OwnWords):
    """A clause that means what one of ``examples`` means and is not nearer to one of
    ``counter_examples`` (sentence embeddings). Decision per clause of each turn:
    best example similarity >= ``min_similarity`` and (best example - best counter-example)
    >= ``margin``; unset thresholds come from the rubric's ``semantic`` calibration for its
    encoder. With ``negation`` on, a clause and its nearest example must agree on negation
    (embeddings put 我要投诉 and 我不投诉 close together)."""

    type: Literal["semantic"]
    examples: list[str] = Field(min_length=1)
    counter_examples: list[str] = []
    # this rule's own hard negatives: counter-evidence for its nearest-meaning test and
    # negatives of its classifier, like counter_examples, but private: no other rule competes
    # with them or trains on them, and the respelling vocabulary does not learn their words
    # (calm problem reports argue against anger, not against the survey invitation)
    negatives: list[str] = []
    # per-rule thresholds: a number, or per encoder ({use: 0.5}: other encoders keep the
    # rubric's calibration, since similarities are on different scales per encoder)
    min_similarity: float | dict[str, float] | None = None
    margin: float | dict[str, float] | None = None
    negation: bool = True
    # a clause holding one of these context words is not judged (如果您还有不清楚的地方 / 您不知道
    # 在哪的话: conditional offers of help, not refusals), as for keyword rules
    exclude: list[str] = []
    # ... also when a context word is misheard (侠死我了 for 吓死我了), as for keyword rules
    exclude_by_sound: bool = False
    # ... and a turn holding one of these is not judged at all (这个我们这边办不了，我帮您转到专门
    # 的部门: a refusal with an alternative offered is not a refusal)
    exclude_turn: list[str] = []
    min_chars: int = Field(4, ge=1)  # shorter clauses (喂，请讲) carry too little meaning to judge
    label: str = ""  # names the finding (e.g. refusal), shown in the flag's rule id
    # how a clause is judged (unset: the rubric's ``semantic.decision``):
    #   nearest    - the nearest-example test above;
    #   classifier - a logistic regression on the encoder's vectors, trained on the rubric's own
    #                sentences (examples vs everything else it knows; qa/meaning.py):
    #                P >= min_probability;
    #   either     - nearest, or classifier when the best example similarity is at least
    #                ``min_similarity`` - ``classifier_slack`` (generalises past the nearest example);
    #   both       - nearest and classifier (fewer false matches).
    decision: Literal["nearest", "classifier", "either", "both"] | None = None
    min_probability: Annotated[float, Field(gt=0, lt=1)] | dict[str, Annotated[float, Field(gt=0, lt=1)]] | None = None
    # ids of items whose examples are not counter-evidence for this rule (an angry customer
    # also threatens to complain: the complaint item's examples do not argue against anger)
    compatible: list[str] = []


def threshold_for(value: float | dict[str, float] | None, encoder_name: str, default: float) -> float:
    """A rule's threshold for ``encoder_name``: the number, the entry whose key the encoder's
    name starts with, or ``default`` (the rubric's calibration)."""
    if value is None:
        return default
    if isinstance(value, dict):
        return next((v for k, v in value.items() if encoder_name.startswith(k)), default)
    return float(value)


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
    max_hold_seconds: float = 60.0  # allowance after the agent announced a hold (请稍等…)


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
    # turns holding one of these words are not judged (an agent naming the caller's feeling:
    # 确实让人窝火，我完全理解)
    exclude_turn: list[str] = []


class AgentCareRule(_PhraseOptions):
    """Customer insults aimed at the agent: flagged for the supervisor, not the agent's score."""

    type: Literal["agent_care"]
    insults: list[str] = Field(min_length=1)


class PiiRule(_Rule):
    type: Literal["pii"]


class AnyOfRule(_Rule):
    """Findings of every sub-rule together: exact words where they are reliable (a badge
    number regex, 您好) with a ``semantic`` rule for everything else said in other words."""

    type: Literal["any_of"]
    rules: list["Rule"] = Field(min_length=1)


RULE_MODELS = (
    KeywordRule, RegexRule, ProximityRule, SequenceRule, SemanticRule, SimilarityRule, SilenceRule, OvertalkRule,
    SpeechRateRule, CallLengthRule, RaisedVoiceRule, EmotionRule, AgentCareRule, PiiRule, AnyOfRule,
)
Rule = Annotated[Union[RULE_MODELS], Field(discriminator="type")]  # type: ignore[valid-type]
AnyOfRule.model_rebuild()
SequenceRule.model_rebuild()
RULE_TYPES = sorted(m.model_fields["type"].annotation.__args__[0] for m in RULE_MODELS)


def item_phrases(item) -> tuple[str, ...]:
    """Every phrase and example an item's rules look for (what the item "means")."""
    out: list[str] = []
    for r in leaf_rules(item.rule):
        if getattr(r, "known", True) is False:
            continue
        for key in ("phrases", "examples", "insults"):
            out.extend(getattr(r, key, None) or [])
    return tuple(out)


def leaf_rules(rule) -> list:
    """The rule itself, or the sub-rules of an ``any_of`` (depth first); a ``sequence`` with a
    ``then_semantic`` rule is followed by it (its examples are sentences the rubric knows)."""
    if isinstance(rule, AnyOfRule):
        return [leaf for r in rule.rules for leaf in leaf_rules(r)]
    if isinstance(rule, SequenceRule) and rule.then_semantic is not None:
        return [rule, rule.then_semantic]
    return [rule]


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first: float | None = None  # only the first N seconds of the call
    last: float | None = None  # only the last N seconds
    # ... and only the last share of the call (0.5: its second half): in a short call the last
    # 60 s reach back to the opening, and an opening offer of help is not the closing
    last_share: Annotated[float, Field(gt=0, le=1)] | None = None

    def span(self, duration: float) -> tuple[float, float]:
        """The part of a call of ``duration`` seconds the window covers."""
        start, end = 0.0, duration
        if self.first is not None:
            end = min(self.first, duration)
        if self.last is not None:
            start = max(start, duration - self.last)
        if self.last_share is not None:
            start = max(start, duration * (1.0 - self.last_share))
        return start, end

    def holds(self, t: float, duration: float) -> bool:
        """Whether time ``t`` of a call of ``duration`` seconds is inside the window."""
        return t >= self.span(duration)[0] and (self.first is None or t <= self.first)


WORD_RULE_TYPES = ("keyword", "regex", "proximity")


class Reaction(BaseModel):
    """The other side's reaction that makes one weak line proof: what a QA listener trusts when
    the caller objects to *how the agent speaks* (什么态度, 别打断我, 你教训谁呢, 报一下你的工号)
    right after the line. ``rule`` (word rules only: keyword, regex, proximity, or an any_of of
    them) is looked for in ``role``'s turns; it counts only within the next ``within_turns`` turns
    of that role after the weak line, so a reaction never flags a line that had no finding and a
    caller who objects to a polite refusal raises nothing."""

    model_config = ConfigDict(extra="forbid")
    rule: "Rule"
    role: Role = "customer"
    within_turns: int = Field(2, ge=1, le=5)

    @field_validator("rule")
    @classmethod
    def _word_rules_only(cls, v):
        bad = [r.type for r in leaf_rules(v) if r.type not in WORD_RULE_TYPES]
        if bad:
            raise ValueError(f"a reaction is found by word rules ({', '.join(WORD_RULE_TYPES)}), not {bad[0]!r}")
        return v


class Corroboration(BaseModel):
    """When one line is not proof. A violation found only by ``weak`` kinds of rule (by default
    ``semantic``: the line merely resembles an example) on fewer than ``min_turns`` turns goes
    to a human (outcome ``review``, nothing deducted, the line's time and quote in the note)
    instead of being flagged. The same meaning on several turns, or a finding of any other kind
    of rule (a keyword, a pattern, the emotion classifier), is corroboration and flags as usual.
    Behaviour that shows in tone (anger, rudeness) rarely shows in one line only, while one line
    that sits near an example is the commonest false flag on calls nobody here wrote."""

    model_config = ConfigDict(extra="forbid")
    weak: list[str] = ["semantic"]
    min_turns: int = Field(2, ge=2)
    # the other side reacting to the weak line's manner corroborates it on one line (qa/review.py)
    reaction: Reaction | None = None

    @field_validator("weak")
    @classmethod
    def _known_types(cls, v: list[str]) -> list[str]:
        bad = [t for t in v if t not in RULE_TYPES]
        if bad:
            raise ValueError(f"unknown rule type {bad[0]!r} (one of {', '.join(RULE_TYPES)})")
        return v


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
    corroborate: Corroboration | None = None  # absent items: weak evidence alone goes to review
    # present items: a looser rule (rating words outside their look-alikes) that, finding
    # something when ``rule`` found nothing, suggests the item was said in words the rubric does
    # not know (评价 in 给十一号点个评价): the outcome is review, not a deduction (qa/review.py)
    maybe_said: Rule | None = None
    rule: Rule

    @model_validator(mode="after")
    def _options_fit_expect(self):
        if self.corroborate is not None and self.expect != "absent":
            raise ValueError("corroborate applies to expect: absent items only")
        if self.maybe_said is not None and self.expect != "present":
            raise ValueError("maybe_said applies to expect: present items only")
        return self

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
    level1_any_flag: bool = True  # any minor flag, or any item left to a human (outcome review)


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_similarity: float = Field(gt=0, le=1)
    margin: float = Field(ge=-1, le=1)
    min_probability: float = Field(0.5, gt=0, lt=1)  # classifier decision (qa/meaning.py)
    classifier_slack: float = Field(0.1, ge=0, le=1)  # `either`: how far below min_similarity
    # `both`: a clause the classifier is this sure of matches without the nearest test (1 = never)
    sure_probability: float = Field(1.0, gt=0, le=1)
    # ... but not when the clause is nearer than this to a sentence that means something else
    # (a counter-example, another item's example, background talk) than to the rule's nearest
    # example: the classifier generalises, it does not overrule a closer known meaning (unset: no check)
    sure_counter_slack: float | None = Field(None, ge=0, le=1)


class SemanticSettings(BaseModel):
    """Which sentence encoder ``semantic`` rules use, and its thresholds. Similarities are on
    different scales per encoder (e5-small's crowd into 0.8-0.95), so each encoder has its own
    calibration; ``voiceqa rubric test`` measures them."""

    model_config = ConfigDict(extra="forbid")
    encoder: str = "use"
    decision: Literal["nearest", "classifier", "either", "both"] = "nearest"  # rules' default
    # undo ASR homophone slips before embedding: a clause's non-words that sound like words of
    # the rubric's own sentences are spelt as those words (qa/respell.py)
    respell: bool = True
    # ordinary call talk no item is about: a counter-example of every semantic rule, so a
    # clause must be nearer an item's examples than everyday business talk to match
    background: list[str] = []
    calibration: dict[str, Calibration] = {
        "use": Calibration(min_similarity=0.425, margin=0.02),
        "e5": Calibration(min_similarity=0.9, margin=0.0),
    }

    def thresholds(self, encoder_name: str) -> Calibration:
        for key, cal in self.calibration.items():
            if encoder_name == key or encoder_name.startswith(key):
                return cal
        return next(iter(self.calibration.values()), Calibration(min_similarity=0.425, margin=0.02))


class ReviewSettings(BaseModel):
    """When a required phrase is not found but the recognition in its window is doubtful,
    the item goes to a human (outcome ``review``) instead of costing points."""

    model_config = ConfigDict(extra="forbid")
    min_confidence: float = 0.4  # a turn (mean word probability) below this is doubtful
    min_chars_per_second: float = 1.0  # speech that produced less text than this is doubtful
    min_speech_seconds: float = 2.0  # ... when at least this much speech was heard


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: int | str
    pass_mark: float = 80.0
    total: float = 100.0
    warning_levels: WarningLevels = WarningLevels()
    lexicons: list[str] = []  # lexicon files (relative to the rubric, else the shipped ones)
    semantic: SemanticSettings = SemanticSettings()
    review: ReviewSettings = ReviewSettings()
    items: list[Item] = Field(min_length=1)
    source: str = ""
    lexicon: Lexicon = Field(default_factory=Lexicon, exclude=True)

    @property
    def label(self) -> str:
        """name@version+hash: the hash covers everything that decides a score (items, points,
        thresholds, windows, the lexicons' content, the encoder), so any edit of the rubric is a
        different rubric for batch and rescore even when ``version`` was not bumped."""
        return f"{self.name}@{self.version}+{self.fingerprint}"

    @property
    def fingerprint(self) -> str:
        # where the lexicon files live does not matter, only what they hold
        scoring = self.model_dump(mode="json", exclude={"name", "version", "source", "lexicon", "lexicons"})
        key = json.dumps([self.lexicon.fingerprint, scoring], sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]

    def semantic_rules(self) -> list[tuple[Item, SemanticRule]]:
        return [(it, r) for it in self.items for r in leaf_rules(it.rule) if isinstance(r, SemanticRule)]

    def semantic_background(self) -> tuple[str, ...]:
        """Everything a semantic rule's clause must be further from than from its own examples:
        the background talk and every semantic rule's examples and counter-examples (a rule
        drops its own examples)."""
        known = [x for _, r in self.semantic_rules() for x in (*r.examples, *r.counter_examples, *r.negatives)]
        # the exact phrases of keyword rules are sentences the rubric knows too (很高兴为您服务)
        phrases = [p for it in self.items for p in item_phrases(it) if len(p) >= 4]
        return tuple(dict.fromkeys([*self.semantic.background, *known, *phrases]))

    def nested_semantic_rules(self) -> list[SemanticRule]:
        """Semantic rules that are one side of another rule (a ``sequence``'s ``then_semantic``)."""
        return [it.rule.then_semantic for it in self.items
                if isinstance(it.rule, SequenceRule) and it.rule.then_semantic is not None]

    def private_sentences(self) -> frozenset[str]:
        """Sentences one rule owns and nothing else the rubric says: its ``negatives``, and the
        examples of a nested rule (account details read out are the later side of a sequence,
        not something said that other items' meanings compete with). Every other rule leaves
        them out of its counter-evidence and its classifier's training set, and the respelling
        vocabulary does not learn their words (measured: the verification examples as shared
        sentences moved refusal, tone and anger recall on several sets)."""
        nested = {id(r) for r in self.nested_semantic_rules()}
        own = {x for _, r in self.semantic_rules() for x in (*r.negatives, *(r.examples if id(r) in nested else ()))}
        shared = {x for _, r in self.semantic_rules() for x in ((*r.counter_examples,) if id(r) in nested else (*r.examples, *r.counter_examples))}
        shared |= set(self.semantic.background)
        shared |= {p for it in self.items for r in leaf_rules(it.rule) if id(r) not in nested and getattr(r, "known", True) is not False
                   for key in ("phrases", "examples", "insults") for p in (getattr(r, key, None) or [])}
        return frozenset(own - shared)

    def private_negatives(self) -> frozenset[str]:
        """The private sentences that are some rule's ``negatives`` (see ``private_sentences``)."""
        negatives = {x for _, r in self.semantic_rules() for x in r.negatives}
        return frozenset(x for x in self.private_sentences() if x in negatives)

    def phrases_of(self, item_ids: list[str] | tuple[str, ...]) -> frozenset[str]:
        """Every phrase and example of the items ``item_ids``."""
        return frozenset(p for it in self.items if it.id in item_ids for p in item_phrases(it))

    def respell_vocabulary(self):
        """The words clauses are respelt to before embedding (None when respelling is off)."""
        if not self.semantic.respell or not self.semantic_rules():
            return None
        from .respell import vocabulary

        private = self.private_sentences()
        return vocabulary(tuple(x for x in self.semantic_background() if x not in private))

    @model_validator(mode="after")
    def _unique_ids(self):
        seen = set()
        for it in self.items:
            if it.id in seen:
                raise ValueError(f"duplicate item id {it.id!r}")
            seen.add(it.id)
        for it, r in self.semantic_rules():
            unknown = [c for c in r.compatible if c not in seen]
            if unknown:
                raise ValueError(f"item {it.id!r}: compatible names unknown item {unknown[0]!r}")
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


_PHRASE_FIELDS = ("phrases", "endorsed", "exclude", "exclude_turn", "exclude_next_turn", "a", "b", "first", "then", "then_not", "near", "examples", "counter_examples", "negatives", "insults", "hold_phrases", "written_words_after", "followed_not")


def _expand(rule: Any, lexicon: Lexicon, where: str, fields: tuple[str, ...] = _PHRASE_FIELDS) -> None:
    """Replace ``"@name"`` entries of a rule's phrase lists by the lexicon list ``name``."""
    if not isinstance(rule, dict):
        return
    for key in fields:
        values = rule.get(key)
        if isinstance(values, list):
            out = []
            for v in values:
                if isinstance(v, str) and v.startswith("@"):
                    if v[1:] not in lexicon.lists:
                        known = ", ".join(sorted(lexicon.lists)) or "none loaded"
                        raise ValueError(f"{where}: unknown lexicon list {v!r} (known: {known})")
                    out.extend(lexicon.lists[v[1:]])
                else:
                    out.append(v)
            rule[key] = out
    frame = rule.get("reported_speech")
    if isinstance(frame, str) and frame.startswith("@"):
        # a lexicon list of frame regexes, as one alternation (customer.yaml reported_frame)
        if frame[1:] not in lexicon.lists:
            raise ValueError(f"{where}: unknown lexicon list {frame!r} for reported_speech")
        rule["reported_speech"] = frame_pattern(lexicon.lists[frame[1:]])
    for sub in rule.get("rules", []) if isinstance(rule.get("rules"), list) else []:
        _expand(sub, lexicon, where)
    _expand(rule.get("then_semantic"), lexicon, where)  # a sequence's nested semantic rule


def _load_lexicons(names: Any, base_dir: Path | None, source: str) -> Lexicon:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RubricError(source, "line 1: 'lexicons' is a list of lexicon file names")
    files = []
    for name in names:
        local = (base_dir / name) if base_dir is not None else None
        if local is not None and local.is_file():
            path = local
        elif Path(name).name == name:  # a bare name: the shipped lexicon of that name
            path = LEXICON_DIR / name
        else:  # a path the author wrote: never silently replaced by a shipped file of the same name
            raise RubricError(source, f"lexicon file {name!r} not found next to the rubric")
        if not path.is_file():
            raise RubricError(source, f"lexicon file {name!r} not found (next to the rubric or shipped)")
        files.append(path)
    try:
        return read_lexicon(files)
    except LexiconError as exc:
        raise RubricError(source, str(exc)) from None


def parse_rubric(text: str, source: str, base_dir: Path | None = None) -> Rubric:
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
    lexicon = _load_lexicons(data.get("lexicons", []), base_dir, source)
    lines = _item_lines(text)
    try:
        _expand(data.get("semantic"), lexicon, "semantic", ("background",))
    except ValueError as exc:
        raise RubricError(source, f"line 1: {exc}") from None
    for i, item in enumerate(data["items"]):
        if isinstance(item, dict):
            try:
                _expand(item.get("rule"), lexicon, f"item {item.get('id', i)!r}")
                _expand(item.get("maybe_said"), lexicon, f"item {item.get('id', i)!r}")
                corroborate = item.get("corroborate")
                if isinstance(corroborate, dict) and isinstance(corroborate.get("reaction"), dict):
                    _expand(corroborate["reaction"].get("rule"), lexicon, f"item {item.get('id', i)!r}: reaction")
            except ValueError as exc:
                raise RubricError(source, f"line {lines.get(i, '?')}: {exc}") from None
    try:
        rubric = Rubric.model_validate({**data, "lexicon": lexicon})
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
        return parse_rubric(ref.read_text(encoding="utf-8"), "default.yaml", LEXICON_DIR.parent)
    path = Path(path)
    if not path.is_file():
        raise RubricError(path, "rubric file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RubricError(path, "not a UTF-8 text file") from None
    return parse_rubric(text, str(path), path.parent)
