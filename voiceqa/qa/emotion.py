"""Emotion per turn: snownlp sentiment + complaint/anger lexicon + acoustic arousal.

snownlp was trained on product reviews, not calls, so it only tips the balance: the lexicon
carries most of the evidence, and raised voice (louder/higher than the speaker's own
baseline) turns a negative turn into an angry one.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..text.lexicon import Lexicon, shipped_lexicon
from ..text.phrases import find_phrases, mentions
from ..text.words import NegationCues
from .reported import frame_pattern, reported_spans


@dataclass(frozen=True)
class EmotionLexicon:
    """The word lists emotion needs, read from the rubric's lexicon files (emotion.yaml)."""

    anger: tuple[str, ...]
    negative: tuple[str, ...]
    complaint: tuple[str, ...]  # complaint_words: escalation on their own (我要投诉)
    customer_only: frozenset[str]  # an agent saying 投诉 or 退钱 is handling a complaint, not angry
    negation: frozenset[str]
    # a target (消协, 领导) counts only next to an intent (我要去|消协): complaint_targets/_intent
    targets: tuple[str, ...] = ()
    intent: tuple[str, ...] = ()
    # customer.yaml (when the rubric names it): what an exclamation means (praise vs grievance)
    # and clauses whose words are someone else's (我邻居说你们是骗子)
    positive: tuple[str, ...] = ()  # anger_valence_positive
    grievance: tuple[str, ...] = ()  # anger_grievance
    reported: tuple[str, ...] = ()  # reported_speech
    # clauses where an escalation word is a topic, an earlier case or a question (投诉部门几点下班 /
    # 上回打12345反映的 / 是打这个号吗): the complaint item's exclusions, for the complaint risk too
    complaint_not: tuple[str, ...] = ()
    # a laugh or "just kidding" in the turn (气死我了哈哈), or the caller saying they are not angry
    # (我不是生气，就是怕被乱扣费): anger words in such a turn are not anger
    calm_turn: tuple[str, ...] = ()  # anger_jest, anger_denied
    # what someone else said or told the caller (customer.yaml reported_frame, as one regex; its
    # scope, qa/reported.py): anger words there are not the caller's (我老公非说你们是骗子), unless
    # the caller adopts them after (reported_adopted: …，我看说得没错)
    reported_frame: str = ""
    adopted: tuple[str, ...] = ()

    @classmethod
    def from_lexicon(cls, lex: Lexicon) -> "EmotionLexicon":
        def joined(*names: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(w for n in names for w in lex.words(n)))

        return cls(
            anger=joined("emotion_anger", "anger_exclamations", "anger_idioms"), negative=lex.words("emotion_negative"),
            complaint=joined("complaint_words", "complaint_words_more"), customer_only=frozenset(lex.words("customer_only") + lex.words("anger_idioms")),
            negation=NegationCues(lex.words("negation_cues"), lex.words("negation_heard")),
            targets=joined("complaint_targets", "complaint_targets_more"), intent=joined("complaint_intent", "complaint_intent_more"),
            positive=lex.words("anger_valence_positive"), grievance=lex.words("anger_grievance"),
            reported=joined("reported_speech", "anger_not", "anger_denied", "anger_of_others", "care_things"),
            complaint_not=joined("complaint_topic", "complaint_channel", "complaint_past", "complaint_asking", "complaint_place", "reported_speech", "complaint_not_threat"),
            calm_turn=joined("anger_jest", "anger_denied"),
            reported_frame=frame_pattern(lex.words("reported_frame")), adopted=lex.words("reported_adopted"),
        )


@lru_cache(maxsize=1)
def default_lexicon() -> EmotionLexicon:
    return EmotionLexicon.from_lexicon(shipped_lexicon())


@dataclass
class TurnEmotion:
    label: str  # calm | negative | angry
    sentiment: float  # snownlp P(positive)
    anger_hits: list[str]
    negative_hits: list[str]
    arousal: float
    complaint_hits: list[str] = ()  # explicit complaint/escalation words (customers only)


@lru_cache(maxsize=1)
def _snownlp_model():
    from snownlp import normal
    from snownlp import sentiment as snow

    bayes = snow.classifier.classifier
    vocab = frozenset(bayes.d["pos"].d) | frozenset(bayes.d["neg"].d)
    return bayes, vocab, normal.filter_stop


def _tokens(text: str, vocab: frozenset, maxlen: int = 4) -> list[str]:
    """Forward maximum matching over the sentiment model's own vocabulary."""
    out, i = [], 0
    while i < len(text):
        for n in range(min(maxlen, len(text) - i), 0, -1):
            if n == 1 or text[i:i + n] in vocab:
                out.append(text[i:i + n])
                i += n
                break
    return out


@lru_cache(maxsize=4096)
def sentiment(text: str) -> float:
    """snownlp's sentiment model, P(positive).

    snownlp's own word segmenter costs ~6 ms per turn (19 ms on a loaded machine) and made
    scoring 10x slower than the rest of the rules together; tokens from forward maximum
    matching over the model's vocabulary give the same classifier 0.05 ms per turn (r = 0.77
    against snownlp's segmentation on the dev-call turns, 85 % agreement on s < 0.3)."""
    if not text.strip():
        return 0.5
    bayes, vocab, filter_stop = _snownlp_model()
    label, prob = bayes.classify(filter_stop(_tokens(text, vocab)))
    return float(prob if label == "pos" else 1 - prob)


