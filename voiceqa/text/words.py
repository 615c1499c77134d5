"""Word boundaries, clauses and negation scope in Mandarin text (jieba segmentation).

Rule phrases are searched character by character (or by pinyin); these helpers decide
whether a hit is a *word* of the sentence (滚 is not a word of 滚动, 工商 is not a word of
工商银行) and whether a negation cue governs it (没有要投诉的意思).
"""
from __future__ import annotations

import re
from functools import lru_cache

# Grains of clause. Fine: every mark, enumeration comma, colon, ellipsis and space ends a
# clause (the scope of a negation cue or an exclusion word: 没有，、 or a pause stops it). Coarse:
# only commas and sentence marks (the scope of "someone said" or of a rubric's ``then_not`` word:
# 他说：… and 、-lists stay inside; a decimal point never splits 3.5元). Sentence: only sentence
# marks and semicolons (how far an account's owner reaches to its detail).
CLAUSE_MARKS = re.compile(r"[，,。.！!？?；;：:、…\s]+")
COARSE_CLAUSE_MARKS = re.compile(r"[，,；;。？！?!]")
SENTENCE_MARKS = re.compile(r"[。？！?!；;]")


@lru_cache(maxsize=1)
def _tokenizer():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, word) for each jieba word of ``text`` (precise mode, no HMM guessing of
    unseen words: ASR slips would otherwise glue rule words to their neighbours)."""
    out, pos = [], 0
    for w in _tokenizer().cut(text, HMM=False):
        out.append((pos, pos + len(w), w))
        pos += len(w)
    return tuple(out)


@lru_cache(maxsize=65536)
def boundaries(text: str) -> frozenset[int]:
    return frozenset({0, len(text)} | {s for s, _, _ in tokens(text)} | {e for _, e, _ in tokens(text)})


# pronouns and particles jieba glues to the word before or after (感谢您, 滚吧): a phrase may
# end inside such a token. Grammar, not phrase knowledge, so it is not a lexicon.
ATTACHABLE = frozenset("您你我他她它们的了吗呢吧啊呀哦嘛么着过")
# before a phrase only a pronoun is glued on (你滚): particles follow their word, so 过 in 过去 is
# the start of a word, not a particle, and 去是 inside 打过去是吧 is no phrase
ATTACHABLE_BEFORE = frozenset("您你我他她它们")


def is_word_match(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is made of whole words: it starts and ends on word
    boundaries, or the rest of a word it cuts is only a pronoun/particle (感谢|您)."""
    b = boundaries(text)
    if start in b and end in b:
        return True
    for s, e, _ in tokens(text):
        if s < start < e and not set(text[s:start]) <= ATTACHABLE_BEFORE:
            return False
        if s < end < e and not set(text[end:e]) <= ATTACHABLE:
            return False
    return True


# a word heard by sound is taken as written when the written word is a common word of its own
# (jieba's dictionary counts) and far commoner than the phrase: the recogniser's language model
# writes the likelier word, so 其实 is 其实, not a misheard 气死 (rare words stay slips: 攻号, 投宿)
COMMON_WORD_COUNT = 1000
COMMONER_BY = 5


# a jieba word counted at least this often is a real word of the language (工伤, 小写, 领到, 老伴),
# not a recogniser's slip: its writer chose it
DICTIONARY_WORD_COUNT = 20


