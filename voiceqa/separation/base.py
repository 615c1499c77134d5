"""The separation interface: decoded audio in, one audio stream + speech regions per speaker out."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from ..audio import Audio
from ..schema import Region
from ..vad import VadOptions


@dataclass(frozen=True)
class SeparationOptions:
    vad: VadOptions = field(default_factory=VadOptions)
    num_speakers: int | None = 2  # calls are two-party; None = estimate
    min_speakers: int | None = None
    max_speakers: int | None = None
    device: str = "auto"
    threads: int = 0  # torch CPU threads for diarization; 0 = all cores
    resegment: bool = True  # re-assign speakers over 1 s windows after pyannote (see reseg.py)
    # pyannote's segmentation model before the CAM++ windows. Off: with a known speaker count the
    # windows over webrtcvad's speech alone separate the speakers (real two-party attribution
    # 0.871 -> 0.913, diarization time 44 s -> 20 s on 180 s, dev calls 1.00 either way), but
    # overlapped speech is then not detected, so overtalk is measured on stereo calls only.
    # Always on when the count is unknown (num_speakers None).
    segmentation: bool = False


@dataclass
class Separation:
    method: Literal["stereo", "diarization", "single"]
    streams: dict[str, np.ndarray]  # speaker label -> 16 kHz audio to transcribe that speaker from
    speech: dict[str, list[Region]]  # speaker label -> speech regions, sorted (overlaps included)
    model: str | None = None  # diarization model description, None for stereo
    # regions to transcribe, if not `speech`: padded and joined (see VadOptions.asr_pad), and on a
    # mono mix exclusive (overlapping speech is there once: it is transcribed for one speaker)
    asr_speech: dict[str, list[Region]] | None = None


class Separator(Protocol):
    name: str | None

    def separate(self, audio: Audio) -> Separation: ...
