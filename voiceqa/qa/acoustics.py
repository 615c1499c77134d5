"""Per-turn loudness and pitch (librosa), judged against each speaker's own baseline."""
from __future__ import annotations

import numpy as np

from ..audio import Audio
from ..schema import Transcript
from .context import TurnAcoustics


def turn_acoustics(audio: Audio, transcript: Transcript) -> dict[int, TurnAcoustics]:
    import librosa

    stereo = audio.channels == 2 and transcript.separation == "stereo"
    out: dict[int, TurnAcoustics] = {}
    for i, t in enumerate(transcript.turns):
        src = audio.channel(int(t.speaker[1:])) if stereo and t.speaker[1:].isdigit() else audio.mono()
        x = src[int(t.start * audio.rate): int(t.end * audio.rate)]
        if len(x) < audio.rate // 4:
            continue
        rms = librosa.feature.rms(y=x, frame_length=512, hop_length=256)[0]
        voiced = rms[rms > np.percentile(rms, 50)]
        loud = float(20 * np.log10(np.mean(voiced) + 1e-9)) if voiced.size else -120.0
        f0 = librosa.yin(x, fmin=70, fmax=400, sr=audio.rate, frame_length=1024, hop_length=320)
        f0 = f0[(f0 > 70) & (f0 < 400)]
        out[i] = TurnAcoustics(loud, float(np.median(f0)) if f0.size else None)
    return out


def _by_speaker(acoustics: dict[int, TurnAcoustics], turn_speakers: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, spk in enumerate(turn_speakers):
        if i in acoustics:
            out.setdefault(spk, []).append(i)
    return out


def loudness_above_baseline(acoustics: dict[int, TurnAcoustics], turn_speakers: list[str], min_turns: int = 1) -> dict[int, float]:
    """Per turn: loudness (dB) above the median of the same speaker's turns; speakers with
    fewer than ``min_turns`` measured turns have no baseline and are left out."""
    out: dict[int, float] = {}
    for idx in _by_speaker(acoustics, turn_speakers).values():
        if len(idx) < min_turns:
            continue
        base = float(np.median([acoustics[i].loudness_db for i in idx]))
        out.update({i: acoustics[i].loudness_db - base for i in idx})
    return out


def arousal(acoustics: dict[int, TurnAcoustics], turn_speakers: list[str]) -> dict[int, float]:
    """Per turn: loudness above the speaker's median (dB) + pitch above median (semitones / 2)."""
    out = loudness_above_baseline(acoustics, turn_speakers)
    for idx in _by_speaker(acoustics, turn_speakers).values():
        pitches = [acoustics[i].pitch_hz for i in idx if acoustics[i].pitch_hz]
        base_pitch = float(np.median(pitches)) if pitches else None
        for i in idx:
            if base_pitch and acoustics[i].pitch_hz:
                out[i] += 12 * np.log2(acoustics[i].pitch_hz / base_pitch) / 2
            out[i] = float(out[i])
    return out
