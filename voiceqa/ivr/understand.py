"""Caller understanding: what a caller's words select at a menu, and yes/no at a confirmation.

One module for menus, collects and confirmations, in stages a person would use:

1. normalise: Simplified (OpenCC), half-width, lower case, long 汉字 digit runs -> digits,
   fillers (嗯 / 呃 / 那个 / 就是 ...) dropped, clause breaks kept;
2. a spoken key (按1 / 第二个 / 三);
3. keywords on word boundaries (jieba): 能上了 is not in 现在还是不能上了; then the same by
   pinyin (ASR homophones: 退火 ~ 退货); an option that the caller negates (不要A / 不是A /
   A就不用了) is excluded, so 不要A，要B selects B;
4. meaning: cosine similarity of the utterance (negated phrases removed) to each option's
   ``examples`` and label with the sentence encoder the QA stage uses
   (:func:`voiceqa.embeddings.get_encoder`, one model load per process);
5. decision: one clear winner is selected; two close candidates -> ``ambiguous`` (the runner
   asks the caller to choose); nothing close enough -> no match (reprompt), never a guess.

The encoder is the flow's ``encoder:``, else ``$VOICEQA_IVR_ENCODER``, else the project default.
"""
from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Sequence

import numpy as np

from ..text.chinese import han_digits_to_arabic, to_simplified
from ..text.pinyin_match import find as pinyin_find

log = logging.getLogger("voiceqa.ivr")

FILLERS = frozenset({"嗯", "嗯嗯", "呃", "啊", "哦", "噢", "唉", "哎", "那个", "就是", "就是说", "然后", "这个这个", "emm", "em"})
_HAN_DIGITS = "零〇一幺二两三四五六七八九"
_DIGIT_RUN = re.compile(rf"[{_HAN_DIGITS}0-9]{{3,}}")
_CLAUSE = re.compile(r"[\s,，。.!！?？;；:：、~～…]+")
_DROP = re.compile(r"[^\w]+", re.UNICODE)

# negation of an option: NEGATOR + GLUE* + keyword, or keyword + GLUE* + POST_NEGATION
NEGATORS = ("不需要", "不打算", "不是", "不要", "没有", "不用", "不想", "不必", "不办", "不查", "别", "甭", "不")
GLUE = ("是要", "是想", "打算", "需要", "帮我", "给我", "帮忙", "办理", "查询", "申请", "一下", "我", "要", "想", "是", "用",
        "去", "再", "办", "查", "问", "做", "转", "找", "说", "的", "了", "个", "什么", "那个", "这个", "调", "提", "改", "开",
        "弄", "搞", "看", "跟", "给", "帮", "你们", "出", "出了", "发生", "有")
_NEG_BEFORE = re.compile("(?:" + "|".join(NEGATORS) + ")(?:" + "|".join(sorted(GLUE, key=len, reverse=True)) + ")*$")
_NEG_AFTER = re.compile(r"^(?:就|也|先|的话|呢|吧|了|我)*(?:不用|不要|不需要|不办|不做|不查|算了)")
# "none of those" as the whole answer (一滴水都没有 is a problem description, not a refusal)
NOTHING = re.compile(r"^(?:我|你说的|这些|那些|上面的|上面这些|好像|感觉|说的)*(?:都不是|都不要|都不用|哪个都不\w{0,2}|都没有|都不对|没有我要的)"
                     r"(?:我要的|我想要的|我想办的|我需要的|我要办的)?(?:的|啊|呀|了|吧|呢|哦)*$")

YES_WORDS = ("对", "对的", "对啊", "对呀", "对头", "是", "是的", "是啊", "是呀", "是滴", "没错", "没有错", "确认", "确定", "可以",
             "正确", "好", "好的", "好嘞", "行", "嗯", "对对", "没问题", "没有问题", "就是这个", "是这个", "不错", "ok", "okay",
             "yes", "yeah", "无误", "一致", "不用改", "不用修改", "不需要改", "不用重新", "不用重输", "不用再输", "没毛病")
