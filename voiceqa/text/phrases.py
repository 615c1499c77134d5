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

import re
from functools import lru_cache

from .chinese import to_simplified
from .pinyin_match import Match, _positions, find, syllables
from .words import ATTACHABLE, clause_bounds, common_other_word, dictionary_word, function_words, is_word_match, negated

WORD_CHARS = 3  # longer phrases rarely occur by accident inside other words
_CLAUSE_MARK = re.compile(r"[，,。！!？?；;：:、…]")


@lru_cache(maxsize=1024)
def _any_of(words: tuple[str, ...]) -> re.Pattern | None:
    words = tuple(w for w in words if w)
    return re.compile("|".join(map(re.escape, words))) if words else None


def mentions(text: str, words) -> bool:
    """Whether ``text`` holds one of ``words`` as written (context words: ``exclude`` and the
    rules' ``exclude_turn``). One compiled alternation per word list: rules check every turn
    of every call against the same lists."""
    pattern = _any_of(tuple(words))
    return pattern is not None and pattern.search(text) is not None


def mentions_or_heard(text: str, words, by_sound: bool, from_chars: int = 2) -> bool:
    """Whether ``text`` holds one of the context ``words`` as written or, with ``by_sound``,
    misheard (我真寺 for 我真是): the same syllables count for words of ``from_chars``
    characters on (one syllable sounds like too many others)."""
    if mentions(text, words):
        return True
    return by_sound and bool(find_phrases(text, _sounded(tuple(words), from_chars), whole_words=False))


@lru_cache(maxsize=256)
def _sounded(words: tuple[str, ...], from_chars: int) -> tuple[str, ...]:
    return tuple(x for x in words if len(x) >= from_chars)


def find_phrase(
    text: str,
    phrase: str,
    mode: str = "pinyin",
    *,
    whole_words: bool = True,
    negation: frozenset[str] = frozenset(),
    exclude: tuple[str, ...] | list[str] = (),
    exclude_by_sound: bool = False,
    written_words: bool = False,
    written_after: tuple[str, ...] | list[str] = (),
    followed_not: tuple[str, ...] | list[str] = (),
) -> list[Match]:
    at_end = len(phrase) > 1 and phrase.endswith("$")
    if at_end:
        phrase = phrase[:-1]
    hits = find(text, phrase, mode)
    if not hits:
        return hits
    simple = to_simplified(text)
    out = []
    # a short phrase matched by sound across a clause mark joins two clauses into one word (钱，钱
    # is not 抢钱); a longer one keeps its hit, since the recogniser puts commas inside phrases
    # (我也，不知道你自己查)
    one_word = len(phrase) <= WORD_CHARS and not _CLAUSE_MARK.search(phrase)
    for m in hits:
        if one_word and m.end - m.start > 1 and _CLAUSE_MARK.search(simple, m.start, m.end):
            continue
        if at_end:
            _, c1 = clause_bounds(simple, m.start)
            if not set(simple[m.end:max(c1, m.end)]) <= ATTACHABLE:
                continue
        if whole_words and len(phrase) <= WORD_CHARS and not is_word_match(simple, m.start, m.end):
            continue
        if mode == "pinyin" and common_other_word(simple, m.start, m.end, phrase):
            continue
        # (the rule's ``written_words``) a two-character phrase heard where another real word is written
        if written_words and len(phrase) == 2 and m.mode != "exact" and _written_otherwise(simple, m, phrase, written_after):
            continue
        # (the rule's ``followed_not``) a hit right before one of these is another word misheard
        # (你妈|那边: 你们 heard as 你妈), for phrases of two characters on
        if followed_not and len(phrase) >= 2 and _followed_by(simple, m.end, tuple(followed_not)):
            continue
        if negation and negated(simple, m.start, negation):
            continue
        if exclude:
            c0, c1 = clause_bounds(simple, m.start)
            clause = simple[c0:max(c1, m.end)]
            if mentions_or_heard(clause, exclude, exclude_by_sound):
                continue
        out.append(m)
    return out


def _followed_by(simple: str, end: int, words: tuple[str, ...]) -> bool:
    """Whether one of ``words`` starts at ``end``, written or heard (能部能 for 能不能)."""
    return any(simple.startswith(w, end) or any(h.start == 0 for h in find(simple[end:end + len(w)], w, "pinyin"))
               for w in words)


def _written_otherwise(simple: str, m: Match, phrase: str, written_after) -> bool:
    """A two-character phrase heard by sound where the writer put something else: one dictionary
    word (晚上 for 网上, 纸张 for 智障) or, from its first character on, function words (几|折 for
    记者, 中|不 for 总部; not 我|回 for 我会, whose pronoun is the phrase's own). With
    ``written_after`` (the rule's ``written_words_after``) a dictionary word right after one of
    those words, or standing as its own clause (白吃！/ 白吃一个), still counts as the phrase: an
    insult addressed to the listener is more than a sound."""
    if simple[m.start] != phrase[0] and function_words(simple, m.start, m.end):
        return True
    if not dictionary_word(simple, m.start, m.end):
        return False
    if not written_after:
        return True
    c0, c1 = clause_bounds(simple, m.start)
    alone = c0 == m.start and set(simple[m.end:c1].removeprefix("一个")) <= ATTACHABLE
    return not (alone or simple[:m.start].endswith(tuple(written_after)))


def has_phrase(text: str, phrase: str, mode: str = "pinyin", **kw) -> bool:
    return bool(find_phrase(text, phrase, mode, **kw))


@lru_cache(maxsize=256)
def _index(phrases: tuple[str, ...], by_pair: bool) -> tuple[dict, dict, tuple[int, ...]]:
    """Where to look each phrase up: by its first two syllables (``by_pair``, unless the
    phrase has one syllable) or its first; phrases without a syllable are always tried.
    Values are positions in ``phrases``, so hits keep the phrases' order."""
    pairs: dict[tuple[str, str], list[int]] = {}
    firsts: dict[str, list[int]] = {}
    always = []
    for k, p in enumerate(phrases):
        syl = [s for _, s in syllables(to_simplified(p.rstrip("$") or p))]
        if not syl:
            always.append(k)
        elif by_pair and len(syl) >= 2:
            pairs.setdefault((syl[0], syl[1]), []).append(k)
        else:
            firsts.setdefault(syl[0], []).append(k)
    return pairs, firsts, tuple(always)


@lru_cache(maxsize=65536)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    syl = [s for _, s in syllables(text)]
    return frozenset(zip(syl, syl[1:]))


def find_phrases(text: str, phrases: tuple[str, ...], mode: str = "pinyin", **kw) -> list[tuple[str, Match]]:
    """(phrase, match) for every phrase of ``phrases`` in ``text`` (see :func:`find_phrase`).
    Only phrases whose first syllable (or, unless fuzzy, first two syllables) the text holds
    are searched: a rubric has hundreds of phrases, a turn a few dozen syllables."""
    phrases = tuple(phrases)
    simple = to_simplified(text)
    by_pair, by_first, always = _index(phrases, mode != "fuzzy")
    candidates = list(always)
    for first in _positions(simple).keys() & by_first.keys():
        candidates += by_first[first]
    if by_pair:
        for pair in _pairs(simple) & by_pair.keys():
            candidates += by_pair[pair]
    out = []
    for k in sorted(candidates):
        out.extend((phrases[k], m) for m in find_phrase(text, phrases[k], mode, **kw))
    return out
