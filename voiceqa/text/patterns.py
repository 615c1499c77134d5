"""Regular expressions for numbers people say on the phone, shared by QA (PII) and the IVR."""
from __future__ import annotations

import re

MOBILE = re.compile(r"1[3-9]\d{9}")  # mainland China mobile number (11 digits)


def is_mobile(digits: str) -> bool:
    return MOBILE.fullmatch(digits) is not None
