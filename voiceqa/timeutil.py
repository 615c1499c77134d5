"""The one clock helper: naive UTC "now", as stored in the database."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Current time in UTC without tzinfo (what every DateTime column holds)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
