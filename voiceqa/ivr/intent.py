"""Spoken input -> menu option, without any cloud service.

Normalised text is matched against each option's keywords/synonyms (exact, then by pinyin so
ASR homophones still match), then by character n-gram and pinyin similarity to the option's
example utterances. Below the flow's threshold the input is a no-match.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..text.chinese import normalize_for_compare
from ..text.pinyin_match import contains, syllables
from .model import Option

DIGIT_WORDS = {"1": ("一", "幺"), "2": ("二", "两"), "3": ("三",), "4": ("四",), "5": ("五",), "6": ("六",), "7": ("七",), "8": ("八",), "9": ("九",), "0": ("零",)}


@dataclass
class IntentMatch:
    option: Option | None
    confidence: float
    how: str


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def similarity(text: str, example: str) -> float:
    """Max of character-bigram overlap and pinyin-syllable overlap (share of the example)."""
    a, b = normalize_for_compare(text), normalize_for_compare(example)
    if not a or not b:
        return 0.0
    ga, gb = _bigrams(a), _bigrams(b)
    char_sim = len(ga & gb) / len(gb)
    pa = [s for _, s in syllables(a)]
    pb = [s for _, s in syllables(b)]
    sa = {" ".join(pa[i:i + 2]) for i in range(len(pa) - 1)} or set(pa)
    sb = {" ".join(pb[i:i + 2]) for i in range(len(pb) - 1)} or set(pb)
    pin_sim = len(sa & sb) / len(sb) if sb else 0.0
    return max(char_sim, pin_sim)


def spoken_key(text: str, options: list[Option]) -> Option | None:
    """'按1' / '一' / '第一个' said aloud selects the option with that key."""
    norm = normalize_for_compare(text)
    for o in options:
        if not o.key:
            continue
        words = (o.key,) + DIGIT_WORDS.get(o.key, ())
        for w in words:
            if norm in (w, f"按{w}", f"第{w}个", f"第{w}项", f"{w}号") or norm == normalize_for_compare(f"按{w}"):
                return o
    return None


def match_intent(text: str, options: list[Option], threshold: float) -> IntentMatch:
    norm = normalize_for_compare(text)
    if not norm:
        return IntentMatch(None, 0.0, "empty")
    by_key = spoken_key(text, options)
    if by_key:
        return IntentMatch(by_key, 1.0, "spoken key")
    for o in options:  # exact keyword
        if any(normalize_for_compare(k) in norm for k in o.keywords if k):
            return IntentMatch(o, 0.95, "keyword")
    for o in options:  # sound-alike keyword (ASR homophones)
        if any(contains(text, k, "pinyin") for k in o.keywords if len(k) >= 2):
            return IntentMatch(o, 0.85, "pinyin keyword")
    best, score = None, 0.0
    for o in options:
        for ex in o.examples + o.keywords + ([o.label] if o.label else []):
            s = similarity(text, ex)
            if s > score:
                best, score = o, s
    if best is not None and score >= threshold:
        return IntentMatch(best, round(score, 2), "similarity")
    return IntentMatch(None, round(score, 2), "no match")
