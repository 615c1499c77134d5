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


def arousal(acoustics: dict[int, TurnAcoustics], turn_speakers: list[str]) -> dict[int, float]:
    """Per turn: loudness above the speaker's median (dB) + pitch above median (semitones / 2)."""
    out: dict[int, float] = {}
    by_speaker: dict[str, list[int]] = {}
    for i, spk in enumerate(turn_speakers):
        if i in acoustics:
            by_speaker.setdefault(spk, []).append(i)
    for idx in by_speaker.values():
        base_loud = float(np.median([acoustics[i].loudness_db for i in idx]))
        pitches = [acoustics[i].pitch_hz for i in idx if acoustics[i].pitch_hz]
        base_pitch = float(np.median(pitches)) if pitches else None
        for i in idx:
            a = acoustics[i].loudness_db - base_loud
            if base_pitch and acoustics[i].pitch_hz:
                a += 12 * np.log2(acoustics[i].pitch_hz / base_pitch) / 2
            out[i] = float(a)
    return out
