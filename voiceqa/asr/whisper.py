"""faster-whisper backend: packs speech regions into Whisper windows (20 s of speech), decodes them in batches,
maps word times back to the regions, converts to Simplified and strips hallucinations.

Batched decoding has no temperature fallback, so a window that comes back as a repetition
loop, as silence, or with far fewer characters than its speech implies is decoded again on
its own with beam search and faster-whisper's temperature fallback.

Speech that comes back without words (a whole region, or the end of one) is decoded again in a
window of its own. Every decode has a token limit proportional to the window's speech
(:meth:`WhisperBackend.token_limit`): a loop stops there instead of running to 448 tokens
and holding up the whole batch. Windows are batched with others of similar length, so one
long window does not lift the limit of short ones.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from ..schema import Region, Word
from ..text.chinese import chinese_punctuation, to_simplified
from . import hallucination as hal
from .base import AsrOptions, RegionText
from .confidence import CALIBRATED, RAW, calibrate, turn_confidence
from .model_store import resolve_model
from .packing import PackedWindow, locate_span, pack

log = logging.getLogger(__name__)
RATE = 16000
MIN_CHARS_PER_SEC = 2.0  # Mandarin speech runs 3-5 chars/s; fewer means Whisper skipped audio
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8)
UNHEARD_ROUNDS = 3  # second decodes of speech that came back without words


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


def _usable(seg, prompt: str | None) -> bool:
    text = seg.text.strip()
    if not text:
        return False
    if hal.is_unreliable_segment(seg.no_speech_prob, seg.avg_logprob, seg.compression_ratio):
        log.debug("dropped unreliable segment %r", text)
        return False
    if hal.is_subtitle_credit(text) or hal.is_prompt_echo(text, prompt) or hal.looks_like_loop(text):
        log.debug("dropped hallucinated segment %r", text)
        return False
    return True


FRAMES_PER_SECOND = 100  # mel frames


@lru_cache(maxsize=1)
def _batched_pipeline():
    from faster_whisper import BatchedInferencePipeline

    class ShortInputPipeline(BatchedInferencePipeline):
        """faster-whisper's batched pipeline, encoding only the first ``frames`` mel frames of
        each (30 s padded) input: the windows' own length instead of the padding."""

        frames: int = 3000

        def generate_segment_batched(self, features, tokenizer, options):
            if 0 < self.frames < features.shape[-1]:
                features = np.ascontiguousarray(features[..., : self.frames])
            return super().generate_segment_batched(features, tokenizer, options)

    return ShortInputPipeline


