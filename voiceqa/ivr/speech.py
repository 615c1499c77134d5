"""Recorded caller input: DTMF tones (Goertzel) or speech (the speech core's ASR)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .runner import CallerInput

ROWS = (697, 770, 852, 941)
COLS = (1209, 1336, 1477, 1633)
KEYS = ("123A", "456B", "789C", "*0#D")
FRAME_S = 0.02


def goertzel_power(frames: np.ndarray, rate: int, freq: float) -> np.ndarray:
    """Power at ``freq`` for each row of ``frames`` (Goertzel algorithm, vectorised)."""
    n = frames.shape[1]
    k = round(n * freq / rate)
    coeff = 2 * np.cos(2 * np.pi * k / n)
    s1 = np.zeros(frames.shape[0])
    s2 = np.zeros(frames.shape[0])
    for x in frames.T:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
    return s1**2 + s2**2 - coeff * s1 * s2


def detect_dtmf(x: np.ndarray, rate: int, min_tone_s: float = 0.04) -> str:
    """Digits pressed in ``x``: a row and a column tone dominating the frame for >= min_tone_s."""
    n = int(FRAME_S * rate)
    k = len(x) // n
    if k == 0:
        return ""
    frames = x[: k * n].reshape(k, n).astype(np.float64)
    energy = np.sum(frames**2, axis=1) + 1e-12
    rows = np.stack([goertzel_power(frames, rate, f) for f in ROWS], axis=1)
    cols = np.stack([goertzel_power(frames, rate, f) for f in COLS], axis=1)
    out, prev, run = [], None, 0
    need = max(1, int(round(min_tone_s / FRAME_S)))
    for i in range(k):
        r, c = int(np.argmax(rows[i])), int(np.argmax(cols[i]))
        tone_energy = (rows[i, r] + cols[i, c]) * 2 / n
        sorted_r, sorted_c = np.sort(rows[i]), np.sort(cols[i])
        clear = (
            tone_energy > 0.5 * energy[i]  # the two tones carry most of the frame's energy
            and sorted_r[-1] > 8 * sorted_r[-2] and sorted_c[-1] > 8 * sorted_c[-2]
            and 0.1 < rows[i, r] / cols[i, c] < 10  # twist
            and energy[i] / n > 1e-6
        )
        key = KEYS[r][c] if clear else None
        if key is not None and key == prev:
            run += 1
            if run == need:
                out.append(key)
        else:
            run = 1 if key is not None else 0
        prev = key
    return "".join(out)


class SpeechInput:
    """Turns a recorded caller utterance into IVR input."""

    def __init__(self, transcriber=None):
        self._transcriber = transcriber

    @property
    def transcriber(self):
        if self._transcriber is None:
            from ..pipeline import CallTranscriber, TranscribeOptions

            self._transcriber = CallTranscriber(TranscribeOptions.from_settings(num_speakers=1))
        return self._transcriber

    def __call__(self, path: str | Path) -> CallerInput:
        from ..audio import load_audio
        from ..errors import SilentAudioError

        try:
            audio = load_audio(path)
        except SilentAudioError:  # the caller said nothing: a no-input, not a bad file
            return CallerInput("silence")
        mono = audio.mono()
        digits = detect_dtmf(mono, audio.rate)
        if digits:
            return CallerInput("dtmf", digits)
        tr = self.transcriber.transcribe_audio(audio)
        text = "".join(t.text for t in tr.turns)
        return CallerInput("say", text) if text else CallerInput("silence")
