"""Expect-to-hear: does each recorded prompt say its text?

A node may carry ``prompt_audio: path`` (relative to the flow file) beside ``prompt``. Each
recording is transcribed with the speech core (single speaker) and compared with the text by
pinyin (tone-less, folded for sounds ASR confuses), so a homophone in the transcript is not a
failure but a different sentence is (see :func:`pinyin_similarity`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import AudioError
from ..text.chinese import normalize_for_compare
from ..text.pinyin_match import syllables
from .model import Flow

DEFAULT_THRESHOLD = 0.75  # right texts on real recorded prompts score >= 0.83, other prompts' texts <= 0.64


@dataclass(frozen=True)
class PromptCheck:
    node: str
    audio: str  # as written in the flow
    text: str
    status: Literal["ok", "mismatch", "missing", "unreadable"]
    similarity: float | None = None
    transcript: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self, threshold: float) -> str:
        if self.status == "missing":
            return f"{self.node}: missing audio file {self.audio}"
        if self.status == "unreadable":
            return f"{self.node}: unreadable audio file {self.audio}: {self.reason}"
        verdict = "ok" if self.ok else f"does not say its text (similarity {self.similarity:.2f} < {threshold:.2f})"
        return f"{self.node}: {self.audio}: {verdict}: expected {self.text!r}, heard {self.transcript!r}"


def recorded_prompts(flow: Flow) -> list[tuple[str, str, str]]:
    """(node, prompt text, audio path as written) for every node with ``prompt_audio``."""
    return [(n, node.prompt, node.prompt_audio) for n, node in flow.nodes.items() if getattr(node, "prompt_audio", None)]


def spelled_pinyin(text: str) -> str:
    """Tone-less, folded pinyin of ``text``, syllables separated by spaces."""
    return " ".join(s for _, s in syllables(normalize_for_compare(text)))


def pinyin_similarity(expected: str, heard: str) -> float:
    """How much of the expected text is heard, by pinyin letters: 1.0 = all of it. Letters, not
    whole syllables, so an ASR near-miss (满意 man yi heard as 买一 mai yi) costs one letter.
    When the recording says more than the text (music, a second language), the best-matching
    stretch of the transcript counts."""
    from rapidfuzz import fuzz

    a, b = spelled_pinyin(expected), spelled_pinyin(heard)
    if not a or not b:
        return 0.0
    return (fuzz.partial_ratio(a, b) if len(a) <= len(b) else fuzz.ratio(a, b)) / 100


def check_prompts(flow: Flow, flow_path: str | Path, transcriber, threshold: float = DEFAULT_THRESHOLD) -> list[PromptCheck]:
    """One :class:`PromptCheck` per recorded prompt. ``transcriber``: a loaded single-speaker
    :class:`voiceqa.pipeline.CallTranscriber` (loaded once by the caller)."""
    from ..audio import load_audio

    base = Path(flow_path).parent
    out = []
    for node, text, rel in recorded_prompts(flow):
        path = (base / rel).resolve()
        if not path.is_file():
            out.append(PromptCheck(node, rel, text, "missing"))
            continue
        try:
            audio = load_audio(path)
        except AudioError as exc:
            out.append(PromptCheck(node, rel, text, "unreadable", reason=exc.reason))
            continue
        tr = transcriber.transcribe_audio(audio)
        heard = "".join(t.text for t in tr.turns)
        sim = round(pinyin_similarity(text, heard), 3)
        out.append(PromptCheck(node, rel, text, "ok" if sim >= threshold else "mismatch", sim, heard))
    return out