NO_WORDS = ("不对", "不是", "错了", "错", "不正确", "不确定", "不确认", "重新", "重输", "重来", "再输", "再来", "再说",
            "不行", "不要", "不可以", "不用", "否", "有误", "输错", "说错", "搞错", "弄错", "记错", "取消", "修改", "改一下",
            "没对", "不了", "不", "没有", "有问题", "不一致", "反了", "少了", "多了", "少一位", "多一位", "多输", "少输", "漏了", "改成",
            "no", "nope", "wrong")
_YN = re.compile("|".join(re.escape(w) for w in sorted(set(YES_WORDS + NO_WORDS), key=len, reverse=True)))
_YES, _NO = frozenset(YES_WORDS), frozenset(NO_WORDS)

ORDINALS = {"1": ("1", "一", "幺"), "2": ("2", "二", "两"), "3": ("3", "三"), "4": ("4", "四"), "5": ("5", "五"),
            "6": ("6", "六"), "7": ("7", "七"), "8": ("8", "八"), "9": ("9", "九"), "0": ("0", "零")}

OTHER = "~other:"  # id prefix of "not offered here" choices (voiceqa.ivr.knowledge)

# calibrated on tests/data/ivr_utterances.yaml (scripts/bench_ivr.py): (accept, margin)
THRESHOLDS = {"e5": (0.9, 0.002), "use": (0.44, 0.01)}
DEFAULT_THRESHOLDS = (0.5, 0.03)
# (floor, lead): below the accept threshold, a score >= floor that leads every other option and
# every out-of-scope group by >= lead is accepted; calibrated like THRESHOLDS
# (tests/data/ivr_utterances.yaml: any floor 0.85-0.89 with a lead >= 0.01 loses nothing there,
# a lead of 0.005 lets an out-of-scope request through; chosen with some room on both)
LOW_ACCEPT: dict[str, tuple[float, float]] = {"e5": (0.86, 0.012)}
# close calls just under the accept threshold (both >= the LOW_ACCEPT floor, within its lead)
# are asked about ("A or B?") instead of re-prompted (only at menus with phrase knowledge, like
# the lead rule); measured: no change on tests/data/ivr_utterances.yaml, 2 re-prompts on unseen
# flows become a question that offers the right option
ASK_BELOW = True
POLARITY_PENALTY = {"e5": 0.03, "use": 0.15}

_NEGATIVE = re.compile(r"(不|没|未|无法|别|依然|仍然|照样|老样子)")


def negative(text: str) -> bool:
    """The utterance says something is not so (不能 / 没好 / 无法 / 未)."""
    return bool(_NEGATIVE.search(text))


@lru_cache(maxsize=1024)
def option_polarity(c: "Choice") -> bool | None:
    """True when (nearly) all of an option's phrases are negative, False when none is; None
    when mixed (then polarity says nothing about it)."""
    phrases = c.examples + c.keywords + ((c.label,) if c.label else ())
    if len(phrases) < 2:
        return None
    share = sum(negative(p) for p in phrases) / len(phrases)
    return True if share >= 0.75 else False if share == 0 else None


# ---------------------------------------------------------------- normalisation
@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _basic(text: str) -> str:
    text = unicodedata.normalize("NFKC", to_simplified(text or "")).lower()
    return _DIGIT_RUN.sub(lambda m: han_digits_to_arabic(m.group(0)), text)


@dataclass(frozen=True)
class Utterance:
    """A normalised caller utterance: ``text`` (no punctuation, no fillers) and its words."""

    raw: str
    text: str
    spans: tuple[tuple[int, int], ...]  # word (start, end) offsets in ``text``
    breaks: frozenset[int]  # offsets in ``text`` where a clause ended

    def word_bounded(self, s: int, e: int) -> bool:
        """True unless a word crosses the edge of text[s:e] without containing all of it."""
        for ws, we in self.spans:
            if we <= s or ws >= e:
                continue
            if ws <= s and e <= we:
                return True  # part of one longer word (查快递 ⊃ 快递)
            if ws < s < we or ws < e < we:
                return False
        return True


