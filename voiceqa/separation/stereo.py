"""Stereo recordings: one party per channel; webrtcvad finds each one's speech."""
from __future__ import annotations

from ..audio import Audio
from ..errors import AudioError
from ..vad import detect_speech_for_asr
from .base import Separation, SeparationOptions


class StereoSeparator:
    name = None

    def __init__(self, options: SeparationOptions | None = None):
        self.options = options or SeparationOptions()

    def separate(self, audio: Audio) -> Separation:
        if audio.channels != 2:
            raise AudioError(audio.path, f"stereo separation needs 2 channels, file has {audio.channels} distinct channel(s)")
        labels = ["S0", "S1"]
        chans = [audio.channel(0), audio.channel(1)]
        vad = self.options.vad
        speech, asr_speech = detect_speech_for_asr(chans, audio.rate, vad, labels)
        return Separation(method="stereo", streams=dict(zip(labels, chans)), speech=speech, asr_speech=asr_speech)
