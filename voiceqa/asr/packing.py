"""Pack many short speech regions into Whisper-sized windows and map times back.

Whisper always encodes 30 s windows, so transcribing a 2 s turn costs as much as a 30 s
one. Laying one speaker's regions end to end (with a short gap between them) fills each
window with speech; word timestamps then map every word back to the original timeline and
to the region it came from. A window never mixes speakers: with both voices packed
together, Whisper skipped whole stretches of the second voice (CER 0.10 -> 0.26 on the
dev calls).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..schema import Region


@dataclass
class Placement:
    index: int  # index of the region in the caller's list
    packed_start: float  # where it starts in the packed stream (s)
    orig_start: float
    length: float


@dataclass
class PackedWindow:
    start: float  # offset of this window in the packed stream (s)
    end: float
    placements: list[Placement]


def _quietest(x: np.ndarray, rate: int, lo: float, hi: float, frame: float = 0.05) -> float:
    """Time (s from the start of ``x``) of the quietest ``frame`` inside [lo, hi]: where a
    pause is, so a cut there does not split a word."""
    n = max(1, int(frame * rate))
    a, b = int(lo * rate), int(hi * rate)
    seg = x[a:b]
    k = len(seg) // n
    if k < 2:
        return (lo + hi) / 2
    energy = np.mean(seg[: k * n].reshape(k, n).astype(np.float64) ** 2, axis=1)
    return lo + (int(np.argmin(energy)) + 0.5) * n / rate


def split_long(
    regions: list[Region], max_len: float, sources: Mapping[str, np.ndarray] | None = None, rate: int = 16000
) -> list[tuple[int, Region]]:
    """Cut regions longer than ``max_len`` into pieces of at most ``max_len``; keep the caller's
    index. With ``sources`` each cut goes at the quietest 50 ms in the second half of the
    allowed span (a pause between words); without, pieces are equal."""
    out: list[tuple[int, Region]] = []
    for i, r in enumerate(regions):
        start = r.start
        while r.end - start > max_len:
            if sources is None:
                n = int(np.ceil((r.end - start) / max_len))
                cut = start + (r.end - start) / n
            else:
                x = sources[r.speaker]
                a = int(start * rate)
                cut = start + _quietest(x[a: a + int(max_len * rate)], rate, max_len / 2, max_len)
            out.append((i, Region(start, cut, r.speaker)))
            start = cut
        out.append((i, Region(start, r.end, r.speaker)))
    return out


def share(speech: float, window: float, stretch: float = 0.0, min_fill: float = 0.0) -> float:
    """Seconds of speech per window when ``speech`` seconds are spread evenly over as few
    windows of ``window`` s as hold them; when that leaves windows under ``min_fill`` s, one
    window fewer as long as each stays within ``stretch`` s (25 s: one window of 25, not two
    short ones)."""
    n = max(1, int(np.ceil(speech / window)))
    if n > 1 and speech / n < min_fill and speech / (n - 1) <= stretch:
        n -= 1
    return speech / n


def pack(
    sources: Mapping[str, np.ndarray], regions: list[Region], rate: int, window: float, gap: float, solo: bool = False,
    stretch: float = 0.0, min_fill: float = 0.0,
) -> tuple[np.ndarray, list[PackedWindow]]:
    """Concatenate ``regions`` into windows of at most ``window`` seconds, one speaker per
    window (``solo``: one region per window); each region is cut from ``sources[region.speaker]``.

    A speaker's speech is spread evenly over as few windows as hold it (45 s in 20 s windows:
    three of about 15 s, not 20 + 20 + 5), so no window is a short remainder that must be
    padded to Whisper's 30 s; where even shares would all be under ``min_fill`` s, windows of
    up to ``stretch`` s are used instead (see ``share``)."""
    pieces: list[np.ndarray] = []
    windows: list[PackedWindow] = []
    cursor = 0.0
    cur: PackedWindow | None = None
    silence = np.zeros(int(gap * rate), dtype=np.float32)
    speaker = None
    parts = [(idx, reg, sources[reg.speaker][int(reg.start * rate): int(reg.end * rate)])
             for idx, reg in sorted(split_long(regions, window - gap, sources, rate), key=lambda p: (p[1].speaker, p[1].start))]
    parts = [(idx, reg, a) for idx, reg, a in parts if len(a)]
    left: dict[str, float] = {}  # each speaker's speech not yet placed (with its gaps)
    for _, reg, a in parts:
        left[reg.speaker] = left.get(reg.speaker, 0.0) + len(a) / rate + gap
    target = limit = window
    for idx, reg, a in parts:
        length = len(a) / rate
        fill = cursor - cur.start if cur is not None else 0.0
        # a new window when the speaker changes, this part does not fit, or most of it would
        # lie past the even share (the windows still needed split what is left equally)
        if cur is None or solo or reg.speaker != speaker or fill + length > limit or fill + length / 2 > target:
            speaker = reg.speaker
            target = share(left[speaker], window, stretch, min_fill)
            limit = max(window, target)
            cur = PackedWindow(start=cursor, end=cursor, placements=[])
            windows.append(cur)
        cur.placements.append(Placement(idx, cursor, reg.start, length))
        pieces.extend([a.astype(np.float32), silence])
        cursor += length + gap
        left[speaker] -= length + gap
        cur.end = cursor - gap
    stream = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return stream, windows


def _nearest(placements: list[Placement], t: float) -> Placement:
    return min(placements, key=lambda p: 0.0 if p.packed_start <= t <= p.packed_start + p.length
               else min(abs(t - p.packed_start), abs(t - p.packed_start - p.length)))


def locate(window: PackedWindow, t: float) -> tuple[int, float]:
    """Map a packed-stream time to (region index, original time), snapping gaps to the nearest region."""
    p = _nearest(window.placements, t)
    clamped = min(max(t, p.packed_start), p.packed_start + p.length)
    return p.index, p.orig_start + (clamped - p.packed_start)


def locate_span(window: PackedWindow, start: float, end: float) -> tuple[int, float, float]:
    """(region index, original start, original end) of a word: the region holding its middle,
    with both ends mapped inside that region (a word never straddles two regions)."""
    p = _nearest(window.placements, (start + end) / 2)
    lo, hi = p.packed_start, p.packed_start + p.length
    a, b = min(max(start, lo), hi), min(max(end, lo), hi)
    return p.index, p.orig_start + (a - lo), p.orig_start + (max(a, b) - lo)
