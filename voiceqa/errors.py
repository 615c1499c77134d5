"""Errors that voiceqa reports to users as one line naming the file and the problem.

Every error a user can cause is a :class:`VoiceQAError`; the CLI prints ``error: <message>``
on stderr (secrets masked) and exits with the class's ``exit_code``; anything else is a bug.

    VoiceQAError                  1
    ├── InputError (path, reason) 2  a file or option the user gave cannot be used
    │   ├── AudioError               missing, empty, corrupt, too long
    │   │   └── SilentAudioError     decodes, but holds no sound
    │   ├── RubricError              rubric YAML (names file and line)
    │   ├── LexiconError             phrase lists a rubric names
    │   └── FlowError                IVR flow / scenario / utterance file
    ├── ExprError                 2  a flow condition outside the expression grammar
    ├── ModelError                3  model files missing or damaged
    └── StorageError (url, reason) 4  database unreachable or refusing a write
"""
from __future__ import annotations

from pathlib import Path


class VoiceQAError(Exception):
    """Base class for errors shown to users; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(VoiceQAError):
    """A user-supplied file cannot be used (audio, rubric, flow...)."""

    exit_code = 2

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class AudioError(InputError):
    """An audio file is missing, empty, corrupt, silent or too long."""


class SilentAudioError(AudioError):
    """The audio decodes but holds no sound (every frame below the silence floor)."""


class ModelError(VoiceQAError):
    """A model's files are missing or damaged."""

    exit_code = 3


class StorageError(VoiceQAError):
    """The database cannot be opened or written (the message never holds a password)."""

    exit_code = 4

    def __init__(self, url: str, reason: str):
        from .masking import mask_secrets

        self.url = mask_secrets(url)
        self.reason = mask_secrets(reason)
        super().__init__(f"{self.url}: {self.reason}")


class RubricError(InputError):
    """A rubric file is malformed; the message names the file and line."""


class LexiconError(InputError):
    """A lexicon file (phrase lists a rubric names) is malformed."""


class FlowError(InputError):
    """An IVR flow, scenario or utterance file is malformed (names the file and line)."""


class ExprError(VoiceQAError):
    """A flow condition is outside the expression grammar or ill-typed (see ``voiceqa.ivr.expr``)."""

    exit_code = 2
