"""Keeping secrets out of output: database URLs are shown with their password masked."""
from __future__ import annotations

import re

# scheme://user:password@host  ->  scheme://user:***@host (also inside longer messages)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)(?P<pw>[^\s@/]*)@")
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\"[^\"]*\"|\S+)", re.IGNORECASE)


def mask_secrets(text: str) -> str:
    """``text`` with every URL password and ``password=...`` value replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + "***@", str(text))
    return _KEYWORD_PASSWORD.sub(lambda m: m.group("head") + "***", text)


def one_line(exc: BaseException) -> str:
    """An exception as one masked line: ``Type: first line of the message`` (for a database
    error wrapped by SQLAlchemy, the driver's own error)."""
    exc = getattr(exc, "orig", None) or exc
    msg = str(exc).strip().splitlines()
    return mask_secrets(f"{type(exc).__name__}: {msg[0] if msg else ''}".rstrip(": "))