def _hits(text: str, words: tuple[str, ...], negation: frozenset[str], exclude: tuple[str, ...] = (),
          written_words: bool = False) -> list[str]:
    """Lexicon words said in ``text``: whole words, by pinyin from two characters on, not negated,
    not in a clause with an ``exclude`` word (``written_words``: text/phrases.py)."""
    kw = {"negation": negation, "exclude": exclude, "exclude_by_sound": bool(exclude), "written_words": written_words}
    found = {w for w, _ in find_phrases(text, _long(words), "pinyin", **kw)}
    found |= {w for w, _ in find_phrases(text, _short(words), "exact", **kw)}
    return [w for w in words if w in found]


@lru_cache(maxsize=64)
def _long(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if len(w.rstrip("$")) >= 2 and not w.isdigit())


@lru_cache(maxsize=64)
def _short(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if not (len(w.rstrip("$")) >= 2 and not w.isdigit()))


# how near (characters) a complaint target must be to an intent; the default rubric's
# complaint item uses the same lists and distance (proximity rule, within_chars: 6)
TARGET_NEAR_CHARS = 6


def _complaint_hits(text: str, lex: EmotionLexicon) -> list[str]:
    """Complaint words said, and targets said next to an intent (target+intent)."""
    out = _hits(text, lex.complaint, lex.negation, lex.complaint_not)
    if lex.targets and lex.intent:
        intents = find_phrases(text, lex.intent, "pinyin")
        if intents:
            kw = {"exclude": lex.complaint_not, "exclude_by_sound": True} if lex.complaint_not else {}
            for w, m in find_phrases(text, lex.targets, "pinyin", negation=lex.negation, **kw):
                near = next((i for i, mi in intents if abs(mi.start - m.start) <= TARGET_NEAR_CHARS), None)
                if near is not None and f"{w}+{near}" not in out:
                    out.append(f"{w}+{near}")
    return out


def _own_words(text: str, lex: EmotionLexicon) -> str:
    """``text`` with the spans that report someone else's words (lex.reported_frame) blanked out
    (same length, a clause mark per character: no word of theirs is found, offsets are kept)."""
    if not lex.reported_frame:
        return text
    for s, e in reported_spans(text, lex.reported_frame, lex.adopted):
        text = text[:s] + "，" * (e - s) + text[e:]
    return text


def turn_emotion(text: str, arousal: float = 0.0, role: str = "customer", lex: EmotionLexicon | None = None) -> TurnEmotion:
    lex = lex or default_lexicon()
    s = sentiment(text)
    # words in a clause that reports someone else (听说你们是骗子) are not the speaker's anger
    customer = role != "agent"  # the customer-side scopes below leave the agent's emotion as it was
    # a caller's two-character anger word heard where another dictionary word is written (片子 as
    # 骗子) is that word; words inside someone else's reported words are left out
    anger = _hits(_own_words(text, lex) if customer else text, lex.anger, lex.negation, lex.reported if customer else (),
                  written_words=customer)
    neg = _hits(text, lex.negative, lex.negation)
    complaint = [] if role == "agent" else _complaint_hits(text, lex)
    if role == "agent":
        anger = [w for w in anger if w not in lex.customer_only]
    # one expression is one hit: 气死我了 also holds 气死, and is not two anger words
    anger = [w for w in anger if not any(w != o and w in o for o in anger)]
    if customer and lex.calm_turn and anger and mentions(text, lex.calm_turn):
        anger = []  # said laughing or disowned: at most a grievance, judged below like any other turn
    raised = arousal >= 4.0
    # a written exclamation mark is an emphatic delivery: with anger words, or a threat to
    # escalate, the turn is angry (把你们主管叫来！), not a calm request; with a grievance
    # (说好的今天到，又延迟了！) a customer is angry too, but praise, thanks, relief and
    # excitement (太好了！终于到账了！) are exclaimed as much: positive valence vetoes the mark
    exclaimed = "！" in text or "!" in text
    if customer and exclaimed and lex.positive and not anger and _hits(text, lex.positive, lex.negation):
        exclaimed = False
    grievance = customer and exclaimed and bool(lex.grievance) and bool(neg or _hits(text, lex.grievance, lex.negation, lex.reported))
    if (len(anger) >= 2 or (anger and (s < 0.35 or raised or exclaimed)) or (neg and raised and s < 0.3)
            or (complaint and exclaimed) or grievance):
        label = "angry"
    elif anger or (neg and s < 0.5) or s < 0.12:
        label = "negative"
    else:
        label = "calm"
    return TurnEmotion(label, s, anger, neg, arousal, complaint)


def speaker_emotion(labels: list[str]) -> str:
    if "angry" in labels:
        return "angry"
    if labels.count("negative") >= 2 or (labels and labels.count("negative") / len(labels) >= 0.3):
        return "negative"
    return "calm"


def complaint_risk(customer: list[TurnEmotion]) -> float:
    """0..1: explicit complaint words weigh most, then anger, then sustained negativity."""
    if not customer:
        return 0.0
    texts_complaint = any(e.complaint_hits for e in customer)
    angry = sum(e.label == "angry" for e in customer)
    negative = sum(e.label == "negative" for e in customer)
    risk = 0.5 * texts_complaint + min(angry, 2) * 0.2 + min(negative, 3) * 0.05
    return round(min(1.0, risk), 2)
