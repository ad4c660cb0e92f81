"""One ticket as its citizen sees it on the phone: no staff, no other tickets."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from server.hall import Hall
from server.queue_state import HallQueue, Waiting

_FINAL = {"done", "cancelled", "unserved"}


def is_final(ticket: dict[str, Any], today: date) -> bool:
    """Nothing more can happen to the ticket: finished, cancelled, left unserved at closing, or a no-show of a past
    hall day (a no-show of today may still rejoin the queue)."""
    status = ticket["status"]
    return status in _FINAL or (status == "no_show" and date.fromisoformat(ticket["day"]) < today)


def public_status(hall: Hall, ticket: dict[str, Any], queue: HallQueue, now: datetime) -> dict[str, Any]:
    """`ticket` in its public form (model.Ticket.public) with its place in the queue now."""
    place = queue.place(Waiting.from_public(ticket), now) if ticket["status"] == "waiting" else None
    service, zone = hall.service(ticket["service"]), hall.zone(ticket["zone"])
    return {
        "ticket": ticket,
        "people_ahead": place.people_ahead if place else 0,
        "estimated_wait_minutes": place.estimated_wait_minutes if place else 0,
        "estimated_wait_range": place.estimated_wait_range if place else None,
        "hall_name": hall.name,
        "service_name": service.name if service else ticket["service"],
        "zone_name": zone.name if zone else ticket["zone"],
        "floor": zone.floor if zone else None,
        "timezone": hall.timezone.key,
        "final": is_final(ticket, hall.local(now).date()),
        # What a no-show who comes back is told: the hall's rejoin rule.
        "rejoin": {"policy": hall.queue.rejoin.value, "places": hall.queue.rejoin_places},
    }
