"""Reported speech: words the agent repeats from someone else are not the agent's own words.

An agent handling a complaint quotes what was said (司机那边说您上车就骂他是个蠢货 / 保安说您家狗
是"畜生不如的东西" / 您刚才说快递员让您滚远点): the rude words are evidence about a third party,
and a violation rule that reads them as the agent's own raises a false (often fatal) flag. A word
list of quoting phrases cannot hold every speaker and verb, so the scope is a structure:

- a *frame* (the rubric's ``reported_speech`` regex: a speaker other than the agent and a verb of
  saying, 司机说 / 老师当面跟您讲 / 商家回您那句 / 您刚才说) opens the scope at its end, which runs to
  the end of that clause; a quotation opened in the clause runs on to its closing mark;
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

_CLAUSE_END = re.compile(r"[，,；;。？！?!]")
_QUOTES = re.compile(r"“[^”]*”|「[^」]*」|\"[^\"]*\"")
# the agent introducing a quotation as their own words: 我说"…" / 我们就跟您讲"…"
_OWN_FRAME = re.compile(r"我们?(?:就|也|刚才|当时|已经)?(?:说|讲|跟[您你](?:说|讲))[:：，,]?\s*$")


def _clause_end(text: str, start: int) -> int:
    """Where the clause holding ``start`` ends; a quotation opened before that runs to its close."""
    end = len(text)
    m = _CLAUSE_END.search(text, start)
    if m:
        end = m.start()
    for q in _QUOTES.finditer(text):
        if start <= q.start() < end:
            end = max(end, q.end())
    return end


@lru_cache(maxsize=8192)
def reported_spans(text: str, frame: str, endorsed: tuple[str, ...] = ()) -> tuple[tuple[int, int], ...]:
    """The character spans of ``text`` that report someone else's words (see the module doc)."""
    spans = []
    for m in re.finditer(frame, text):
        spans.append((m.end(), _clause_end(text, m.end())))
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
