"""One speaker (an IVR caller, a dictated note): webrtcvad speech regions, no diarization."""
from __future__ import annotations

from ..audio import Audio
from ..vad import detect_speech, widen_for_asr
from .base import Separation, SeparationOptions


class SingleSpeakerSeparator:
    name = None

    def __init__(self, options: SeparationOptions | None = None):
        self.options = options or SeparationOptions()

    def separate(self, audio: Audio) -> Separation:
        mono = audio.mono()
        vad = self.options.vad
        speech = detect_speech([mono], audio.rate, vad, ["S0"])
        asr_speech = widen_for_asr(speech, vad.asr_pad, vad.asr_merge_gap, audio.duration, exclusive=False)
        return Separation(method="single", streams={"S0": mono}, speech=speech, asr_speech=asr_speech)
