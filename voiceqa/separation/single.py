"""One speaker (an IVR caller, a dictated note): webrtcvad speech regions, no diarization."""
from __future__ import annotations

from ..audio import Audio
from ..vad import detect_speech_for_asr
from .base import Separation, SeparationOptions


class SingleSpeakerSeparator:
    name = None

    def __init__(self, options: SeparationOptions | None = None):
        self.options = options or SeparationOptions()

    def separate(self, audio: Audio) -> Separation:
        mono = audio.mono()
        vad = self.options.vad
        speech, asr_speech = detect_speech_for_asr([mono], audio.rate, vad, ["S0"])
        return Separation(method="single", streams={"S0": mono}, speech=speech, asr_speech=asr_speech)
