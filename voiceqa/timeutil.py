"""The clock and calendar helpers: naive UTC "now" as stored in the database, and the span of
whole days a date filter means."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Current time in UTC without tzinfo (what every DateTime column holds)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` (naive, like the stored times)."""
    return dt.datetime.combine(day, dt.time())


def day_span(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start of ``first``, start of the day after ``last``): the days ``first`` to ``last``
    inclusive (one day when ``last`` is None), as a half-open interval of naive datetimes."""
    return day_start(first), day_start((last or first) + dt.timedelta(days=1))
