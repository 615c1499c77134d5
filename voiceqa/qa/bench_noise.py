"""ASR-like noise for the QA text benchmark: homophone and near-homophone substitutions.

Whisper on telephone Mandarin mostly keeps the sounds and gets the characters wrong: a
character becomes another common one with the same toneless pinyin (查询 -> 查寻), 您 becomes
你, 工号 becomes 公号, and retroflex/flat initials (zh/z, ch/c, sh/s) and front/back nasals
(-n/-ng) are swapped; frequent characters are the likelier substitutes. ``noisy_text`` applies such errors to about ``rate`` of the Han
characters (at least one), seeded by ``key`` so the output is reproducible.
"""
from __future__ import annotations

import hashlib
import random
import re
from functools import lru_cache

_HAN = re.compile(r"[\u4e00-\u9fff]")
RATE = 0.15
YOU_TO_NI = 0.5  # share of 您 written as 你
NEAR_SHARE = 0.3  # share of substitutions that use a zh/z, ch/c, sh/s or -n/-ng confusion


@lru_cache(maxsize=1)
def char_frequency() -> dict[str, int]:
    """How often each character occurs as a word of its own in jieba's dictionary."""
    import jieba

    out = {}
    with jieba.get_dict_file() as f:
        for line in f:
            word, freq, *_ = line.decode("utf-8").split()
            if len(word) == 1:
                out[word] = int(freq)
    return out


@lru_cache(maxsize=1)
def common_by_pinyin() -> dict[str, tuple[tuple[str, int], ...]]:
    """Toneless pinyin -> (character, weight) for the GB2312 level-1 characters (the 3,755 most
    common, all Simplified) read that way; the weight is the character's frequency, so the
    substitutes are the characters a speech recogniser's language model prefers."""
    from pypinyin import Style, lazy_pinyin

    freq = char_frequency()
    out: dict[str, list[tuple[str, int]]] = {}
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes((hi, lo)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            out.setdefault(lazy_pinyin(ch, style=Style.NORMAL)[0], []).append((ch, freq.get(ch, 0) + 1))
    return {k: tuple(v) for k, v in out.items()}


def _pick(cands: list[tuple[str, int]], rng: random.Random) -> str:
    return rng.choices([c for c, _ in cands], weights=[w for _, w in cands])[0]


def near_syllables(syl: str) -> list[str]:
    """Syllables Whisper confuses with ``syl``: zh/z, ch/c, sh/s initials and -n/-ng finals."""
    out = []
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syl.startswith(a):
            out.append(b + syl[len(a):])
            break
        if syl.startswith(b):
            out.append(a + syl[len(b):])
            break
    if syl.endswith("ng"):
        out.append(syl[:-1])
    elif syl.endswith("n"):
        out.append(syl + "g")
    return out


def _readings(text: str) -> list[str]:
    """Toneless pinyin of each character of ``text`` (context-aware for polyphones)."""
    from pypinyin import Style, lazy_pinyin

    items = lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s))
    if len(items) != len(text):  # pypinyin grouped something: fall back to one char at a time
        items = [lazy_pinyin(ch, style=Style.NORMAL, errors=lambda s: list(s))[0] for ch in text]
    return items


def _substitute(ch: str, syl: str, rng: random.Random) -> str | None:
    table = common_by_pinyin()
    if rng.random() < NEAR_SHARE:
        near = [c for s in near_syllables(syl) for c in table.get(s, ()) if c[0] != ch]
        if near:
            return _pick(near, rng)
    same = [c for c in table.get(syl, ()) if c[0] != ch]
    return _pick(same, rng) if same else None


def noisy_text(text: str, key: str, rate: float = RATE) -> str:
    """``text`` with ASR-like substitutions; deterministic for a given ``key``."""
    rng = random.Random(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big"))
    chars = list(text)
    changed: set[int] = set()
    for m in re.finditer("工号", text):
        chars[m.start()] = "公"
        changed.add(m.start())
    for i, ch in enumerate(chars):
        if ch == "您" and rng.random() < YOU_TO_NI:
            chars[i] = "你"
            changed.add(i)
    han = [i for i, ch in enumerate(text) if _HAN.match(ch)]
    want = max(1, round(rate * len(han))) - len(changed)
    readings = _readings(text)
    candidates = [i for i in han if i not in changed]
    rng.shuffle(candidates)
    for i in candidates:
        if want <= 0:
            break
        sub = _substitute(text[i], readings[i], rng)
        if sub is not None:
            chars[i] = sub
            changed.add(i)
            want -= 1
    return "".join(chars)
