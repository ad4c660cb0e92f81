"""A booking as read from the store, and the state it is in: it follows its ticket once checked in."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from server.hall import BookingRules, Hall
from server.model import built_from


def window_ranges(numbers: Iterable[int]) -> list[list[int]]:
    """[41, 42, …, 48, 89, …, 96] -> [[41, 48], [89, 96]]: what a page shows as "41-48、89-96"."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return runs


class BookingState(str, Enum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"  # its ticket waits
    CALLED = "called"  # its ticket is called or being served
    SERVED = "served"
    NO_SHOW = "no_show"  # not checked in by the end of its check-in window, or its ticket was a no-show
    CANCELLED = "cancelled"  # by the citizen, or by the hall closing its slot
    UNSERVED = "unserved"  # its ticket still waited when the day ended (server/close_out.py)


_BY_TICKET = {"waiting": BookingState.CHECKED_IN, "called": BookingState.CALLED, "serving": BookingState.CALLED,
              "done": BookingState.SERVED, "no_show": BookingState.NO_SHOW, "cancelled": BookingState.CANCELLED,
              "unserved": BookingState.UNSERVED}


@dataclass(frozen=True)
class Booking:
    id: int
    hall: str
    number: str
    service: str
    zone: str
    day: date
    starts_at: datetime
    ends_at: datetime
    identity_hash: str
    identity_masked: str
    holder_masked: str
    mobile: str
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str | None
    ticket_id: int | None
    checked_in_at: datetime | None
    late: bool
    ticket_status: str | None = None
    ticket_number: str | None = None
    ticket_key: str | None = None  # the idempotency key its ticket was issued with: a retried check-in's

    @classmethod
    def from_record(cls, record: Any) -> Booking:
        booking: Booking = built_from(cls, record)
        return booking

    def state(self, now: datetime, rules: BookingRules) -> BookingState:
        if self.cancelled_at is not None:
            return BookingState.CANCELLED
        if self.ticket_status is not None:
            return _BY_TICKET[self.ticket_status]
        if now >= self.starts_at + rules.check_in_after:
            return BookingState.NO_SHOW
        return BookingState.BOOKED

    def public(self, hall: Hall, now: datetime) -> dict[str, Any]:
        """What its holder sees (and a kiosk after a check-in): the slot, where to go, the state; masked."""
        zone = hall.zone(self.zone)
        service = hall.service(self.service)
        return {
            "number": self.number, "service": self.service, "service_name": service.name if service else self.service,
            "zone": self.zone, "zone_name": zone.name if zone else self.zone, "floor": zone.floor if zone else None,
            "windows": [w.number for w in hall.windows_serving(self.service)],
            "window_ranges": window_ranges(w.number for w in hall.windows_serving(self.service)),
            "day": self.day.isoformat(), "starts_at": hall.local(self.starts_at).isoformat(),
            "ends_at": hall.local(self.ends_at).isoformat(), "holder": self.holder_masked,
            "state": self.state(now, hall.bookings).value, "cancelled_by": self.cancelled_by,
            "ticket": self.ticket_number, "late": self.late,
        }

    def for_staff(self, hall: Hall, now: datetime) -> dict[str, Any]:
        """What the hall's staff see: adds the masked ID number and when it was made and checked in."""
        return {**self.public(hall, now), "id": self.id, "identity": self.identity_masked,
                "created_at": self.created_at.isoformat(),
                "checked_in_at": self.checked_in_at.isoformat() if self.checked_in_at else None}

    def event_view(self) -> dict[str, Any]:
        """What a booking event carries to the managers' dashboard: no number (it checks in), masked."""
        return {"id": self.id, "service": self.service, "zone": self.zone, "day": self.day.isoformat(),
                "starts_at": self.starts_at.isoformat(), "holder": self.holder_masked,
                "cancelled_by": self.cancelled_by, "ticket_id": self.ticket_id, "late": self.late}
