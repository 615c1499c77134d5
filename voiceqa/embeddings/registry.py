"""Pick and cache an encoder: one model load per process, shared by QA and IVR."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ..errors import ModelError
from .base import Encoder
from .backends import E5Encoder, LocalSentenceTransformer, UseEncoder

BACKENDS = ("e5", "use")
DEFAULT_ENCODER = os.environ.get("VOICEQA_ENCODER", "e5")


@lru_cache(maxsize=4)
def _load(spec: str) -> Encoder:
    if spec == "e5":
        return E5Encoder()
    if spec == "use":
        return UseEncoder()
    if spec.startswith("e5:"):
        return E5Encoder(model_path=spec[3:])
    if Path(spec).exists():
        return LocalSentenceTransformer(spec)
    raise ModelError(f"unknown embedding model {spec!r}: one of {', '.join(BACKENDS)} or a local model directory")


def get_encoder(spec: str | None = None) -> Encoder:
    """The encoder named by ``spec`` (a backend name or a local path); None = the default."""
    return _load(spec or DEFAULT_ENCODER)
