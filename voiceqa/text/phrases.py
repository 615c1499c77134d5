"""Find rule phrases in a sentence as words, outside negation and excluded contexts.

One helper for every rule type and the emotion lexicon: a raw hit of :func:`pinyin_match.find`
counts only when
- a phrase of up to ``WORD_CHARS`` characters starts and ends on jieba word boundaries
  (滚 does not fire on 滚动, 工商 not on 工商银行, 烦 not on 麻烦);
- no negation cue governs it (没有要投诉的意思), when negation cues are given;
- its clause holds none of the ``exclude`` context words (如果您还有不清楚的地方), written or,
  with ``exclude_by_sound``, misheard;
- a phrase written with a final ``$`` ends its clause, but for particles (滚$ fires on 你给我滚吧,
  not on 滚烫 misheard as 滚躺).
"""
from __future__ import annotations

from functools import lru_cache

from .chinese import to_simplified
from .pinyin_match import Match, _positions, find, syllables
from .words import ATTACHABLE, clause_bounds, is_word_match, negated

WORD_CHARS = 3  # longer phrases rarely occur by accident inside other words


def mentions(text: str, words) -> bool:
    """Whether ``text`` holds one of ``words`` as written (context words: ``exclude`` and the
    rules' ``exclude_turn``)."""
    return any(w and w in text for w in words)


def find_phrase(
    text: str,
    phrase: str,
    mode: str = "pinyin",
    *,
    whole_words: bool = True,
    negation: frozenset[str] = frozenset(),
    exclude: tuple[str, ...] | list[str] = (),
    exclude_by_sound: bool = False,
) -> list[Match]:
    at_end = len(phrase) > 1 and phrase.endswith("$")
    if at_end:
        phrase = phrase[:-1]
    hits = find(text, phrase, mode)
    if not hits:
        return hits
    simple = to_simplified(text)
    out = []
    for m in hits:
        if at_end:
            _, c1 = clause_bounds(simple, m.start)
            if not set(simple[m.end:max(c1, m.end)]) <= ATTACHABLE:
                continue
        if whole_words and len(phrase) <= WORD_CHARS and not is_word_match(simple, m.start, m.end):
            continue
        if negation and negated(simple, m.start, negation):
            continue
        if exclude:
            c0, c1 = clause_bounds(simple, m.start)
            clause = simple[c0:max(c1, m.end)]
            if mentions(clause, exclude):
                continue
            # context words misheard (我真寺 for 我真是): the same syllables count, from two
            # characters on (one syllable sounds like too many others)
            if exclude_by_sound and any(len(x) >= 2 and find(clause, x, "pinyin") for x in exclude):
                continue
        out.append(m)
    return out


def has_phrase(text: str, phrase: str, mode: str = "pinyin", **kw) -> bool:
    return bool(find_phrase(text, phrase, mode, **kw))


@lru_cache(maxsize=256)
def _keys(phrases: tuple[str, ...]) -> tuple[tuple[str, str | None, tuple[str, str] | None], ...]:
    out = []
    for p in phrases:
        syl = [s for _, s in syllables(to_simplified(p.rstrip("$") or p))]
        out.append((p, syl[0] if syl else None, (syl[0], syl[1]) if len(syl) >= 2 else None))
    return tuple(out)


@lru_cache(maxsize=65536)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    syl = [s for _, s in syllables(text)]
    return frozenset(zip(syl, syl[1:]))


def find_phrases(text: str, phrases: tuple[str, ...], mode: str = "pinyin", **kw) -> list[tuple[str, Match]]:
    """(phrase, match) for every phrase of ``phrases`` in ``text`` (see :func:`find_phrase`).
    Phrases whose first syllable (or, unless fuzzy, first two syllables) the text does not
    contain are skipped without a search."""
    simple = to_simplified(text)
    present = _positions(simple)
    pairs = _pairs(simple) if mode != "fuzzy" else None
    out = []
    for phrase, first, pair in _keys(tuple(phrases)):
        if first is not None and first not in present:
            continue
        if pairs is not None and pair is not None and pair not in pairs:
            continue
        out.extend((phrase, m) for m in find_phrase(text, phrase, mode, **kw))
    return out
