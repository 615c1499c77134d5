"""Regular expressions shared by QA and the IVR: numbers people say on the phone, and the
validation of user-written patterns in rubric and flow files."""
from __future__ import annotations

import re

MOBILE = re.compile(r"1[3-9]\d{9}")  # mainland China mobile number (11 digits)


def is_mobile(digits: str) -> bool:
    return MOBILE.fullmatch(digits) is not None


def check_regex(pattern: str | None) -> str | None:
    """A pydantic validator for a user-written regular expression (rubric rules, flow
    collects): the pattern itself when it compiles, else a ValueError saying why."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regex {pattern!r}: not a valid regular expression ({exc})") from None
    return pattern
