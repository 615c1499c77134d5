"""Regular expressions shared by QA and the IVR: numbers people say on the phone, and the
validation of user-written patterns in rubric and flow files."""
from __future__ import annotations

import re

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

MOBILE = re.compile(r"1[3-9]\d{9}")  # mainland China mobile number (11 digits)


def is_mobile(digits: str) -> bool:
    return MOBILE.fullmatch(digits) is not None


def is_resident_id(s: str) -> bool:
    """A mainland resident ID number (居民身份证): 17 digits + check digit (python-stdnum's
    ISO 7064 calculation) and a real birth date. stdnum's full ``is_valid`` also requires a
    region code from its own list, which lags behind new districts (a real 440305… number
    failed it), so the region is not checked."""
    if len(s) != 18 or not s[:17].isdigit() or ric.calc_check_digit(s) != s[17].upper():
        return False
    try:
        ric.get_birth_date(s)
    except ValidationError:
        return False
    return True


def check_regex(pattern: str | None) -> str | None:
    """A pydantic validator for a user-written regular expression (rubric rules, flow
    collects): the pattern itself when it compiles, else a ValueError saying why."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regex {pattern!r}: not a valid regular expression ({exc})") from None
    return pattern