class WhisperBackend:
    """ASR with faster-whisper (any CTranslate2 Whisper model)."""

    def __init__(self, options: AsrOptions | None = None):
        self.options = options or AsrOptions()
        path, display = resolve_model(self.options.model)
        self.device = _pick_device(self.options.device)
        self.model = load_whisper(str(path), self.device, self.options.compute_type, self.options.cpu_threads)
        self.name = display
        # raw -> calibrated word probability (fitted for whisper base int8; None = raw)
        self.calibration: tuple | None = (RAW, CALIBRATED)

    def _room(self) -> int:
        """Tokens left for the output once the decoder prompt (start tokens, initial prompt,
        hotwords) is in; Whisper's context holds 448."""
        o = self.options
        tok = self.model.hf_tokenizer
        used = 8  # <|startofprev|>, <|startoftranscript|>, language, task, <|notimestamps|> + slack
        for text in (o.initial_prompt, o.hotwords):
            if text:
                used += len(tok.encode(" " + text.strip(), add_special_tokens=False).ids)
        return self.model.max_length - min(used, self.model.max_length // 2)

    def token_limit(self, window: PackedWindow) -> int | None:
        """Most new tokens one decode of ``window`` may produce (None: Whisper's own limit)."""
        o = self.options
        if o.tokens_per_second <= 0:
            return None
        speech = sum(p.length for p in window.placements)
        return max(1, min(self._room(), int(o.tokens_per_second * speech + o.token_margin)))

    def encode_seconds(self, longest: float) -> int:
        """Encoder input for a batch whose longest window is ``longest`` s: its own length (whole
        seconds) when at least ``min_encode_seconds``, else Whisper's padded 30 s."""
        o = self.options
        if longest >= o.min_encode_seconds:
            return min(30, int(np.ceil(longest)))
        return 30

    def _decode_batched(self, stream: np.ndarray, windows: list[PackedWindow]) -> list[list]:
        o = self.options
        pipeline = _batched_pipeline()(self.model)
        limits = [self.token_limit(w) for w in windows]
        # windows of similar length decode together (a batch runs until its longest output
        # ends); those encoded at their own length never share a batch with padded ones
        padded = [windows[i].end - windows[i].start < o.min_encode_seconds for i in range(len(windows))]
        order = sorted(range(len(windows)), key=lambda i: (padded[i], limits[i] or 0, windows[i].start))
        batches = []
        for kind in (False, True):
            group = [i for i in order if padded[i] == kind]
            batches += [group[b: b + o.batch_size] for b in range(0, len(group), o.batch_size)]
        per_window: list[list] = [[] for _ in windows]
        for batch in batches:
            batch = sorted(batch, key=lambda i: windows[i].start)
            wanted = [limits[i] for i in batch]
            longest = max(windows[i].end - windows[i].start for i in batch)
            pipeline.frames = self.encode_seconds(longest) * FRAMES_PER_SECOND
            segments, _ = pipeline.transcribe(
                stream,
                language=o.language,
                beam_size=o.beam_size,
                batch_size=o.batch_size,
                clip_timestamps=[{"start": windows[i].start, "end": windows[i].end} for i in batch],
                word_timestamps=True,
                without_timestamps=True,
                initial_prompt=o.initial_prompt,
                hotwords=o.hotwords,
                vad_filter=False,
                temperature=0.0,
                max_new_tokens=None if None in wanted else max(wanted),
            )
            starts = [windows[i].start for i in batch]
            for seg in segments:
                mid = (seg.start + seg.end) / 2
                per_window[batch[max(0, int(np.searchsorted(starts, mid, side="right")) - 1)]].append(seg)
        return per_window

    def _decode_alone(self, stream: np.ndarray, window: PackedWindow) -> list:
        """Decode one window with beam search and temperature fallback; times in stream seconds."""
        o = self.options
        a, b = int(window.start * RATE), int(window.end * RATE)
        segments, _ = self.model.transcribe(
            stream[a:b],
            language=o.language,
            beam_size=max(5, o.beam_size),
            temperature=list(FALLBACK_TEMPERATURES),
            condition_on_previous_text=False,
            word_timestamps=True,
            initial_prompt=o.initial_prompt,
            hotwords=o.hotwords,
            vad_filter=False,
            max_new_tokens=self.token_limit(window),
        )
        out = []
        for seg in segments:
            for w in seg.words or []:
                w.start += window.start
                w.end += window.start
            out.append(seg)
        return out

    def _needs_retry(self, segs: list, window: PackedWindow) -> bool:
        speech = sum(p.length for p in window.placements)
        kept = [s for s in segs if _usable(s, self.options.initial_prompt)]
        chars = sum(len(s.text.strip()) for s in kept)
        return (len(kept) < len(segs) or (speech > 4.0 and chars < MIN_CHARS_PER_SEC * speech)
                or self._unsure(kept))

    def _unsure(self, segs: list) -> bool:
        """Whether the segments' log-probability per token, weighted by their length, is below
        ``retry_below_logprob``."""
        floor = self.options.retry_below_logprob
        if floor is None or not segs:
            return False
        weights = [max(1, len(s.text.strip())) for s in segs]
        return float(np.average([s.avg_logprob for s in segs], weights=weights)) < floor

    def _recognise(self, sources: Mapping[str, np.ndarray], regions: list[Region], solo: bool = False) -> dict[int, list[Word]]:
        """Pack ``regions`` into windows (``solo``: one each), decode them (again alone where the
        batched output looks unreliable) and give each region index the words heard in it."""
        o = self.options
        stream, windows = pack(sources, regions, RATE, min(o.chunk_length, 30.0), o.gap, solo=solo,
                               stretch=min(o.stretch_length, 30.0), min_fill=o.min_encode_seconds)
        words_by_region: dict[int, list[Word]] = {}
        if not windows:
            return words_by_region
        for window, segs in zip(windows, self._decode_batched(stream, windows)):
            if self._needs_retry(segs, window):
                log.info("window at %.2f s: batched output unreliable or unsure, decoding again with fallback", window.placements[0].orig_start)
                segs = self._decode_alone(stream, window)
            for seg in segs:
                if not _usable(seg, o.initial_prompt):
                    continue
                for w in seg.words or []:
                    idx, t0, t1 = locate_span(window, w.start, w.end)  # the region holding the word
                    prob = calibrate(w.probability, *self.calibration) if self.calibration else w.probability
                    words_by_region.setdefault(idx, []).append(Word(t0, max(t0, t1), to_simplified(w.word), prob))
        return words_by_region

    def transcribe_regions(self, sources: Mapping[str, np.ndarray], regions: list[Region]) -> list[RegionText]:
        o = self.options
        results = [RegionText(region=r, text="") for r in regions]
        if not regions:
            return results
        words_by_region = self._recognise(sources, regions)
        # speech Whisper did not hear: a region with no word, or whose words end well before it
        # does (the decoder ended the window early, often at a change of voice or a long pause);
        # that stretch is decoded again in a window of its own, and what is still unheard after
        # the words that brought back, again (a few rounds, while each adds words)
        tried: dict[int, float] = {}  # region -> where its last second decode started
        for _ in range(UNHEARD_ROUNDS if o.retry_unheard_seconds > 0 else 0):
            unheard = []
            for i, r in enumerate(regions):
                heard = max((w.end for w in words_by_region.get(i, [])), default=r.start)
                # a stretch whose second decode brought nothing back is not decoded again
                if r.end - heard >= o.retry_unheard_seconds and tried.get(i) != heard:
                    unheard.append((i, Region(heard, r.end, r.speaker)))
                    tried[i] = heard
            if not unheard:
                break
            log.info("%d stretches of speech came back without words: decoding them again", len(unheard))
            again = self._recognise(sources, [stretch for _, stretch in unheard], solo=True)
            if not again:
                break
            for k, words in sorted(again.items()):
                words_by_region.setdefault(unheard[k][0], []).extend(words)

        for idx, words in words_by_region.items():
            text = chinese_punctuation(hal.collapse_repeats(to_simplified("".join(w.text for w in words))))
            if hal.is_subtitle_credit(text) or hal.is_prompt_echo(text, o.initial_prompt):
                continue
            results[idx] = RegionText(region=regions[idx], text=text, words=words, confidence=turn_confidence(words))
        return results
