"""Masking digit runs that could be an account number (card numbers never are kept); dates and amounts stay."""

from __future__ import annotations

import re

MASK = "••••"
# Four or more digits in a row (spaces, dots or dashes between them allowed) could be a card number.
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d){3,}")
# What a caller typed or said: three digits or more could be a security code, the last four or a card
# number, whether typed or spoken, whatever stands between them ("4, 1, 1", "4 one 1 one") short of a letter.
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_CALLER_DIGIT = rf"(?:\d|\b{_DIGIT_WORD}\b)"
_CALLER_RUN = re.compile(rf"{_CALLER_DIGIT}(?:[^a-z0-9]*{_CALLER_DIGIT}){{2,}}", re.IGNORECASE)

# Dates and amounts are what a call is about ("November 12th, 2025", "$84.20", "180 dollars"): never an
# account number, so they are kept as they were said. Each must be whole: no digit just before or after.
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?:19|20)\d{2})?"
_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+|\d{1,6})(?:\.\d{2})?"
_UNIT = r"(?:dollars?|bucks|cents?|euros?|pounds?|points?|miles)"
_KEPT = re.compile(
    rf"(?<![\d.,])(?:"
    rf"\b{_MONTH}\s+(?:the\s+)?{_DAY}{_YEAR}\b"  # November 12th, 2025 / March 3
    rf"|\b{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b"  # 12th of November
    rf"|\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:/(?:\d{{4}}|\d{{2}}))?\b"  # 11/12 or 11/12/2025
    rf"|\b(?:19|20)\d{{2}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"  # 2025-11-12
    rf"|[$€£]\s?{_AMOUNT}\b"  # $84.20, $1,250
    rf"|\b{_AMOUNT}\s?{_UNIT}\b"  # 180 dollars, 3200 points
    rf"|\b\d{{1,3}}(?:,\d{{3}})+(?:\.\d{{2}})?\b|\b\d{{1,6}}\.\d{{2}}\b"  # 1,250 or 84.20
    rf")(?![\d,]\d)",
    re.IGNORECASE)
_RUN_BEFORE = re.compile(r"\d[ .\-]*$")


def mask_digits(text: str, caller: bool = False) -> str:
    """Mask digit runs that could be an account number (for the caller's own words, 3+ digits); keep dates and amounts."""
    run = _CALLER_RUN if caller else _DIGIT_RUN
    pieces, start = [], 0
    for kept in _KEPT.finditer(text):
        if _RUN_BEFORE.search(text, 0, kept.start()):
            continue  # "4111 1111 1111 1111 dollars": the end of a longer run, not an amount
        pieces += [run.sub(MASK, text[start:kept.start()]), kept.group(0)]
        start = kept.end()
    pieces.append(run.sub(MASK, text[start:]))
    return "".join(pieces)
