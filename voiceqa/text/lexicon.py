"""Lexicon files: named word lists (and weighted cue lists) kept as data, not Python.

A lexicon file is a YAML mapping; each key names either a list of phrases or a mapping
phrase -> weight::

    greeting_words: [您好, 早上好, 欢迎致电]
    agent_cues: {很高兴为您服务: 3.0, 工号: 3.0}

Rubrics name the files they use (``lexicons: [service.yaml, emotion.yaml]``) and refer to a
list as ``"@greeting_words"``. The shipped files live in ``voiceqa/rubrics/lexicons/``; a
rubric that names none still gets the shipped emotion and language lexicons.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from ..errors import LexiconError

LEXICON_DIR = Path(str(resources.files("voiceqa.rubrics") / "lexicons"))
# what the scorer and the role finder need even when a rubric names no lexicon
DEFAULT_FILES = ("emotion.yaml", "language.yaml")


class Lexicon(BaseModel):
    model_config = ConfigDict(frozen=True)
    lists: dict[str, tuple[str, ...]] = {}
    weights: dict[str, dict[str, float]] = {}
    fingerprint: str = ""

    def words(self, name: str) -> tuple[str, ...]:
        return self.lists.get(name, ())


def _parse(path: Path, text: str) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, float]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LexiconError(path, f"{f'line {mark.line + 1}: ' if mark else ''}malformed YAML") from None
    if not isinstance(data, dict):
        raise LexiconError(path, "a lexicon file is a mapping of list names to phrase lists")
    lists: dict[str, tuple[str, ...]] = {}
    weights: dict[str, dict[str, float]] = {}
    for name, value in data.items():
        if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
            lists[str(name)] = tuple(str(v) for v in value)
        elif isinstance(value, dict) and all(isinstance(w, (int, float)) for w in value.values()):
            weights[str(name)] = {str(k): float(w) for k, w in value.items()}
            lists[str(name)] = tuple(weights[str(name)])
        else:
            raise LexiconError(path, f"{name!r}: expected a list of phrases or a mapping phrase -> weight")
    return lists, weights


def read_lexicon(paths: list[Path]) -> Lexicon:
    """Merge lexicon files (a later file may not redefine a list); the shipped default files
    fill in lists a rubric's own files do not define."""
    lists: dict[str, tuple[str, ...]] = {}
    weights: dict[str, dict[str, float]] = {}
    digest = hashlib.sha1()
    seen = {p.name for p in paths}
    defaults = [LEXICON_DIR / f for f in DEFAULT_FILES if f not in seen]
    for path in [*paths, *defaults]:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(path, f"cannot read lexicon ({exc.__class__.__name__})") from None
        file_lists, file_weights = _parse(path, text)
        is_default = path in defaults
        for name, words in file_lists.items():
            if name in lists:
                if is_default:
                    continue
                raise LexiconError(path, f"list {name!r} is defined twice")
            lists[name] = words
            if name in file_weights:
                weights[name] = file_weights[name]
            digest.update(f"{name}={'|'.join(words)}|{file_weights.get(name, '')}\n".encode("utf-8"))
    return Lexicon(lists=lists, weights=weights, fingerprint=digest.hexdigest()[:12])


@lru_cache(maxsize=8)
def shipped_lexicon(*names: str) -> Lexicon:
    """The shipped lexicon files ``names`` (plus the defaults), read once per process."""
    return read_lexicon([LEXICON_DIR / n for n in names])
