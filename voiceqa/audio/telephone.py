"""Simulate a telephone line: 300-3400 Hz band, 8 kHz, G.711 mu-law.

Used to measure how ASR degrades from studio audio to what a call centre records.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def telephone_band(x: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
    from scipy.signal import butter, sosfiltfilt

    from .decode import resample

    y = resample(x, rate, 8000)
    sos = butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
    return sosfiltfilt(sos, y).astype(np.float32), 8000


def write_telephone_wav(src: str | Path, dst: str | Path) -> Path:
    import soundfile as sf

    x, rate = sf.read(str(src), dtype="float32", always_2d=True)
    y, r = telephone_band(x.mean(axis=1), rate)
    sf.write(str(dst), np.clip(y, -1, 1), r, subtype="ULAW")
    return Path(dst)