def dictionary_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is exactly one jieba word counted at least
    DICTIONARY_WORD_COUNT times (rules opt in with ``written_words``: two-character targets
    heard by sound)."""
    written = text[start:end]
    return (start, end, written) in tokens(text) and (_tokenizer().FREQ.get(written) or 0) >= DICTIONARY_WORD_COUNT


# jieba tags of words that do not start a noun: numerals, measure words, locatives, distinguishing
# words, pronouns (几|折, 中|不, 总|不, 本|单). Adverbs, prepositions and particles are left out:
# a misheard verb or noun is written with them too often (凡映 for 反映, 为博 for 微博, 等记 for 登记).
# Grammar, not phrase knowledge.
FUNCTION_TAGS = ("m", "q", "f", "b", "r")


def function_words(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is written as single-character words the first of which is a
    function word (几|折, 中|不, 总|不): where a complaint target (记者, 总部) is heard by sound
    there, the writer heard a dialect tag or a function word, not a noun."""
    toks = [(s, e, w) for s, e, w in tokens(text) if s < end and e > start]
    if not toks or toks[0][0] != start or toks[-1][1] != end or any(e - s != 1 for s, e, _ in toks):
        return False
    return _word_tags().get(toks[0][2], "").startswith(FUNCTION_TAGS)


def common_other_word(text: str, start: int, end: int, phrase: str) -> bool:
    """Whether ``text[start:end]`` (a sound-alike hit of ``phrase``) is one common dictionary
    word other than ``phrase`` and at least COMMONER_BY times as frequent."""
    written = text[start:end]
    if written == phrase or (start, end, written) not in tokens(text):
        return False
    freq = _tokenizer().FREQ
    count = freq.get(written) or 0
    return count >= COMMON_WORD_COUNT and count >= COMMONER_BY * (freq.get(phrase) or 0)


def clause_bounds(text: str, index: int, marks: re.Pattern[str] = CLAUSE_MARKS) -> tuple[int, int]:
    """(start, end) of the clause (between ``marks``) that holds character ``index``."""
    start = 0
    for m in marks.finditer(text):
        if m.end() <= index:
            start = m.end()
        else:
            return start, max(m.start(), start)
    return start, len(text)


def clauses(text: str, min_chars: int = 4) -> list[tuple[int, int]]:
    """Clause spans of ``text``. A clause shorter than ``min_chars`` joins the clause before it
    (行了行了，别说了); a short first clause stays on its own (好的 / 不会了 answer what was said
    before and must not lend their words to the next clause)."""
    spans, start = [], 0
    for m in CLAUSE_MARKS.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and e - s < min_chars:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


# words that end a negation's reach inside a clause: what follows is a new predicate (你们再不
# 处理我就投诉, 不解决的话我要投诉, 不给退款我要投诉: the caller as a new subject, 但是我要投诉).
# Grammar, not phrase knowledge.
NEGATION_BARRIERS = frozenset({"我", "就", "才", "那", "那就", "那我", "但", "但是", "可", "可是", "却", "而是",
                               "的话", "否则", "不然", "要不然", "要不", "于是", "所以", "结果", "只能", "只好"})


# jieba's dictionary holds some negated verbs as one word (没生气, 不满意) though they are composed,
# not lexicalised like 不错 or 没事: a rare word made of a cue and a common word of two characters
# or more carries the cue. Counts from jieba's dictionary, as for COMMON_WORD_COUNT.
FUSED_MAX_COUNT = 10


class NegationCues(frozenset):
    """The rubric's negation cue words (language.yaml ``negation_cues``) and ``heard``: the
    single-character cues (``negation_heard``: 不, 没, 别) that also count when the recogniser wrote
    a same-sounding character instead (我布是要投诉, 每有投诉的意思, 煤必要找经理). Whisper slips
    a negator as easily as any other syllable, and a lost negator turns "I am not complaining"
    into a complaint. A plain frozenset of cues behaves as before (nothing heard)."""

    heard: frozenset[str]

    def __new__(cls, cues=(), heard=()):
        obj = super().__new__(cls, cues)
        obj.heard = frozenset(heard)
        return obj

    def __eq__(self, other):
        return frozenset.__eq__(self, other) and self.heard == getattr(other, "heard", frozenset())

    def __hash__(self):
        return hash((frozenset(self), self.heard))


