"""Masking digit runs: nothing a caller typed or said is kept as digits (card numbers never are)."""

from __future__ import annotations

import re

MASK = "••••"
# Four or more digits in a row (spaces, dots or dashes between them allowed) could be a card number.
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d){3,}")
# What a caller typed or said is never kept as digits: any run of two or more goes, whether
# typed or spoken, and whatever stands between them ("4, 1, 1", "4 one 1 one") short of a letter.
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_CALLER_DIGIT = rf"(?:\d|\b{_DIGIT_WORD}\b)"
_CALLER_RUN = re.compile(rf"{_CALLER_DIGIT}(?:[^a-z0-9]*{_CALLER_DIGIT})+", re.IGNORECASE)


def mask_digits(text: str, caller: bool = False) -> str:
    """Mask digit runs that could be a card number; for the caller's own words, any run of 2+ digits."""
    return (_CALLER_RUN if caller else _DIGIT_RUN).sub(MASK, text)
