"""Call-level timing metrics from the speech regions (not from Whisper's timestamps)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..schema import Region, merge_regions, r2
from .context import ScoringContext


def union(regions: list[Region]) -> list[tuple[float, float]]:
    return [(r.start, r.end) for r in merge_regions(regions)]


def silences(ctx: ScoringContext) -> list[tuple[float, float]]:
    """Stretches where nobody speaks, between the first and the last speech of the call."""
    speech = union([r for regs in ctx.speech_by_role.values() for r in regs])
    return [(a_end, b_start) for (_, a_end), (b_start, _) in zip(speech, speech[1:]) if b_start > a_end]


BACKCHANNEL = set("嗯嗯哦啊呃对是好行的嘛吧呀哈唉诶，。！？、 ")


@dataclass
class Overtalk:
    start: float
    end: float
    by: str  # who started talking over the other
    text: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start


def overtalk(ctx: ScoringContext, by: str = "agent", min_seconds: float = 0.8) -> list[Overtalk]:
    """Speech of ``by`` that starts while the other party is talking and overlaps it for at
    least ``min_seconds``, and that is more than a backchannel (嗯/对/好的) — someone taking the
    floor. Regions come from the VAD/diarization, the words from the turn starting there."""
    other = "customer" if by == "agent" else "agent"
    speech = ctx.speech_by_role
    turns = [t for t in ctx.turns if t.role == by]
    out = []
    for r in speech.get(by, []):
        for o in speech.get(other, []):
            if not (o.start < r.start < o.end):
                continue
            end = min(r.end, o.end)
            if end - r.start < min_seconds:
                continue
            turn = next((t for t in turns if r.start - 0.5 <= t.start <= r.start + 2.0 or t.start <= r.start < t.end), None)
            if turn is None or not set(turn.text) - BACKCHANNEL:
                continue  # a backchannel, or nothing was said that took the floor
            out.append(Overtalk(r.start, end, by, turn.text))
            break
    return out


@dataclass
class CallMetrics:
    agent_talk_ratio: float
    silence_total: float
    max_silence: float
    overtalk_count: int
    overtalk_seconds: float
    agent_chars_per_sec: float
    turns: int

    def to_dict(self) -> dict:
        return {k: (r2(v) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def call_metrics(ctx: ScoringContext) -> CallMetrics:
    speech = ctx.speech_by_role
    talk = {role: sum(b - a for a, b in union(regs)) for role, regs in speech.items()}
    total_talk = sum(talk.values()) or 1.0
    gaps = silences(ctx)
    agent_overtalk = overtalk(ctx, "agent")
    agent_turns = [t for t in ctx.turns if t.role == "agent"]
    agent_time = sum(t.end - t.start for t in agent_turns)
    agent_chars = sum(len(t.text) for t in agent_turns)
    return CallMetrics(
        agent_talk_ratio=talk.get("agent", 0.0) / total_talk,
        silence_total=sum(b - a for a, b in gaps),
        max_silence=max((b - a for a, b in gaps), default=0.0),
        overtalk_count=len(agent_overtalk),
        overtalk_seconds=sum(o.duration for o in agent_overtalk),
        agent_chars_per_sec=agent_chars / agent_time if agent_time else 0.0,
        turns=len(ctx.turns),
    )
