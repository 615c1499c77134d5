"""Reported speech: words the agent repeats from someone else are not the agent's own words.

An agent handling a complaint quotes what was said (司机那边说您上车就骂他是个蠢货 / 保安说您家狗
是"畜生不如的东西" / 您刚才说快递员让您滚远点): the rude words are evidence about a third party,
and a violation rule that reads them as the agent's own raises a false (often fatal) flag. A word
list of quoting phrases cannot hold every speaker and verb, so the scope is a structure:

- a *frame* (the rubric's ``reported_speech`` regex: a speaker other than the agent and a verb of
  saying, 司机说 / 老师当面跟您讲 / 商家回您那句 / 您刚才说) opens the scope at its end, which runs to
  the end of that clause; a quotation opened in the clause runs on to its closing mark. A frame
  may instead name the reported words itself with a named group whose name starts with ``said``
  (a lookahead bounded in length, ``(?=(?P<said>[^你您]{1,8}))``): the scope is then that group,
  cut at the clause end. A caller's echo of the agent's word (你刚才说我笨？) is a few characters,
  and in an unpunctuated transcript the caller's own insult may follow in the same "clause"
  (你刚才说啥你脑子有病吧), so such frames stop where the words stop being the agent's;
- a quotation (“…” 「…」) anywhere in the turn is reported too, unless the agent introduces it as
  their own (我说"…");
- an *endorsement* after the scope (the rule's ``endorsed`` words: 一点都没说错, 我看也是) makes the
  quoted words the agent's own again: 别人说您难缠，我看一点都没说错 is an insult.

The frame regex lives in the rubric (which speakers, which verbs: bare 你说 is left out since 你说
我能怎么办 / 你说你是不是… are the agent's own rhetoric, not a report); this module only draws the
scope.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..text.phrases import mentions
from ..text.words import COARSE_CLAUSE_MARKS, clause_bounds

_QUOTES = re.compile(r"“[^”]*”|「[^」]*」|\"[^\"]*\"")
# the agent introducing a quotation as their own words: 我说"…" / 我们就跟您讲"…"
_OWN_FRAME = re.compile(r"我们?(?:就|也|刚才|当时|已经)?(?:说|讲|跟[您你](?:说|讲))[:：，,]?\s*$")


def _clause_end(text: str, start: int) -> int:
    """Where the clause holding ``start`` ends; a quotation opened before that runs to its close."""
    end = clause_bounds(text, start, COARSE_CLAUSE_MARKS)[1]
    for q in _QUOTES.finditer(text):
        if start <= q.start() < end:
            end = max(end, q.end())
    return end


def _frame_scope(m: re.Match[str], text: str) -> tuple[int, int]:
    """The scope a frame match opens: its ``said…`` group when the frame names one (cut at the
    clause end), else from the frame's end to the clause end."""
    for name, value in m.groupdict().items():
        if name.startswith("said") and value is not None:
            start, end = m.span(name)
            return start, min(end, _clause_end(text, start))
    return m.end(), _clause_end(text, m.end())


@lru_cache(maxsize=8192)
def frame_pattern(frames) -> str:
    """Several frame regexes (a lexicon list, customer.yaml ``reported_frame``) as one frame."""
    return "|".join(f"(?:{x})" for x in frames)


def reported_spans(text: str, frame: str, endorsed: tuple[str, ...] = ()) -> tuple[tuple[int, int], ...]:
    """The character spans of ``text`` that report someone else's words (see the module doc)."""
    spans = []
    for m in re.finditer(frame, text):
        spans.append(_frame_scope(m, text))
    for q in _QUOTES.finditer(text):
        if not _OWN_FRAME.search(text[max(0, q.start() - 12):q.start()]):
            spans.append((q.start(), q.end()))
    if endorsed:
        spans = [(s, e) for s, e in spans if not mentions(text[e:], endorsed)]
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return tuple(merged)


def inside_reported(spans: tuple[tuple[int, int], ...], start: int, end: int) -> bool:
    """Whether most of ``text[start:end]`` (a match or a clause) lies in reported speech."""
    if not spans or end <= start:
        return False
    covered = sum(max(0, min(end, e) - max(start, s)) for s, e in spans)
    return covered * 2 > end - start