# where a negator stands: after the subject or a one-word adverb (我/你们/也/并/都 …), or at the
# clause start; grammar, not phrase knowledge. A same-sounding character elsewhere (一步, 这部)
# is not a heard negator.
_HEARD_CUE_AFTER = frozenset({"我", "你", "您", "他", "她", "我们", "你们", "他们", "咱", "咱们", "俺", "俺们",
                              "也", "并", "都", "还", "可", "真", "倒", "又", "就", "根本", "从来", "绝对", "确实", "肯定", "其实"})
# what a negator governs: a verb, an adjective, an adverb or a preposition (jieba's tags: v…, a…, d…, p)
_HEARD_CUE_BEFORE_TAGS = ("v", "a", "d", "p")


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    import jieba.posseg as posseg

    return posseg.dt.word_tag_tab


def _heard_cue(words: list[tuple[int, int, str]], i: int, cues: frozenset[str], heard: frozenset[str]) -> str | None:
    """The heard negation cue that ``words[i]`` (a lone character of another sound-alike) stands
    for: it sounds like the cue (toneless pinyin), follows a subject, an adverb or the clause
    start, and precedes a predicate (a verb/adjective/adverb word, or cue + next word is a
    dictionary word: 没生气). A lexicalised word of cue + next (不行, 没事) that is not a cue
    itself stays a word, as it does when written clean."""
    from .pinyin_match import _syllable

    s, e, w = words[i]
    if e - s != 1 or w in heard or not heard:
        return None
    cue = next((c for c in heard if _syllable(c) == _syllable(w)), None)
    if cue is None or i + 1 >= len(words):
        return None
    prev = words[i - 1][2] if i > 0 else ""
    if prev and prev not in _HEARD_CUE_AFTER and not CLAUSE_MARKS.fullmatch(prev):
        return None
    nxt = words[i + 1][2]
    count = _tokenizer().FREQ.get(cue + nxt) or 0
    if count >= FUSED_MAX_COUNT and cue + nxt not in cues:
        return None  # a lexicalised word (补行 for 不行, 没事): as written clean, it is no cue of its own
    tag = _word_tags().get(nxt, "")
    if tag.startswith(_HEARD_CUE_BEFORE_TAGS) or count > 0:
        return cue
    return None


def negation_words(text: str, cues: frozenset[str]) -> tuple[tuple[int, int, str], ...]:
    """The jieba words of ``text`` with a fused negation (没生气) split into cue and word (没 生气),
    and a heard cue (``NegationCues.heard``: 我|布|是 as 我|不|是) written as its cue."""
    freq = _tokenizer().FREQ
    out = []
    for s, e, w in tokens(text):
        cue = next((c for c in cues if len(w) - len(c) >= 2 and w.startswith(c)), None)
        if cue and (freq.get(w) or 0) < FUSED_MAX_COUNT and (freq.get(w[len(cue):]) or 0) >= COMMON_WORD_COUNT:
            out += [(s, s + len(cue), cue), (s + len(cue), e, w[len(cue):])]
        else:
            out.append((s, e, w))
    heard = getattr(cues, "heard", frozenset())
    if heard:
        out = [(s, e, _heard_cue(out, i, cues, heard) or w) for i, (s, e, w) in enumerate(out)]
    return tuple(out)


def negated(text: str, start: int, cues: frozenset[str], scope: int = 6) -> bool:
    """A negation cue among the ``scope`` words before ``start`` in the same clause with no
    barrier word between (没有要|投诉, 我没打算找你们|领导, 我也没想过要去|投诉; not 你们再不处理
    我就|投诉). Cues are whole jieba words, so 不 inside 不好 or 能不能 is not a cue for what
    follows."""
    if not cues:
        return False
    c0, _ = clause_bounds(text, start)
    before = [w for s, e, w in negation_words(text, cues) if c0 <= s and e <= start and w.strip()][-scope:]
    for w in reversed(before):
        if w in cues:
            return True
        if w in NEGATION_BARRIERS:
            return False
    return False


def has_cue(text: str, cues: frozenset[str]) -> bool:
    """Any negation cue as a word of ``text`` (a fused one too: 我没生气)."""
    return any(w in cues for _, _, w in negation_words(text, cues))
