"""The encoder interface: texts in, L2-normalised vectors out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class EncoderSpec:
    """Which encoder: a backend name (``e5``, ``use``) or a local model directory."""

    name: str
    path: str | None = None


class Encoder(Protocol):
    name: str  # stable identifier, part of rubric/IVR cache keys (stored vectors are per encoder)
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalised; empty input gives (0, dim)."""
        ...


def normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    if vecs.ndim == 1:
        vecs = vecs[None, :]
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity matrix of two sets of L2-normalised rows."""
    return np.asarray(a, dtype=np.float32) @ np.asarray(b, dtype=np.float32).T
