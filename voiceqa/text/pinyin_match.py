"""Find phrases in ASR text by sound, not spelling.

Whisper writes 工号 as 公号 and 查询 as 查行: the characters differ, the syllables (nearly) do not.
Text and phrase are turned into tone-less pinyin syllables, folded for sounds that Mandarin
speakers and Whisper commonly confuse (zh/z, ch/c, sh/s, -ng/-n, l/n), and the phrase is
searched for with a bounded number of syllable edits: a syllable misheard (substituted), one
the ASR added (inserted) or one it dropped (deleted), counted by rapidfuzz's Levenshtein
distance over syllable sequences.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from .chinese import to_simplified

_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=8192)
def _syllable(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    if not _CJK.match(ch):
        return ch.lower()
    if ch == "您":  # the polite 你: the same word, and Whisper writes either
        return "ni"
    return lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0]


@lru_cache(maxsize=8192)
def _strict_fold(syl: str) -> str:
    """zh/ch/sh = z/c/s and -ng = -n; :func:`fold` without l = n, which ``by_sound`` leaves out:
    reading a whole sentence by sound with l = n turns too many ordinary characters into pattern
    words (助理 -> 祝您)."""
    s = syl
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(a):
            s = b + s[len(a):]
    return s[:-1] if s.endswith("ng") else s


@lru_cache(maxsize=8192)
def fold(syl: str) -> str:
    """Collapse confusable initials/finals so near-homophones compare equal (:func:`_strict_fold`,
    and l = n). 您 is read as 你 (ni), so nin/ning (宁好 for 您好) are too."""
    s = _strict_fold(syl)
    s = "n" + s[1:] if s.startswith("l") else s
    return "ni" if s == "nin" else s


@dataclass(frozen=True)
class Match:
    start: int  # character offsets in the (simplified) text
    end: int
    distance: int  # syllable edits (substituted, inserted or dropped) between phrase and text
    mode: str  # exact | pinyin | fuzzy


@lru_cache(maxsize=256)
def _sound_map(pattern: str) -> dict[str, str]:
    """Folded syllable -> the first Chinese character of ``pattern`` that has it."""
    out: dict[str, str] = {}
    for ch in to_simplified(pattern):
        if _CJK.match(ch):
            out.setdefault(_strict_fold(_syllable(ch)), ch)
    return out


def _by_sound(text: str, sounds: dict[str, str]) -> str:
    return "".join(sounds.get(_strict_fold(_syllable(ch)), ch) if _CJK.match(ch) else ch for ch in text)


@lru_cache(maxsize=65536)
def by_sound(text: str, pattern: str) -> str:
    """``text`` read by the sounds of ``pattern``: each Chinese character that sounds like one of
    the pattern's is written as the pattern's first character of that sound (same length:
    offsets are kept). Match it with :func:`sound_regex` of the same pattern, in which the
    pattern's own characters are written the same way, so 我实 matches 我是 and 肋 matches a 了
    even when the pattern also holds 乐."""
    return _by_sound(text, _sound_map(pattern))


@lru_cache(maxsize=256)
def sound_regex(pattern: str) -> "re.Pattern[str]":
    """``pattern`` with its Chinese characters read by sound (see :func:`by_sound`)."""
    return re.compile(_by_sound(to_simplified(pattern), _sound_map(pattern)))


@lru_cache(maxsize=65536)
def syllables(text: str) -> tuple[tuple[int, str], ...]:
    """(char index, folded syllable) for each CJK character or alphanumeric char of ``text``."""
    return tuple((i, fold(_syllable(ch))) for i, ch in enumerate(text) if _CJK.match(ch) or ch.isalnum())


# a fuzzy match never rests on fewer syllables than this (a 4-syllable phrase may have a
# syllable misheard, not dropped: 就这样吧 is not 就先这样)
MIN_FUZZY_SYLLABLES = 4


def allowed_edits(n: int) -> int:
    """Syllable edits a fuzzy match of an ``n``-syllable phrase tolerates."""
    return 0 if n <= 3 else 1 if n <= 7 else 2


def find(text: str, phrase: str, mode: str = "pinyin", max_edits: int | None = None) -> list[Match]:
    """All non-overlapping places where ``phrase`` occurs in ``text``.

    mode: ``exact`` = characters; ``pinyin`` = same folded syllables; ``fuzzy`` = pinyin
    with up to ``max_edits`` syllable substitutions, insertions or deletions (default grows
    with phrase length). The first syllable must agree (a slip there is rarely an ASR error).
    """
    text, phrase = to_simplified(text), to_simplified(phrase)
    # cheap rejection: the phrase's first character (exact) or syllable (pinyin) is absent
    if mode == "exact" or not _CJK.match(phrase[:1] or " "):
        if not phrase or phrase[0] not in text:
            if mode == "exact" or not phrase:
                return []
    if mode != "exact":
        first = _first_syllable(phrase)
        if first is not None and first not in _positions(text):
            return []
    exact = [Match(m.start(), m.end(), 0, "exact") for m in re.finditer(re.escape(phrase), text)] if phrase else []
    if mode == "exact" or exact:
        return exact
    t, p = syllables(text), tuple(s for _, s in syllables(phrase))
    limit = 0 if mode == "pinyin" else (allowed_edits(len(p)) if max_edits is None else max_edits)
    if not p or len(t) < len(p) - limit:
        return []
    seq = _sequence(text)
    if limit == 0:
        spans = [(i, i + len(p), 0) for i in _positions(text).get(p[0], ()) if seq[i:i + len(p)] == p]
    else:
        spans = [span for i in _positions(text).get(p[0], ()) if (span := _best_window(seq, p, i, limit)) is not None]
    out: list[Match] = []
    last_end = -1
    for i, j, d in spans:
        if i < last_end:
            continue
        out.append(Match(t[i][0], t[j - 1][0] + 1, d, "pinyin" if d == 0 else "fuzzy"))
        last_end = j
    return out


@lru_cache(maxsize=65536)
def _sequence(text: str) -> tuple[str, ...]:
    """The folded syllables of ``text`` alone (``syllables`` without the character offsets)."""
    return tuple(s for _, s in syllables(text))


def _best_window(seq: tuple[str, ...], p: tuple[str, ...], i: int, limit: int) -> tuple[int, int, int] | None:
    """The text window starting at syllable ``i`` closest to ``p`` (Levenshtein distance over
    syllables, at most ``limit``): (start, end, distance); ties go to the window whose length is
    nearest the phrase's (so a match does not swallow a neighbouring syllable for nothing)."""
    n = len(p)
    best: tuple[int, int, int] | None = None
    for length in _lengths(n, limit):
        if i + length > len(seq):
            continue
        d = Levenshtein.distance(p, seq[i:i + length], score_cutoff=limit)
        if d <= limit and (best is None or d < best[2]):
            best = (i, i + length, d)
            if d == 0:
                break
    return best


@lru_cache(maxsize=1024)
def _lengths(n: int, limit: int) -> tuple[int, ...]:
    """Window lengths to try for an ``n``-syllable phrase, nearest ``n`` first (never shorter
    than the phrase when that would leave fewer than MIN_FUZZY_SYLLABLES)."""
    shortest = max(1, n - limit, min(n, MIN_FUZZY_SYLLABLES))
    return tuple(sorted(range(shortest, n + limit + 1), key=lambda k: abs(k - n)))


@lru_cache(maxsize=65536)
def _first_syllable(phrase: str) -> str | None:
    syl = syllables(phrase)
    return syl[0][1] if syl else None


@lru_cache(maxsize=65536)
def _positions(text: str) -> dict[str, tuple[int, ...]]:
    """Folded syllable -> indexes into ``syllables(text)`` where it occurs."""
    out: dict[str, list[int]] = {}
    for i, (_, syl) in enumerate(syllables(text)):
        out.setdefault(syl, []).append(i)
    return {k: tuple(v) for k, v in out.items()}


def contains(text: str, phrase: str, mode: str = "pinyin", max_edits: int | None = None) -> bool:
    return bool(find(text, phrase, mode, max_edits))
