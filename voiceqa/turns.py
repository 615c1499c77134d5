"""Group per-speaker speech regions into conversational turns."""
from __future__ import annotations

from .schema import Region


def build_turns(speech: dict[str, list[Region]], max_gap: float = 1.2) -> list[list[Region]]:
    """Each turn is a run of one speaker's regions, broken when the gap exceeds ``max_gap`` or
    another speaker starts talking in between. Returns turns sorted by start time."""
    all_regions = sorted((r for regs in speech.values() for r in regs), key=lambda r: r.start)
    turns: list[list[Region]] = []
    open_turn: dict[str, list[Region]] = {}
    for r in all_regions:
        cur = open_turn.get(r.speaker)
        if cur is not None:
            gap_start = cur[-1].end
            interrupted = any(
                o.speaker != r.speaker and gap_start <= o.start < r.start for o in all_regions
            )
            if r.start - gap_start <= max_gap and not interrupted:
                cur.append(r)
                continue
        cur = [r]
        open_turn[r.speaker] = cur
        turns.append(cur)
    return sorted(turns, key=lambda t: t[0].start)


def tighten(start: float, end: float, tight: list[Region]) -> tuple[float, float]:
    """Shrink a turn span measured on (padded) ASR regions to the speech the VAD found in it."""
    inside = [r for r in tight if r.end > start and r.start < end]
    if not inside:
        return start, end
    return max(start, min(r.start for r in inside)), min(end, max(r.end for r in inside))
