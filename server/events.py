"""The live-event contract: every event kind, the topics it goes to and its payload.

Services build events only through the builders here and append them with
`store.events.append`; the hub routes them with `topics` and sends each as
`message`. The browser mirrors the kinds in server/web/common/events.js (a
test keeps the two equal).

Topics: `hall`, `zone:<code>` and `window:<n>` may be shown on any screen;
`staff:<n>` is the console of window n; `managers` the dashboard;
`ticket:<id>` the citizen following one ticket; `department:<id>` the officers of a
summoned department (事进人不进); `kiosk:<device>` one kiosk's
screen; `agent:<device>` one kiosk's device agent. Booking and follow-up events go to `managers` only. A rating
goes only to its window (the tablet there), its ticket and the managers: not to the hall's screens.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum
from typing import Any

from server.model import Event, Ticket, WindowState


class Kind(str, Enum):
    TICKET_ISSUED = "ticket.issued"
    TICKET_CALLED = "ticket.called"
    TICKET_RECALLED = "ticket.recalled"
    TICKET_STARTED = "ticket.started"
    TICKET_FINISHED = "ticket.finished"
    TICKET_NO_SHOW = "ticket.no_show"
    TICKET_NO_SHOW_UNDONE = "ticket.no_show_undone"  # back at its window as called, its window_state given
    TICKET_TRANSFERRED = "ticket.transferred"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_REJOINED = "ticket.rejoined"
    TICKET_UNSERVED = "ticket.unserved"  # left unserved: still waiting when the hall's day closed
    WINDOW_SIGNED_IN = "window.signed_in"
    WINDOW_SIGNED_OUT = "window.signed_out"
    WINDOW_PAUSED = "window.paused"
    WINDOW_RESUMED = "window.resumed"
    KIOSK_IDENTITY = "kiosk.identity"
    KIOSK_CARD_ERROR = "kiosk.card_error"
    KIOSK_PRINTED = "kiosk.printed"
    KIOSK_PRINT_FAILED = "kiosk.print_failed"
    PRINT_REQUESTED = "print.requested"
    DEVICE_STATUS = "device.status"
    DEVICE_CHANGED = "device.changed"  # added, changed or revoked by an admin: every process reloads the hall's devices
    STAFF_CHANGED = "staff.changed"  # added, changed or revoked by an admin (managers only)
    BOOKING_BOOKED = "booking.booked"
    BOOKING_CANCELLED = "booking.cancelled"  # by its holder, or by the hall closing its slot (cancelled_by)
    BOOKING_CHECKED_IN = "booking.checked_in"  # at a kiosk: its ticket_id, and whether late (a walk-in)
    SUMMONS_CREATED = "summons.created"  # a 事进人不进 department is summoned for the ticket at a window
    SUMMONS_ACKNOWLEDGED = "summons.acknowledged"  # its officer has seen it
    SUMMONS_ARRIVED = "summons.arrived"  # its officer is at the window (已到达)
    SUMMONS_CANCELLED = "summons.cancelled"  # by the window's clerk or a manager
    RATING_GIVEN = "rating.given"  # 好差评 of one finished stay, from its window's tablet or the ticket's phone
    FOLLOW_UP_OPENED = "follow_up.opened"  # 差评整改: a bad rating's case, with its deadline
    FOLLOW_UP_CALLED_BACK = "follow_up.called_back"  # one callback attempt (回访), reached or not
    FOLLOW_UP_FIXED = "follow_up.fixed"  # the fix (整改) recorded
    FOLLOW_UP_CLOSED = "follow_up.closed"  # callback and fix both done: on time or late
    HALL_RELOADED = "hall.reloaded"  # `hallq reload` changed the hall's definition: pages read it again

    @property
    def family(self) -> str:
        return self.value.partition(".")[0]


CALL_KINDS = (Kind.TICKET_CALLED, Kind.TICKET_RECALLED)  # announced on the screens


@dataclass(frozen=True)
class NewEvent:
    """An event built for appending: the store numbers and times it."""

    kind: Kind
    payload: dict[str, Any]
    ticket_id: int | None = None
    window_no: int | None = None
    zone: str | None = None
    staff_id: str | None = None


# -- builders ------------------------------------------------------------------------

def ticket_event(kind: Kind, ticket: Ticket, *, window_no: int | None, staff_id: str | None,
                 **extra: Any) -> NewEvent:
    """A ticket's step: `ticket` is the ticket after it (its public form: no identity)."""
    assert kind.family == "ticket"
    return NewEvent(kind, {"ticket": ticket.public(), **extra}, ticket_id=ticket.id, window_no=window_no,
                    zone=ticket.zone, staff_id=staff_id)


