"""SQL for the append-only event log and its cross-process notification."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import asyncpg

from server.events import NewEvent
from server.model import Event

CHANNEL = "hallq_events"
# NOTIFY payloads are limited to 8000 bytes; larger events are fetched by seq.
_NOTIFY_LIMIT = 7000


async def append(con: asyncpg.Connection, hall: str, at: datetime, new: NewEvent) -> Event:
    """Record an event inside the caller's transaction; listeners hear of it on commit.

    Called last in a transaction: the counter row it locks orders all of the hall's commits.
    The time is kept in UTC, as the table gives it back, so a live event and
    the same event read back later (a resume, a replay) are the same message.
    """
    at = at.astimezone(UTC)
    kind, payload = new.kind.value, new.payload
    ticket_id, window_no, zone, staff_id = new.ticket_id, new.window_no, new.zone, new.staff_id
    unnumbered = Event(hall, 0, at, kind, ticket_id, window_no, zone, staff_id, payload)
    # One round trip: claim the seq, store the event, and queue its notification with the seq filled in.
    seq = await con.fetchval(
        "WITH counter AS ("
        "  INSERT INTO event_counters (hall, last_seq) VALUES ($1, 1)"
        "  ON CONFLICT (hall) DO UPDATE SET last_seq = event_counters.last_seq + 1 RETURNING last_seq),"
        " stored AS ("
        "  INSERT INTO events (hall, seq, at, kind, ticket_id, window_no, zone, staff_id, payload)"
        "  SELECT $1, last_seq, $2, $3, $4, $5, $6, $7, $8 FROM counter RETURNING seq)"
        " SELECT seq FROM stored, pg_notify($9, jsonb_set($10::text::jsonb, '{seq}', to_jsonb(seq))::text)",
        hall, at, kind, ticket_id, window_no, zone, staff_id, payload, CHANNEL, notification(unnumbered),
    )
    return Event(hall, seq, at, kind, ticket_id, window_no, zone, staff_id, payload)


def notification(event: Event) -> str:
    """The event as a NOTIFY payload, or only its hall and seq when too large to travel."""
    full = json.dumps(_as_row(event), ensure_ascii=False, default=str)
    if len(full.encode()) <= _NOTIFY_LIMIT:
        return full
    return json.dumps({"hall": event.hall, "seq": event.seq})


def _as_row(event: Event) -> dict[str, Any]:
    return {
        "hall": event.hall, "seq": event.seq, "at": event.at.isoformat(), "kind": event.kind,
        "ticket_id": event.ticket_id, "window_no": event.window_no, "zone": event.zone,
        "staff_id": event.staff_id, "payload": event.payload,
    }


def from_notification(payload: str) -> Event | tuple[str, int]:
    """The event itself, or (hall, seq) when it was too large to travel in the payload."""
    data = json.loads(payload)
    if "kind" not in data:
        return data["hall"], data["seq"]
    data["at"] = datetime.fromisoformat(data["at"])
    return Event(**data)


async def since(con: asyncpg.Connection, hall: str, after_seq: int, limit: int) -> list[Event]:
    records = await con.fetch(
        "SELECT * FROM events WHERE hall = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        hall, after_seq, limit,
    )
    return [Event(**dict(r)) for r in records]


async def last_seq(con: asyncpg.Connection, hall: str) -> int:
    return await con.fetchval("SELECT last_seq FROM event_counters WHERE hall = $1", hall) or 0


async def for_ticket(con: asyncpg.Connection, ticket_id: int) -> list[Event]:
    records = await con.fetch("SELECT * FROM events WHERE ticket_id = $1 ORDER BY seq", ticket_id)
    return [Event(**dict(r)) for r in records]


async def recent(con: asyncpg.Connection, hall: str, kinds: list[str], limit: int) -> list[Event]:
    records = await con.fetch(
        "SELECT * FROM events WHERE hall = $1 AND kind = ANY($2) ORDER BY seq DESC LIMIT $3",
        hall, kinds, limit,
    )
    return [Event(**dict(r)) for r in reversed(records)]
