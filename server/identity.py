"""A citizen's identity as hallq keeps it: a keyed hash and masked forms, never the number.

Every ID number that reaches the server (typed at a desk, read by a kiosk's
card reader) passes `checked_id_number` before it is hashed: equal numbers
written with other digits (full-width ４１０５…) hash alike, and a number that
cannot exist is refused instead of starting a person of its own.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from hardware.idcard import verify_check_digit
from server import credentials
from server.errors import Unprocessable

EARLIEST_BIRTH = date(1900, 1, 1)
# The 2017 foreigner's permanent residence card: nationality letters and 12 digits, no check digit.
_FOREIGN_2017 = re.compile(r"[A-Z]{3}\d{12}")


def invalid_id_number(why: str) -> Unprocessable:
    return Unprocessable(f"id_number: 身份证号码有误，请核对 (not a valid ID number: {why})", code="invalid_id_number")


def normalised_id_number(raw: str) -> str:
    """Digits of any script as ASCII, full-width letters as ASCII, `x` as `X`, no spaces."""
    chars = []
    for ch in unicodedata.normalize("NFKC", raw):
        if ch.isspace():
            continue
        chars.append(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch.upper())
    return "".join(chars)


def checked_id_number(raw: str, today: date, card_type: str = "resident") -> str:
    """The number in its one spelling, or 422 `invalid_id_number`.

    A GB 11643 number (resident card, residence permit, the 2023 foreigner's
    card) needs 18 characters, its MOD 11-2 check digit, a real birth date from
    1900 to today and a region code starting 1–8 (9 for foreigners).
    """
    number = normalised_id_number(raw)
    if card_type == "foreign_permanent" and _FOREIGN_2017.fullmatch(number):
        return number
    if len(number) != 18:
        raise invalid_id_number(f"{len(number)} characters, 18 expected")
    if not verify_check_digit(number):
        raise invalid_id_number("check digit does not match")
    regions = "9" if card_type == "foreign_permanent" else "12345678"
    if number[0] not in regions:
        raise invalid_id_number("unknown region code")
    born = birth_date_in(number)
    if born is None or not EARLIEST_BIRTH <= born <= today:
        raise invalid_id_number("no such birth date")
    return number


def birth_date_in(id_number: str) -> date | None:
    """The birth date inside an 18-digit ID number."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class KnownIdentity:
    """A citizen's identity as hallq keeps it: keyed hash and masked forms, never the number.

    Of the birth date only what the rules use is kept: whether the holder is
    old enough for the green channel by age (`green_auto_age`) on the day read.
    """

    identity_hash: str
    id_masked: str
    holder_masked: str | None
    green_eligible: bool

    @classmethod
    def of(cls, number: str, name: str | None, key: bytes, *, green_age: int | None, day: date,
                  birth_date: date | None = None) -> KnownIdentity:
        """Hash and mask at once: the (checked) number, the name and the birth date go no further."""
        born = birth_date or birth_date_in(number)
        eligible = green_age is not None and born is not None and age_on(born, day) >= green_age
        return cls(credentials.identity_hash(number, key), credentials.mask_id_number(number),
                   credentials.mask_name(name) if name else None, eligible)
