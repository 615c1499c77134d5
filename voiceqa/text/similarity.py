"""Cheap surface similarity of two Mandarin strings (characters or pinyin syllables).

One helper for every "does this text look like that example" check (QA similarity rules, IVR
scenario ``prompt_similar``): the share of the example's bigrams that occur in the text.
"""
from __future__ import annotations

from .chinese import normalize_for_compare
from .pinyin_match import syllables


def ngrams(seq, n: int = 2) -> set:
    """Contiguous n-grams of a string or sequence (the whole thing when shorter than ``n``)."""
    seq = tuple(seq) if not isinstance(seq, str) else seq
    if len(seq) < n:
        return {seq} if seq else set()
    return {seq[i:i + n] for i in range(len(seq) - n + 1)}


def bigram_overlap(text: str, example: str) -> float:
    """Share of the example's character bigrams present in ``text`` (after normalisation)."""
    a, b = normalize_for_compare(text), normalize_for_compare(example)
    gb = ngrams(b)
    return len(ngrams(a) & gb) / len(gb) if a and gb else 0.0


def pinyin_bigram_overlap(text: str, example: str) -> float:
    """Like :func:`bigram_overlap` over folded pinyin syllables, so ASR homophones count."""
    pa = tuple(s for _, s in syllables(normalize_for_compare(text)))
    pb = tuple(s for _, s in syllables(normalize_for_compare(example)))
    gb = ngrams(pb)
    return len(ngrams(pa) & gb) / len(gb) if pa and gb else 0.0


def surface_similarity(text: str, example: str) -> float:
    """Max of character and pinyin bigram overlap."""
    return max(bigram_overlap(text, example), pinyin_bigram_overlap(text, example))