@lru_cache(maxsize=4096)
def normalise(text: str) -> Utterance:
    jb = _jieba()
    out, spans, breaks = [], [], set()
    pos = 0
    for clause in _CLAUSE.split(_basic(text)):
        clause = _DROP.sub("", clause)
        if not clause:
            continue
        for w in jb.lcut(clause, HMM=False):
            if w in FILLERS:
                continue
            out.append(w)
            spans.append((pos, pos + len(w)))
            pos += len(w)
        breaks.add(pos)
    return Utterance(text or "", "".join(out), tuple(spans), frozenset(breaks))


@lru_cache(maxsize=4096)
def norm_phrase(phrase: str) -> str:
    """A keyword/label in the form it is searched for (no filler removal)."""
    return _DROP.sub("", _basic(phrase))


def extract_digits(text: str) -> str:
    """The number a caller typed or said: 汉字 digits (幺/两 included) -> Arabic, runs joined
    across pauses; single stray digits (一下, 一个) are ignored unless that is all there is.
    A trailing X (ID cards) is kept."""
    s = unicodedata.normalize("NFKC", to_simplified(text or "")).lower().replace("叉", "x")
    s = han_digits_to_arabic(s)
    runs = re.findall(r"\d+x?", s)
    if not runs:
        return ""
    long_runs = [r for r in runs if len(r) >= 2]
    return ("".join(long_runs) if long_runs else runs[0]).upper()


# ---------------------------------------------------------------- yes / no
YesNo = Literal["yes", "no", "unclear"]


def yes_no(text: str) -> YesNo:
    """A confirmation answer: any sign of "no" wins (不对 contains 对, 没错 contains 错: the
    longest listed phrase at each position is taken), then "yes"; else unclear."""
    s = _DROP.sub("", unicodedata.normalize("NFKC", to_simplified(text or "")).lower())
    s = s.replace("不好意思", "")  # "sorry", not a "no"
    if not s:
        return "unclear"
    if s in ("1", "按1", "一", "按一", "幺"):
        return "yes"
    if s in ("2", "按2", "二", "按二"):
        return "no"
    found = [m.group(0) for m in _YN.finditer(s)]
    if any(w in _NO for w in found):
        return "no"
    if any(w in _YES for w in found):
        return "yes"
    return "unclear"


# ---------------------------------------------------------------- menus
@dataclass(frozen=True)
class Choice:
    """What can be chosen at a menu: an option (or the global agent command)."""

    id: str  # option key / intent / label, or "agent"
    label: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    key: str | None = None
    # phrases of the common intents this option offers (voiceqa.ivr.knowledge), matched by meaning
    knowledge: tuple[str, ...] = ()

    @property
    def other(self) -> bool:
        """Stands for something the menu does not offer (an out-of-scope group of the phrase knowledge)."""
        return self.id.startswith(OTHER)


@dataclass(frozen=True)
class Understanding:
    """The result for one utterance: ``choice`` is the chosen id, None when no match; when
    ``ambiguous`` holds two ids the caller should be asked which one."""

    choice: str | None
    how: str  # empty | spoken key | keyword | pinyin keyword | meaning | ambiguous | negated | no match
    confidence: float = 0.0
    ambiguous: tuple[str, ...] = ()
    scores: tuple[tuple[str, float], ...] = ()
    negated: tuple[str, ...] = ()

    def describe(self) -> str:
        sc = " ".join(f"{k}={v:.3f}" for k, v in self.scores)
        neg = f" negated={','.join(self.negated)}" if self.negated else ""
        return f"{self.how} -> {self.choice or '/'.join(self.ambiguous) or 'none'} ({self.confidence:.3f}){neg}{' ' + sc if sc else ''}"


