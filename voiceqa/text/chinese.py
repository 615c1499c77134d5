"""Script conversion and normalisation of Mandarin text."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIGITS = {"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
           "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_DIGIT_TO_HAN = {v: k for k, v in _DIGITS.items() if k not in ("〇", "幺", "两")}
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC t2s); Simplified text passes through unchanged.
    Cached: rules look at the same turn texts many times."""
    return _t2s().convert(text) if text else text


def fullwidth_to_halfwidth(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_ASCII_PUNCT = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_PERIOD = re.compile(r"(?<!\d)\.(?!\d)")


_SPACE_NEAR_CJK = re.compile(r"(?<=[\u4e00-\u9fff，。？！：；、])\s+|\s+(?=[\u4e00-\u9fff，。？！：；、])")


def chinese_punctuation(text: str) -> str:
    """ASCII punctuation in Chinese text -> full-width (keeps decimal points like 3.5), and no
    spaces next to Chinese characters or punctuation (Whisper's word pieces carry them)."""
    text = "".join(_ASCII_PUNCT.get(ch, ch) for ch in text)
    text = _PERIOD.sub("。", text)
    return _SPACE_NEAR_CJK.sub("", text).strip()


def han_digits_to_arabic(text: str) -> str:
    """Map each 汉字 digit (incl. 幺 and 两) to its Arabic digit, character by character."""
    return "".join(_DIGITS.get(ch, ch) for ch in text)


def arabic_to_han_digits(text: str) -> str:
    return "".join(_DIGIT_TO_HAN.get(ch, ch) for ch in text)


@lru_cache(maxsize=65536)
def normalize_for_compare(text: str) -> str:
    """Canonical form for comparing transcripts: Simplified, half-width, no punctuation or
    spaces, lower-case, and every digit written in Arabic form."""
    text = fullwidth_to_halfwidth(to_simplified(text))
    text = _PUNCT.sub("", text).lower()
    return han_digits_to_arabic(text)


def cer(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference length) after :func:`normalize_for_compare`."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = normalize_for_compare(reference), normalize_for_compare(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)