def window_event(kind: Kind, state: WindowState, zone: str | None, *, staff_id: str | None,
                 **extra: Any) -> NewEvent:
    """A window's duty change: `state` is the window after it."""
    assert kind.family == "window"
    return NewEvent(kind, {"window_state": state.public(), **extra}, window_no=state.number, zone=zone,
                    staff_id=staff_id)


def card_read(device: str, read: str, identity: dict[str, Any]) -> NewEvent:
    """A card on a kiosk's reader. `read` names the read; its single-use token is made from
    it with the server's key when the message is sent (`message`), never stored."""
    return NewEvent(Kind.KIOSK_IDENTITY, {"device": device, "read": read, "identity": identity})


def card_error(device: str, error: str, message: str) -> NewEvent:
    return NewEvent(Kind.KIOSK_CARD_ERROR, {"device": device, "error": error, "message": message})


def print_requested(device: str, job_id: int, ticket: Ticket) -> NewEvent:
    return NewEvent(Kind.PRINT_REQUESTED, {"device": device, "job_id": job_id, "number": ticket.number},
                    ticket_id=ticket.id)


def print_outcome(device: str, job_id: int, ticket: Ticket, *, error: str | None) -> NewEvent:
    """A print job printed (error None) or failed; the kiosk's screen shows the preview."""
    token = ticket.status_token
    return NewEvent(Kind.KIOSK_PRINTED if error is None else Kind.KIOSK_PRINT_FAILED, {
        "device": device, "job_id": job_id, "ticket": {"id": ticket.id, "number": ticket.number},
        "status_token": token, "error": error, "preview": f"/api/v1/public/tickets/{token}/preview.png",
    }, ticket_id=ticket.id)


def device_status(device: str, status: dict[str, Any]) -> NewEvent:
    return NewEvent(Kind.DEVICE_STATUS, {"device": device, **status})


def device_changed(device: str, kind: str, change: str) -> NewEvent:
    """`change`: "added", "changed" or "revoked"; never the device's token or its hash."""
    return NewEvent(Kind.DEVICE_CHANGED, {"device": device, "device_kind": kind, "change": change})


def staff_changed(staff_id: str, change: str) -> NewEvent:
    return NewEvent(Kind.STAFF_CHANGED, {"staff": staff_id, "change": change}, staff_id=staff_id)


DIRECTORY_KINDS = frozenset({Kind.DEVICE_CHANGED.value, Kind.STAFF_CHANGED.value})


def revoked(event: Event) -> tuple[tuple[str, str], str] | None:
    """Whose live sockets a revoke ends, ("device" or "staff", id), and the reason they are closed with."""
    if event.payload.get("change") != "revoked":
        return None
    if event.kind == Kind.DEVICE_CHANGED.value:
        return ("device", event.payload["device"]), "device_revoked"
    if event.kind == Kind.STAFF_CHANGED.value:
        return ("staff", event.payload["staff"]), "staff_revoked"
    return None


def booking_event(kind: Kind, booking: dict[str, Any], zone: str) -> NewEvent:
    """A booking's step (`booking` as Booking.event_view gives it: masked, without its number)."""
    assert kind.family == "booking"
    return NewEvent(kind, {"booking": booking}, zone=zone)


def summons_event(kind: Kind, summons: dict[str, Any], *, staff_id: str) -> NewEvent:
    """A summons' step (`summons` as Summons.view gives it: no personal data)."""
    assert kind.family == "summons"
    return NewEvent(kind, {"summons": summons}, ticket_id=summons["ticket_id"], window_no=summons["window"],
                    staff_id=staff_id)


