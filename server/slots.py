"""Bookable slots: per service and open day, slots of the hall's slot length inside its sessions.

Pure: the places already taken and the slots a manager closed live in the store
(`store.bookings`); this module only says which slots a day has and how many
places each offers.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from server.calendar import HallCalendar
from server.hall import MAX_BOOKING_SHARE, Hall, Service, Window


@dataclass(frozen=True)
class Slot:
    service: str
    start: datetime  # in hall time
    end: datetime
    capacity: int  # places for bookings

    @property
    def day(self) -> date:
        return self.start.date()


def booking_capacity(windows: Iterable[Window], service: str, typical_minutes: float, slot: timedelta,
                     share: float) -> int:
    """Places a slot offers: the windows serving the service × slot ÷ typical handling time × share.

    The zone windows that list the service count; universal windows count only for a service no
    zone window serves, since they serve every service and would count once for each. A small
    hall's share may round to no place at all: it offers one wherever one stays within the cap.
    """
    serving = [w for w in windows if w.level_of(service) is not None]
    counted = [w for w in serving if not w.universal] or serving
    served = len(counted) * slot.total_seconds() / 60 / typical_minutes
    return max(int(served * share + 1e-9), 1 if served * MAX_BOOKING_SHARE >= 1 else 0)


def capacity(hall: Hall, service: Service) -> int:
    """Places per slot for `service`: as the hall file sets it, else derived from its windows."""
    rules = hall.bookings
    if not rules.bookable(service.code):
        return 0
    configured = rules.configured_capacity(service.code)
    if configured is not None:
        return configured
    return booking_capacity(hall.windows_serving(service.code), service.code, service.typical_minutes, rules.slot,
                            rules.share)


def slot_times(hall: Hall, day: date) -> list[tuple[datetime, datetime]]:
    """(start, end) of every slot of an open day, every service alike: the slot length from each
    session's start; none on a closed day."""
    length, found = hall.bookings.slot, []
    for session in HallCalendar(hall).sessions(day):
        start = datetime.combine(day, session.start, hall.timezone)
        end = datetime.combine(day, session.end, hall.timezone)
        while start + length <= end:
            found.append((start, start + length))
            start += length
    return found


def day_slots(hall: Hall, service: Service, day: date) -> list[Slot]:
    """The slots of an open day for `service`, in order; none on a closed day or with no places."""
    places = capacity(hall, service)
    return [Slot(service.code, start, end, places) for start, end in slot_times(hall, day)] if places > 0 else []


def slot_at(hall: Hall, service: Service, start: datetime) -> Slot | None:
    """The slot of `service` starting at `start`, None when no such slot exists."""
    local = hall.local(start)
    return next((s for s in day_slots(hall, service, local.date()) if s.start == local), None)
