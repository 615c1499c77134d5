"""Undo ASR homophone slips in a clause before it is embedded.

Whisper writes what it heard with the wrong characters (公号 for 工号, 头诉 for 投诉); a sentence
encoder reads characters, so a slipped clause lands far from the examples that mean the same
thing. Before embedding, every stretch of 2-4 characters that is *not* a word of the jieba
dictionary but sounds like a word of the rubric's own vocabulary (the words of its examples,
counter-examples, background talk and phrases; toneless pinyin with the usual zh/z, ch/c,
sh/s, -ng/-n, l/n folds) is replaced by that word. Real words are never replaced (事实 stays
事实 even if the rubric says 实施), nor is a stretch that cuts through one (董|事长 is not 市长),
so clean text is left as it was.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from ..text.pinyin_match import _syllable, fold
from ..text.words import _tokenizer, tokens

MIN_CHARS, MAX_CHARS = 2, 4


def _key(text: str) -> tuple[str, ...] | None:
    syl = []
    for ch in text:
        if not ("\u4e00" <= ch <= "\u9fff"):
            return None
        syl.append(fold(_syllable(ch)))
    return tuple(syl)


@lru_cache(maxsize=65536)
def is_dictionary_word(text: str) -> bool:
    return _tokenizer().FREQ.get(text, 0) > 0


@dataclass(frozen=True, eq=False)  # hashed by identity: one per rubric, cached below
class Vocabulary:
    """Rubric words by their folded syllables (the most frequent word wins a tie)."""

    by_sound: dict[tuple[str, ...], str]
    fingerprint: str


@lru_cache(maxsize=16)
def vocabulary(sentences: tuple[str, ...]) -> Vocabulary:
    freq = _tokenizer().FREQ
    words: dict[tuple[str, ...], str] = {}
    for sentence in sentences:
        for _, _, w in tokens(sentence):
            if not MIN_CHARS <= len(w) <= MAX_CHARS or not is_dictionary_word(w):
                continue
            k = _key(w)
            if k is None:
                continue
            if k not in words or freq.get(w, 0) > freq.get(words[k], 0):
                words[k] = w
    digest = hashlib.sha1("|".join(sorted(words.values())).encode("utf-8")).hexdigest()[:8]
    return Vocabulary(words, digest)


def _cuts_a_word(words: list[tuple[int, int]], start: int, end: int) -> bool:
    """The span [start, end) cuts one of the text's dictionary words (董|事长, 给我|回电)."""
    return any(s < start < e or s < end < e for s, e in words)


@lru_cache(maxsize=65536)
def _respell(text: str, vocab: Vocabulary) -> str:
    words = [(s, e) for s, e, w in tokens(text) if e - s >= 2 and is_dictionary_word(w)]
    out, i = [], 0
    while i < len(text):
        for n in range(min(MAX_CHARS, len(text) - i), MIN_CHARS - 1, -1):
            span = text[i:i + n]
            k = _key(span)
            word = vocab.by_sound.get(k) if k is not None else None
            if word is not None and word != span and not is_dictionary_word(span) and not _cuts_a_word(words, i, i + n):
                out.append(word)
                i += n
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def respell(text: str, vocab: Vocabulary | None) -> str:
    """``text`` with its non-words that sound like rubric words spelt as those words."""
    if vocab is None or not vocab.by_sound:
        return text
    return _respell(text, vocab)
