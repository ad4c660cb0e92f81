"""A citizen's identity as hallq keeps it: a keyed hash and masked forms, never the number."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server import credentials


@dataclass(frozen=True)
class KnownIdentity:
    """A citizen's identity as hallq keeps it: keyed hash and masked forms, never the number."""

    identity_hash: str
    id_masked: str
    holder_masked: str | None
    birth_date: date | None  # for the green channel by age

    @classmethod
    def from_card(cls, id_number: str, name: str | None, key: bytes,
                  birth_date: date | None = None) -> KnownIdentity:
        """Hash and mask at once: the number and name go no further than this call."""
        number = id_number.strip().upper()
        return cls(credentials.identity_hash(number, key), credentials.mask_id_number(number),
                   credentials.mask_name(name) if name else None, birth_date or birth_date_in(number))

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birth_date_in(id_number: str) -> date | None:
    """The birth date inside an 18-digit resident ID number."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
