"""Staff free text with the personal numbers masked, before it is kept or shown.

A transfer note or a message to the citizen is typed by a clerk and may hold
an ID number (15 or 18 characters) or a mobile number (1[3-9] and 9 digits),
in any digits, spaced or not. `redacted` masks those, and the name of the
ticket's own holder when the text is about one ticket, so free text is stored
and shown like every other identity: masked (docs/architecture.md).
"""
from __future__ import annotations

import re

from server import credentials
from server.identity import normalised_id_number

# A run of digits (any script), single spaces or hyphens between them, perhaps ending in X.
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ \-]?\d)*(?:[ \-]?[Xx])?(?![\dA-Za-z])")
_MOBILE = re.compile(r"1[3-9]\d{9}")
ID_LIKE = 15  # digit runs this long or longer are masked as ID numbers


def _masked_number(match: re.Match[str]) -> str:
    number = normalised_id_number(match.group().replace("-", ""))
    if len(number) >= ID_LIKE:
        return credentials.mask_id_number(number)
    if _MOBILE.fullmatch(number):
        return masked_mobile(number)
    return match.group()


def masked_mobile(number: str) -> str:
    """13812345678 -> 138****5678: enough for its owner to recognise, too little to call."""
    return number[:3] + "****" + number[-4:]


def _holder_pattern(holder_masked: str) -> re.Pattern[str] | None:
    """张*丰 matches any 张?丰 in the text: the holder's name, which the server never has in clear."""
    if len(holder_masked) < 2 or "*" not in holder_masked:
        return None
    first, last = holder_masked[0], holder_masked[-1].replace("*", "")
    middle = len(holder_masked) - 1 - len(last)
    return re.compile(re.escape(first) + r"[^\W\d_]" * middle + re.escape(last))


def redacted(text: str | None, holder_masked: str | None = None) -> str | None:
    """`text` with ID-like and mobile-like numbers (and the holder's name) masked; None stays None."""
    if text is None:
        return None
    text = _DIGIT_RUN.sub(_masked_number, text)
    holder = _holder_pattern(holder_masked) if holder_masked else None
    return holder.sub(holder_masked or "", text) if holder else text
