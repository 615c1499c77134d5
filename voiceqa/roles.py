"""Tell agent from customer.

Stereo: a channel map (default channel 0 = agent). Mono: score each diarized speaker on what
agents say and customers do not (the scripted greeting, 工号, 请问有什么可以帮您, the closing
and survey invitation) and on who opens the call. Phrases are matched by pinyin so Whisper's
homophones (公号, 你好) still count. With no evidence, roles stay ``unknown``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .schema import RoleDecision, Turn
from .text.lexicon import shipped_lexicon
from .text.pinyin_match import contains



def _cues(name: str) -> tuple[tuple[str, float], ...]:
    """(phrase, weight) cues from the shipped role lexicon (voiceqa/rubrics/lexicons/roles.yaml)."""
    return tuple(shipped_lexicon("roles.yaml").weights.get(name, {}).items())


OPENER_BONUS = 1.0
MIN_EVIDENCE = 2.5  # agent score margin needed before naming anyone


@dataclass(frozen=True)
class RoleOptions:
    agent_channel: int = 0  # stereo: which channel carries the agent


def _cue_score(text: str, cues: tuple[tuple[str, float], ...], found: list[str] | None = None) -> float:
    score = 0.0
    for phrase, w in cues:
        if contains(text, phrase, "pinyin"):
            score += w
            if found is not None:
                found.append(phrase)
    return score


def stereo_roles(speakers: list[str], agent_channel: int) -> RoleDecision:
    roles = {spk: ("agent" if i == agent_channel else "customer") for i, spk in enumerate(speakers)}
    return RoleDecision(roles=roles, confidence=1.0, evidence=[f"channel map: channel {agent_channel} = agent"])


def content_roles(turns: list[Turn], speakers: list[str]) -> RoleDecision:
    """Decide which speaker is the agent from what each one says."""
    if not speakers:
        return RoleDecision(roles={}, confidence=0.0, evidence=[])
    texts = {s: "".join(t.text for t in turns if t.speaker == s) for s in speakers}
    evidence: list[str] = []
    scores: dict[str, float] = {}
    for s in speakers:
        found: list[str] = []
        a = _cue_score(texts[s], _cues("agent_cues"), found)
        c = _cue_score(texts[s], _cues("customer_cues"))
        scores[s] = a - 0.5 * c
        if found:
            evidence.append(f"{s}: {'、'.join(found[:5])}")
    spoken = [t for t in sorted(turns, key=lambda t: t.start) if t.text.strip()]
    if spoken:
        scores[spoken[0].speaker] += OPENER_BONUS
        evidence.append(f"{spoken[0].speaker} opens the call")
    ranked = sorted(speakers, key=lambda s: scores[s], reverse=True)
    best = ranked[0]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    margin = scores[best] - max(runner_up, 0.0)
    if margin < MIN_EVIDENCE:
        return RoleDecision(
            roles={s: "unknown" for s in speakers},
            confidence=0.0,
            evidence=evidence + [f"not enough evidence (margin {margin:.1f} < {MIN_EVIDENCE})"],
        )
    confidence = 1.0 / (1.0 + math.exp(-(margin - MIN_EVIDENCE) / 2.0)) * 0.5 + 0.5
    roles = {s: ("agent" if s == best else "customer") for s in speakers}
    return RoleDecision(roles=roles, confidence=round(confidence, 2), evidence=evidence)