def _ordinal(text: str, choices: Sequence[Choice]) -> Choice | None:
    s = norm_phrase(text)
    for c in choices:
        if not c.key:
            continue
        for w in ORDINALS.get(c.key, (c.key,)):
            if s in (w, f"按{w}", f"第{w}个", f"第{w}项", f"{w}号", f"选{w}", f"按{w}号", f"我按{w}", f"我选{w}"):
                return c
    return None


def _hits(u: Utterance, phrase: str, by_sound: bool) -> list[tuple[int, int]]:
    p = norm_phrase(phrase)
    if not p or not u.text:
        return []
    if by_sound:
        if len(p) < 2:
            return []
        found = [(m.start, m.end) for m in pinyin_find(u.text, p, "pinyin")]
    else:
        found = [(m.start(), m.end()) for m in re.finditer(re.escape(p), u.text)]
    return [(s, e) for s, e in found if u.word_bounded(s, e)]


def _a_not_a(text: str, at: int) -> bool:
    """The negator at ``at`` is part of an A-not-A question (是不是 / 要不要 / 有没有 / 用不用 +
    option): 不确定是不是漏气 asks about 漏气, it does not refuse it."""
    neg = next((n for n in NEGATORS if text.startswith(n, at)), "")
    verb = neg[1:]
    return bool(verb) and neg[0] in "不没" and text[max(0, at - len(verb)):at] == verb


def _negated(u: Utterance, s: int, e: int) -> int | None:
    """Start of the negation governing text[s:e] (不要/不是 ... before, 就不用了 after), or None."""
    clause_start = max((b for b in u.breaks if b <= s), default=0)
    m = _NEG_BEFORE.search(u.text[clause_start:s])
    if m and not _a_not_a(u.text, clause_start + m.start()):
        return clause_start + m.start()
    if _NEG_AFTER.match(u.text[e:]):
        return s
    return None


def _keyword_stage(u: Utterance, choices: Sequence[Choice], by_sound: bool):
    """Ids with a positive hit, negated ids, the negated spans to mask, the positive hit spans."""
    pos, neg, masks, hits = set(), set(), [], []
    for c in choices:
        for kw in c.keywords + ((c.label,) if c.label and len(norm_phrase(c.label)) >= 2 else ()):
            for s, e in _hits(u, kw, by_sound):
                start = _negated(u, s, e)
                if start is None:
                    pos.add(c.id)
                    hits.append((s, e))
                else:
                    neg.add(c.id)
                    masks.append((start, e))
    return pos, neg, masks, hits


