"""Meaning-based matching: clause vectors of a call, example vectors of a rubric.

Each turn is cut into clauses (short ones join their neighbour) and every clause of the call
is embedded in one batched encode; the vectors travel with the scorecard (base64 float16 with
the encoder's name and a key over the clause texts) so rescoring a stored call embeds
nothing. Example and counter-example vectors are encoded once per process and encoder.
"""
from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..embeddings import Encoder
from ..schema import Transcript
from ..text.words import clauses

if TYPE_CHECKING:  # pragma: no cover
    from .respell import Vocabulary

Unit = tuple[int, int, int]  # (turn index, clause start char, clause end char)


def call_units(transcript: Transcript) -> list[Unit]:
    return [(ti, s, e) for ti, t in enumerate(transcript.turns) for s, e in clauses(t.text)]


def units_key(transcript: Transcript, units: list[Unit]) -> str:
    joined = "\n".join(transcript.turns[ti].text[s:e] for ti, s, e in units)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ClauseVectors:
    encoder: str
    units: tuple[Unit, ...]
    vectors: np.ndarray  # (len(units), dim) float32, L2-normalised rows
    key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder, "key": self.key, "dim": int(self.vectors.shape[1]) if self.vectors.size else 0,
            "units": [list(u) for u in self.units],
            "f16": base64.b64encode(self.vectors.astype(np.float16).tobytes()).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Any) -> "ClauseVectors | None":
        """Stored vectors, or None when ``data`` is missing or malformed (then they are recomputed)."""
        try:
            units = tuple(tuple(int(x) for x in u) for u in data["units"])
            vec = np.frombuffer(base64.b64decode(data["f16"]), dtype=np.float16).astype(np.float32)
            dim = int(data["dim"])
            vec = vec.reshape(len(units), dim) if units else np.zeros((0, dim), np.float32)
            return cls(str(data["encoder"]), units, vec, str(data["key"]))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return None


def embed_call(transcript: Transcript, encoder: Encoder, stored: ClauseVectors | None = None,
               vocab: "Vocabulary | None" = None) -> ClauseVectors:
    """Clause vectors of the call: ``stored`` when it was made by the same encoder from the same
    text (and respelt with the same vocabulary), else one batched encode of every clause.
    With ``vocab``, clauses are respelt first (ASR homophone slips undone, qa/respell.py)."""
    from .respell import respell

    units = call_units(transcript)
    key = units_key(transcript, units) + (f"+{vocab.fingerprint}" if vocab is not None else "")
    if stored is not None and stored.encoder == encoder.name and stored.key == key and stored.units == tuple(units):
        return stored
    texts = [respell(transcript.turns[ti].text[s:e], vocab) for ti, s, e in units]
    return ClauseVectors(encoder.name, tuple(units), clause_vectors(encoder, texts), key)


_CLAUSES: "OrderedDict[tuple[str, str], np.ndarray]" = OrderedDict()
CLAUSE_CACHE = 50_000  # clauses kept per process (scripted lines and 好的/嗯 recur in every call)


def clause_vectors(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Vectors of ``texts``: recently seen clauses from a per-process LRU cache, the rest in
    one batched encode."""
    missing = list(dict.fromkeys(t for t in texts if (encoder.name, t) not in _CLAUSES))
    if missing:
        for t, v in zip(missing, encoder.encode(missing)):
            _CLAUSES[(encoder.name, t)] = v
    out = np.zeros((len(texts), encoder.dim), np.float32)
    for i, t in enumerate(texts):
        out[i] = _CLAUSES[(encoder.name, t)]
        _CLAUSES.move_to_end((encoder.name, t))
    while len(_CLAUSES) > CLAUSE_CACHE:
        _CLAUSES.popitem(last=False)
    return out


_EXAMPLES: dict[tuple[str, str], np.ndarray] = {}


def example_vectors(encoder: Encoder, texts: list[str] | tuple[str, ...]) -> np.ndarray:
    """(len(texts), dim) vectors of rubric examples; each text encoded once per process."""
    missing = list(dict.fromkeys(t for t in texts if (encoder.name, t) not in _EXAMPLES))
    if missing:
        for t, v in zip(missing, encoder.encode(missing)):
            _EXAMPLES[(encoder.name, t)] = v
    if not texts:
        return np.zeros((0, encoder.dim), np.float32)
    return np.stack([_EXAMPLES[(encoder.name, t)] for t in texts])



@dataclass(frozen=True)
class KnownSentences:
    """Every sentence a rubric's semantic rules compare with (examples, counter-examples,
    background talk, keyword phrases), embedded once per rubric and encoder."""

    texts: tuple[str, ...]
    index: dict[str, int]
    matrix: np.ndarray  # (len(texts), dim)
    negated: np.ndarray  # (len(texts),) bool: the sentence holds a negation cue


_KNOWN: dict[tuple, KnownSentences] = {}


def known_sentences(texts: tuple[str, ...], encoder: Encoder, negation: frozenset[str]) -> KnownSentences:
    from ..text.words import has_cue

    key = (texts, encoder.name, negation)
    if key not in _KNOWN:
        mat = example_vectors(encoder, texts)
        _KNOWN[key] = KnownSentences(texts, {t: i for i, t in enumerate(texts)}, mat,
                                     np.array([has_cue(t, negation) for t in texts], dtype=bool))
    return _KNOWN[key]


@lru_cache(maxsize=1)
def _blas():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - optional
        return None
    return ThreadpoolController()


def single_threaded_blas():
    """A context in which BLAS runs on one thread: small products and fits spend more time
    waking OpenBLAS threads than computing (40x on a busy 2-core machine)."""
    ctl = _blas()
    return nullcontext() if ctl is None else ctl.limit(limits=1, user_api="blas")


def similarities(vectors: np.ndarray, known: KnownSentences) -> np.ndarray:
    """(clauses, known sentences) cosine similarities in one single-threaded product."""
    if not len(vectors):
        return np.zeros((0, len(known.texts)), np.float32)
    with single_threaded_blas():
        return vectors @ known.matrix.T


def attach(ctx, rubric, encoder: Encoder, vectors: ClauseVectors) -> None:
    """Give a scoring context what semantic rules read: encoder, thresholds, the rubric's
    known sentences and the clause-by-known-sentence similarity matrix."""
    ctx.encoder = encoder
    ctx.rubric = rubric
    ctx.calibration = rubric.semantic.thresholds(encoder.name)
    ctx.known = known_sentences(rubric.semantic_background(), encoder, ctx.negation)
    ctx.vectors = vectors
    ctx.sims = similarities(vectors.vectors, ctx.known)
