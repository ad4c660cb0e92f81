"""Live domain objects read from the store: tickets, window states, events."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from server.hall import Priority


class TicketStatus(str, Enum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    UNSERVED = "unserved"  # still waiting when its day closed (server/close_out.py)


class PauseReason(str, Enum):
    """Why a window is paused: screens show the code's label (server/web/common/events.js), never free text."""

    BREAK = "break"
    MEAL = "meal"
    MEETING = "meeting"
    SYSTEM = "system"
    OTHER = "other"


class RatingLevel(str, Enum):
    """The five national 好差评 levels (国办发〔2019〕51号), best first; pages word them
    (server/web/common/rating.js)."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意

    @property
    def score(self) -> int:
        """5 for 非常满意 down to 1 for 非常不满意."""
        return 5 - list(RatingLevel).index(self)

    @property
    def bad(self) -> bool:
        """差评: the bottom two, which name their reasons and are followed up."""
        return self.score <= 2


class WindowStateName(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def built_from(cls: type, record: Any) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in dict(record).items() if k in names})


@dataclass(frozen=True)
class Ticket:
    id: int
    hall: str
    day: date  # the hall's business day it was issued on
    number: str
    service: str
    zone: str
    priority: Priority
    status: TicketStatus
    issued_at: datetime
    queued_at: datetime
    arrival_at: datetime
    appointment_at: datetime | None
    target_window: int | None
    window_no: int | None
    staff_id: str | None
    first_called_at: datetime | None
    called_at: datetime | None
    call_count: int
    started_at: datetime | None
    finished_at: datetime | None
    identity_masked: str | None
    holder_masked: str | None
    status_token: str
    note: str | None  # internal: staff and managers only
    message: str | None  # for the citizen: may be shown in public
    estimated_wait_minutes: int | None  # the wait told at issue; None: none was told
    estimated_wait_low: int | None = None  # and its range (the twin's sampled runs, 20th-80th percentile)
    estimated_wait_high: int | None = None

    @classmethod
    def from_record(cls, record: Any) -> Ticket:
        ticket = built_from(cls, record)
        object.__setattr__(ticket, "priority", Priority(ticket.priority))
        object.__setattr__(ticket, "status", TicketStatus(ticket.status))
        return ticket

    def public(self) -> dict[str, Any]:
        """What any screen may show: the holder's name masked, no identity at all."""
        return {
            "id": self.id,
            "number": self.number,
            "service": self.service,
            "zone": self.zone,
            "priority": self.priority.value,
            "status": self.status.value,
            "window": self.window_no,
            "target_window": self.target_window,
            "issued_at": _iso(self.issued_at),
            # Its place in the queue, for every process's live queues (server.queue_state).
            "day": self.day.isoformat(),
            "queued_at": _iso(self.queued_at),
            "arrival_at": _iso(self.arrival_at),
            "called_at": _iso(self.called_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "call_count": self.call_count,
            "holder": self.holder_masked,
            "message": self.message,
        }

    def for_staff(self) -> dict[str, Any]:
        """What the window clerk sees: adds the masked ID number and queue times."""
        return {
            **self.public(),
            "identity": self.identity_masked,
            "note": self.note,
            "first_called_at": _iso(self.first_called_at),
        }


@dataclass(frozen=True)
class WindowState:
    hall: str
    number: int
    state: WindowStateName
    staff_id: str | None
    post: str | None
    pause_reason: str | None  # a PauseReason code
    pause_note: str | None  # internal: staff and managers only
    pause_message: str | None  # for the citizens waiting: may be shown in public
    current_ticket: int | None
    changed_at: datetime | None

    @classmethod
    def from_record(cls, record: Any) -> WindowState:
        state = built_from(cls, record)
        object.__setattr__(state, "state", WindowStateName(state.state))
        return state

    def public(self) -> dict[str, Any]:
        """What any screen may show: no internal note."""
        return {
            "number": self.number,
            "state": self.state.value,
            "staff_id": self.staff_id,
            "post": self.post,
            "pause_reason": self.pause_reason,
            "pause_message": self.pause_message,
            "current_ticket": self.current_ticket,
            "changed_at": _iso(self.changed_at),
        }

    def for_staff(self) -> dict[str, Any]:
        """What staff and managers see: adds the internal pause note."""
        return {**self.public(), "pause_note": self.pause_note}


@dataclass(frozen=True)
class Event:
    hall: str
    seq: int
    at: datetime
    kind: str
    ticket_id: int | None
    window_no: int | None
    zone: str | None
    staff_id: str | None
    payload: dict[str, Any]

    def message(self) -> dict[str, Any]:
        """The event as sent to websocket clients."""
        return {
            "type": "event",
            "seq": self.seq,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "window": self.window_no,
            "zone": self.zone,
            **self.payload,
        }