class Matcher:
    """Understands callers at the menus of one flow (encoder and thresholds fixed per flow)."""

    def __init__(self, encoder: str | None = None, threshold: float | None = None, margin: float | None = None):
        from ..embeddings import DEFAULT_ENCODER

        self.encoder_spec = encoder or os.environ.get("VOICEQA_IVR_ENCODER") or DEFAULT_ENCODER
        base = self.encoder_spec.split(":")[0]
        t, m = THRESHOLDS.get(base, DEFAULT_THRESHOLDS)
        self.threshold = t if threshold is None else threshold
        self.margin = m if margin is None else margin
        self.polarity_penalty = POLARITY_PENALTY.get(base, 0.1)
        self.low_accept = LOW_ACCEPT.get(base) if threshold is None else None
        self.ask_below = ASK_BELOW
        self._enc = None
        self._vecs: dict[str, np.ndarray] = {}

    @property
    def encoder(self):
        if self._enc is None:
            from ..embeddings import get_encoder

            self._enc = get_encoder(self.encoder_spec)
        return self._enc

    def _embed(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._vecs]
        if todo:
            for t, v in zip(todo, self.encoder.encode(todo)):
                self._vecs[t] = v
        return np.stack([self._vecs[t] for t in texts])

    def _embed_fresh(self, texts: list[str]) -> np.ndarray:
        """Encode without the in-memory cache (batch encoding of a whole phrase file)."""
        return self.encoder.encode(list(texts))

    def seed(self, texts: Sequence[str], vecs: np.ndarray) -> None:
        """Vectors computed elsewhere (the phrase-knowledge disk cache) for this encoder."""
        for t, v in zip(texts, vecs):
            self._vecs.setdefault(t, np.asarray(v, dtype=np.float32))

    def _refs(self, choices: Sequence[Choice]) -> tuple[list[str], list[str]]:
        """Reference texts (the option's own, then its phrase knowledge) and the choice each belongs to."""
        refs, owner = [], []
        for c in choices:
            if c.id == "agent" and not c.examples:
                continue  # a request for a person is heard by its words, unless the flow gives examples
            own = c.examples + ((c.label,) if c.label else ()) + tuple(k for k in c.keywords if len(k) >= 2)
            for ex in own:
                refs.append(to_simplified(ex))
                owner.append(c.id)
            for ex in c.knowledge:
                if ex not in own:
                    refs.append(ex)
                    owner.append(c.id)
        return refs, owner

    def prepare(self, choices: Sequence[Choice]) -> None:
        """Encode a menu's examples ahead of the first caller (the runner does it lazily)."""
        refs, _ = self._refs(choices)
        if refs:
            self._embed(refs)

    def meaning_scores(self, text: str, choices: Sequence[Choice]) -> dict[str, float]:
        """Per choice: the best cosine similarity of ``text`` to its examples, label and
        keywords; minus a penalty when the option clearly means the opposite polarity
        (sentence encoders barely see 不/没: 还是不能上网 ~ 可以上网了)."""
        refs, owner = self._refs(choices)
        if not refs or not text:
            return {}
        sims = self._embed(refs) @ self._embed([text])[0]
        out: dict[str, float] = {}
        for cid, s in zip(owner, sims.tolist()):
            out[cid] = max(out.get(cid, -1.0), s)
        said = negative(text)
        for c in choices:
            pol = option_polarity(c)
            if pol is not None and pol != said and c.id in out:
                out[c.id] -= self.polarity_penalty
        return out

    def understand(self, text: str, choices: Sequence[Choice], keywords_only: bool = False,
                   ordinal_of: Sequence[str] = (), domain: frozenset[str] = frozenset()) -> Understanding:
        """``keywords_only``: no meaning stage (a global command inside a collect);
        ``ordinal_of``: the two ids the caller was just asked to choose between (第一个 / 后面那个);
        ``domain``: the flow's service domains (:mod:`voiceqa.ivr.domains`): a request that names
        another industry's service (电费 at a water utility) and none of the flow's is not routed."""
        u = normalise(text)
        if not u.text:
            return Understanding(None, "empty")
        if ordinal_of:
            s = norm_phrase(text)
            if re.search(r"(第一|前面|前一|前者|头一)", s):
                return Understanding(ordinal_of[0], "spoken key", 1.0)
            if re.search(r"(第二|后面|后一|后者|后边)", s):
                return Understanding(ordinal_of[1], "spoken key", 1.0)
        by_key = _ordinal(text, choices)
        if by_key:
            return Understanding(by_key.id, "spoken key", 1.0)
        if NOTHING.match(u.text):
            return Understanding(None, "no match")
        # keywords by spelling, then by sound; an option the caller negates (不要A) is out, and
        # one that is also asked for positively (不要A，要A的…) stays
        pos, neg, masks, hits = _keyword_stage(u, choices, by_sound=False)
        if domain:
            out = self._out_of_domain(u, domain, hits)
            if out:
                return out
        how, conf = "keyword", 0.95
        if not pos - neg:
            p2, n2, m2, _ = _keyword_stage(u, choices, by_sound=True)
            pos, neg, masks, how, conf = pos | p2, neg | n2, masks + m2, "pinyin keyword", 0.85
        negated = neg - pos
        pos -= negated
        if len(pos) == 1:
            return Understanding(next(iter(pos)), how, conf, negated=tuple(sorted(negated)))
        if len(pos) > 1:
            real = [c for c in choices if c.id in pos and c.id != "agent"]
            if len(real) == 1:
                return Understanding(real[0].id, how, conf, negated=tuple(sorted(negated)))
            return self._decide(u, masks, real, negated, how_prefix=how + "+", floor=-1.0)
        if keywords_only:
            return Understanding(None, "negated" if negated else "no match", negated=tuple(sorted(negated)))
        cands = [c for c in choices if c.id not in negated]
        res = self._decide(u, masks, cands, negated)
        if ordinal_of and res.ambiguous:  # answering "A or B?": the closer one, however slightly
            return Understanding(res.ambiguous[0], "meaning (asked)", res.confidence, scores=res.scores, negated=res.negated)
        return res

    @staticmethod
    def _out_of_domain(u: Utterance, domain: frozenset[str], hits) -> Understanding | None:
        """A request naming another industry's service and none of the flow's: not routed. An
        option keyword said in another clause (ASR: 一双 -> 医生, then 退款 later) still decides;
        one in the same clause as the foreign noun (电费缴费 at a water utility) does not."""
        from .domains import foreign_spans

        found = foreign_spans(u.text, domain)
        if not found:
            return None

        def clause(i: int) -> int:
            return sum(b <= i for b in u.breaks)

        if hits and not any(clause(s) == clause(fs) for s, _ in hits for fs, _, _ in found):
            return None
        names = sorted({d for _, _, ds in found for d in ds})
        return Understanding(None, "out of domain", scores=tuple((d, 1.0) for d in names))

    def _decide(self, u: Utterance, masks, cands: Sequence[Choice], negated: set[str], how_prefix: str = "",
                floor: float | None = None) -> Understanding:
        keep = [True] * len(u.text)
        for s, e in masks:  # drop negated phrases (不要退货) before judging the rest by meaning
            keep[s:e] = [False] * (e - s)
        text = "".join(ch for ch, k in zip(u.text, keep) if k)
        neg = tuple(sorted(negated))
        if len(text) < 2 or not cands:
            return Understanding(None, "negated" if neg else "no match", negated=neg)
        scores = self.meaning_scores(text, cands)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        shown = tuple((k, round(v, 3)) for k, v in ranked[:6])
        other = next((v for k, v in ranked if k.startswith(OTHER)), None)
        ranked = [kv for kv in ranked if not kv[0].startswith(OTHER)]
        if not ranked:
            return Understanding(None, "no match", negated=neg)
        if other is not None and other > ranked[0][1]:
            return Understanding(None, "not offered", ranked[0][1], scores=shown, negated=neg)
        (best, s1), (second, s2) = ranked[0], (ranked[1] if len(ranked) > 1 else ("", -1.0))
        threshold = self.threshold if floor is None else floor
        if s1 < threshold:
            # below the threshold, a clear lead over every other option and every "other" choice
            # still decides (only when the menu has phrase knowledge to compare with)
            lead = s1 - max(s2, other if other is not None else -1.0)
            if not (floor is None and other is not None and self.low_accept
                    and s1 >= self.low_accept[0] and lead >= self.low_accept[1]):
                if (self.ask_below and floor is None and other is not None and self.low_accept
                        and s2 >= self.low_accept[0] and s1 - s2 < self.low_accept[1] and s2 > other):
                    # two options close to each other, both near the threshold and above every
                    # out-of-scope group: ask which one rather than re-prompting from scratch
                    return Understanding(None, how_prefix + "ambiguous", s1, ambiguous=(best, second), scores=shown, negated=neg)
                return Understanding(None, "no match", s1, scores=shown, negated=neg)
            return Understanding(best, how_prefix + "meaning (lead)", s1, scores=shown, negated=neg)
        if s1 - s2 < self.margin and s2 >= threshold - self.margin:
            return Understanding(None, how_prefix + "ambiguous", s1, ambiguous=(best, second), scores=shown, negated=neg)
        return Understanding(best, how_prefix + "meaning", s1, scores=shown, negated=neg)


@lru_cache(maxsize=16)
def matcher_for(encoder: str | None, threshold: float | None, margin: float | None) -> Matcher:
    return Matcher(encoder, threshold, margin)
