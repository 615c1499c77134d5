"""What the rules look at: the transcript's turns with roles and times, speech regions,
per-turn emotion and acoustics, and call-level metrics."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from typing import TYPE_CHECKING, Any

from ..schema import Region, Transcript, Turn

if TYPE_CHECKING:  # pragma: no cover
    from .semantic import ClauseVectors


@dataclass
class TurnAcoustics:
    loudness_db: float  # RMS level of the turn's audio, dBFS
    pitch_hz: float | None  # median F0 of voiced frames


@dataclass
class ScoringContext:
    transcript: Transcript
    acoustics: dict[int, TurnAcoustics] = field(default_factory=dict)  # turn index -> features
    emotions: list[str] = field(default_factory=list)  # per turn: calm | negative | angry
    negation: frozenset[str] = frozenset()  # negation cue words (the rubric's language lexicon)
    vectors: "ClauseVectors | None" = None  # clause embeddings, for semantic rules
    encoder: Any = None  # the encoder that made ``vectors`` (examples are embedded with it)
    calibration: Any = None  # the rubric's thresholds for that encoder
    known: Any = None  # KnownSentences: what semantic rules compare with (qa/semantic.py)
    sims: Any = None  # (clauses, known sentences) similarity matrix
    holdout: frozenset[str] = frozenset()  # examples to ignore (leave-one-out in `rubric test`)
    rubric: Any = None  # the rubric being applied (semantic rules look up compatible items)

    @property
    def turns(self) -> list[Turn]:
        return self.transcript.turns

    @property
    def duration(self) -> float:
        return self.transcript.duration

    def role_of_speaker(self) -> dict[str, str]:
        return {t.speaker: t.role for t in self.turns}

    @cached_property
    def speech_by_role(self) -> dict[str, list[Region]]:
        """Speech regions per role (from VAD/diarization); falls back to turn spans. Computed
        once per call: several rules and the metrics read it."""
        roles = self.role_of_speaker()
        out: dict[str, list[Region]] = {"agent": [], "customer": [], "unknown": []}
        if self.transcript.speech:
            for spk, regs in self.transcript.speech.items():
                out.setdefault(roles.get(spk, "unknown"), []).extend(regs)
        else:
            for t in self.turns:
                out.setdefault(t.role, []).append(Region(t.start, t.end, t.speaker))
        for regs in out.values():
            regs.sort(key=lambda r: r.start)
        return out

    def turns_in(self, role: str, first: float | None = None, last: float | None = None) -> list[tuple[int, Turn]]:
        out = []
        for i, t in enumerate(self.turns):
            if role != "any" and t.role != role:
                continue
            if first is not None and t.start > first:
                continue
            if last is not None and t.end < self.duration - last:
                continue
            out.append((i, t))
        return out


def char_time(turn: Turn, index: int) -> float:
    """Approximate time of character ``index`` of a turn (uniform speaking rate)."""
    n = max(len(turn.text), 1)
    return turn.start + (turn.end - turn.start) * min(max(index, 0), n) / n