def rating_given(rating: dict[str, Any], *, ticket_id: int, window_no: int, zone: str,
                 staff_id: str | None) -> NewEvent:
    """`rating` in its public form (server.ratings.Rating.public): never the citizen's words."""
    return NewEvent(Kind.RATING_GIVEN, {"rating": rating}, ticket_id=ticket_id, window_no=window_no, zone=zone,
                    staff_id=staff_id)


def follow_up_event(kind: Kind, case: dict[str, Any], *, zone: str) -> NewEvent:
    """A follow-up case's step (`case` as server.follow_ups.view gives it: without the citizen's words)."""
    assert kind.family == "follow_up"
    return NewEvent(kind, {"case": case}, zone=zone)


def hall_reloaded(changes: list[str], *, zones: list[str], windows: list[int], kiosks: list[str],
                  departments: list[str]) -> NewEvent:
    """The hall's definition changed (`changes` says how, in words for the managers); it goes to
    every page of the hall, so the payload lists the zones, windows, kiosks and departments to reach."""
    return NewEvent(Kind.HALL_RELOADED, {"changes": changes, "zones": zones, "windows": windows,
                                         "kiosks": kiosks, "departments": departments})


def _hall_topics(payload: dict[str, Any]) -> set[str]:
    """Every page of the hall but the citizens' ticket links."""
    return {"hall", "managers", *(f"zone:{z}" for z in payload["zones"]),
            *(f"{kind}:{n}" for n in payload["windows"] for kind in ("window", "staff")),
            *(f"kiosk:{k}" for k in payload["kiosks"]), *(f"department:{d}" for d in payload["departments"])}


# -- routing and sending -----------------------------------------------------------------

def _device_topics(family: str, device: str) -> set[str] | None:
    """Kiosk hardware events never reach a public topic."""
    if family == "print":
        return {f"agent:{device}"}
    if family == "kiosk":
        return {f"kiosk:{device}"}
    if family == "device":
        return {f"kiosk:{device}", "managers"}
    if family in ("booking", "follow_up", "staff"):  # personal, however masked: the managers' dashboard only
        return {"managers"}
    return None


def _summons_topics(event: Event) -> set[str]:
    """A summons: its department's officers, the window, the dashboard and the citizen's ticket; no screen."""
    return {"managers", f"department:{event.payload['summons']['department']}", f"staff:{event.window_no}",
            f"ticket:{event.ticket_id}"}


def _rating_topics(event: Event) -> set[str]:
    return {"managers", f"window:{event.window_no}", f"staff:{event.window_no}", f"ticket:{event.ticket_id}"}


def topics(event: Event, serving: dict[str, tuple[int, ...]]) -> set[str]:
    """Topics an event goes to; `serving` maps a service to the windows that may serve it."""
    family = event.kind.partition(".")[0]
    if family == "summons":
        return _summons_topics(event)
    if family == "rating":
        return _rating_topics(event)
    if family == "hall":
        return _hall_topics(event.payload)
    only_device = _device_topics(family, str(event.payload.get("device", "")))
    if only_device is not None:
        return only_device
    found = {"hall", "managers"}
    if event.zone:
        found.add(f"zone:{event.zone}")
    if event.window_no is not None:
        found.update((f"window:{event.window_no}", f"staff:{event.window_no}"))
    if event.ticket_id is not None:
        found.add(f"ticket:{event.ticket_id}")
        ticket = event.payload.get("ticket") or {}
        if ticket.get("status") == "waiting":  # its queue changed: the consoles that may call it
            target = ticket.get("target_window")
            windows = (target,) if target else serving.get(ticket.get("service", ""), ())
            found.update(f"staff:{n}" for n in windows)
    return found


def card_read_token(key: bytes, read: str) -> str:
    """The single-use token of a card read: only a server holding `key` can make it."""
    return hmac.new(key, f"card-read:{read}".encode(), hashlib.sha256).hexdigest()


def message(event: Event, key: bytes) -> dict[str, Any]:
    """The event as websocket clients receive it."""
    body = event.message()
    if event.kind == Kind.KIOSK_IDENTITY.value:
        read = body.pop("read")
        body["identity"] = {**body["identity"], "identity_token": card_read_token(key, read)}
    return body
