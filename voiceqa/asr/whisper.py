"""faster-whisper backend: packs speech regions into 30 s windows, decodes them in batches,
maps word times back to the regions, converts to Simplified and strips hallucinations."""
from __future__ import annotations

import logging
import os
from functools import lru_cache

import numpy as np

from ..schema import Region, Word
from ..text.chinese import chinese_punctuation, to_simplified
from . import hallucination as hal
from .base import AsrOptions, RegionText
from .model_store import resolve_model
from .packing import locate, pack

log = logging.getLogger(__name__)
RATE = 16000


def _pick_device(device: str) -> str:
    if device != "auto":
        return device
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:
        return "cpu"


@lru_cache(maxsize=4)
def load_whisper(path: str, device: str, compute_type: str, cpu_threads: int):
    """Load a CTranslate2 Whisper model once per process."""
    from faster_whisper import WhisperModel

    if compute_type == "default":
        compute_type = "float16" if device == "cuda" else "int8"
    threads = cpu_threads or (os.cpu_count() or 1)
    return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=threads)


class WhisperBackend:
    """ASR with faster-whisper (any CTranslate2 Whisper model)."""

    def __init__(self, options: AsrOptions | None = None):
        self.options = options or AsrOptions()
        path, display = resolve_model(self.options.model)
        self.device = _pick_device(self.options.device)
        self.model = load_whisper(str(path), self.device, self.options.compute_type, self.options.cpu_threads)
        self.name = display

    def transcribe_regions(self, audio: np.ndarray, regions: list[Region]) -> list[RegionText]:
        from faster_whisper import BatchedInferencePipeline

        o = self.options
        results = [RegionText(region=r, text="") for r in regions]
        if not regions:
            return results
        stream, windows = pack(audio, regions, RATE, min(o.chunk_length, 30.0), o.gap)
        if not windows:
            return results
        clips = [{"start": w.start, "end": w.end} for w in windows]
        pipe = BatchedInferencePipeline(self.model)
        segments, _ = pipe.transcribe(
            stream,
            language=o.language,
            beam_size=o.beam_size,
            batch_size=o.batch_size,
            clip_timestamps=clips,
            word_timestamps=True,
            without_timestamps=True,
            initial_prompt=o.initial_prompt,
            hotwords=o.hotwords,
            vad_filter=False,
            temperature=0.0,
        )
        words_by_region: dict[int, list[Word]] = {}
        window_starts = [w.start for w in windows]
        for seg in segments:
            text = seg.text.strip()
            if not text or hal.is_unreliable_segment(seg.no_speech_prob, seg.avg_logprob, seg.compression_ratio):
                log.debug("dropped unreliable segment %r", text)
                continue
            if hal.is_subtitle_credit(text) or hal.is_prompt_echo(text, o.initial_prompt):
                log.debug("dropped hallucinated segment %r", text)
                continue
            for w in seg.words or []:
                mid = (w.start + w.end) / 2
                # the window a word belongs to, by its midpoint (segment starts are rounded)
                window = windows[max(0, int(np.searchsorted(window_starts, mid, side="right")) - 1)]
                idx, _ = locate(window, mid)
                _, t0 = locate(window, w.start)
                _, t1 = locate(window, w.end)
                words_by_region.setdefault(idx, []).append(Word(t0, max(t0, t1), w.word, w.probability))

        for idx, words in words_by_region.items():
            text = "".join(w.text for w in words)
            text = chinese_punctuation(hal.collapse_repeats(to_simplified(text).strip()))
            if hal.is_subtitle_credit(text) or hal.is_prompt_echo(text, o.initial_prompt):
                continue
            conf = float(np.mean([w.probability for w in words])) if words else 0.0
            results[idx] = RegionText(region=regions[idx], text=text, words=words, confidence=conf)
        return results
