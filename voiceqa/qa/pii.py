"""Personal data in transcripts: phone numbers, ID numbers, bank cards, e-mail.

Numbers may be written in Arabic digits or spoken as 汉字 numerals (幺五四九…); both are read
through a character-for-character digit map so spans keep their positions. Found spans are
masked in the text by default.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn

from ..text.chinese import fullwidth_to_halfwidth, han_digits_to_arabic
from ..text.patterns import is_mobile, is_resident_id

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# digits possibly separated by spaces or dashes, as ASR writes them
DIGIT_RUN = re.compile(r"\d(?:[\s\-]?\d)+[Xx]?")


@dataclass
class PiiSpan:
    kind: str  # mobile | landline | id_card | bank_card | email | number
    start: int  # char offsets in the turn text
    end: int
    digits: str


def classify(digits: str) -> str | None:
    n = len(digits)
    if n == 11 and is_mobile(digits):
        return "mobile"
    if n == 18 and is_resident_id(digits):
        return "id_card"
    if 16 <= n <= 19 and digits.isdigit() and luhn.is_valid(digits):
        return "bank_card"
    if re.fullmatch(r"0\d{9,11}", digits):
        return "landline"
    if n >= 7:
        # ASR drops or repeats digits (the 11-digit mobile comes out with 10 or 12): a long
        # number spoken in a service call is treated as personal data all the same
        return "number"
    return None


def find_pii(text: str) -> list[PiiSpan]:
    norm = han_digits_to_arabic(fullwidth_to_halfwidth(text))
    if len(norm) != len(text):  # NFKC changed the length; fall back to digit map only
        norm = han_digits_to_arabic(text)
    spans = [PiiSpan("email", m.start(), m.end(), m.group()) for m in EMAIL.finditer(norm)]
    for m in DIGIT_RUN.finditer(norm):
        if any(s.start <= m.start() < s.end for s in spans):
            continue
        digits = re.sub(r"[\s\-]", "", m.group())
        kind = classify(digits)
        if kind:
            spans.append(PiiSpan(kind, m.start(), m.end(), digits))
    return sorted(spans, key=lambda s: s.start)


def mask(text: str, spans: list[PiiSpan]) -> str:
    """Replace each span's characters with * (keeping the last 4 of long numbers for reference)."""
    chars = list(text)
    for s in spans:
        keep_tail = 4 if s.kind != "email" and s.end - s.start > 8 else 0
        for i in range(s.start, s.end - keep_tail):
            if not chars[i].isspace():
                chars[i] = "*"
    return "".join(chars)
