"""SQL for tickets, their numbers and their stays at windows."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from server.model import Ticket

# Columns a lifecycle step may change; anything else is a programming error.
_MUTABLE = frozenset({
    "service", "zone", "status", "queued_at", "arrival_at", "target_window", "window_no",
    "staff_id", "first_called_at", "called_at", "call_count", "started_at", "finished_at", "note", "message",
})


async def claim_number(con: asyncpg.Connection, hall: str, day: date, prefix: str) -> int:
    """Next number of the prefix today; the counter row stays locked until commit."""
    return await con.fetchval(
        "INSERT INTO ticket_counters (hall, day, prefix, last_value) VALUES ($1, $2, $3, 1)"
        " ON CONFLICT (hall, day, prefix)"
        " DO UPDATE SET last_value = ticket_counters.last_value + 1 RETURNING last_value",
        hall, day, prefix,
    )


async def insert_ticket(con: asyncpg.Connection, **values: Any) -> Ticket:
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    record = await con.fetchrow(
        f"INSERT INTO tickets ({', '.join(names)}) VALUES ({placeholders}) RETURNING *",
        *values.values(),
    )
    return Ticket.from_record(record)


async def record_estimate(con: asyncpg.Connection, ticket_id: int, minutes: int | None, low: int | None,
                          high: int | None) -> Ticket:
    """The wait the ticket's issue tells (and its range), stored in the issuing transaction, never changed."""
    record = await con.fetchrow(
        "UPDATE tickets SET estimated_wait_minutes = $2, estimated_wait_low = $3, estimated_wait_high = $4"
        " WHERE id = $1 RETURNING *", ticket_id, minutes, low, high,
    )
    return Ticket.from_record(record)


async def by_idempotency_key(con: asyncpg.Connection, hall: str, day: date, caller: str,
                             key: str) -> tuple[Ticket, str | None] | None:
    """The caller's ticket of the day for `key`, with the fingerprint of the request that made it."""
    record = await con.fetchrow(
        "SELECT * FROM tickets WHERE hall = $1 AND day = $2 AND caller = $3 AND idempotency_key = $4",
        hall, day, caller, key,
    )
    return (Ticket.from_record(record), record["request_fingerprint"]) if record else None


async def get(con: asyncpg.Connection, hall: str, ticket_id: int, *, lock: bool = False) -> Ticket | None:
    sql = "SELECT * FROM tickets WHERE hall = $1 AND id = $2" + (" FOR UPDATE" if lock else "")
    record = await con.fetchrow(sql, hall, ticket_id)
    return Ticket.from_record(record) if record else None


async def by_ids(con: asyncpg.Connection, hall: str, ids: Sequence[int]) -> list[Ticket]:
    records = await con.fetch("SELECT * FROM tickets WHERE hall = $1 AND id = ANY($2::bigint[])", hall, list(ids))
    return [Ticket.from_record(r) for r in records]


async def by_number(con: asyncpg.Connection, hall: str, day: date, number: str) -> Ticket | None:
    record = await con.fetchrow(
        "SELECT * FROM tickets WHERE hall = $1 AND day = $2 AND number = $3", hall, day, number
    )
    return Ticket.from_record(record) if record else None


async def by_status_token(con: asyncpg.Connection, token: str) -> Ticket | None:
    record = await con.fetchrow("SELECT * FROM tickets WHERE status_token = $1", token)
    return Ticket.from_record(record) if record else None


async def update(con: asyncpg.Connection, ticket_id: int, **changes: Any) -> Ticket:
    unknown = set(changes) - _MUTABLE
    if unknown:
        raise ValueError(f"not a mutable ticket column: {sorted(unknown)}")
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=2))
    record = await con.fetchrow(
        f"UPDATE tickets SET {sets} WHERE id = $1 RETURNING *", ticket_id, *changes.values()
    )
    return Ticket.from_record(record)


async def waiting_heads(
    con: asyncpg.Connection, hall: str, day: date, services: Sequence[str] | None,
    window_no: int, skip: Sequence[int],
) -> list[asyncpg.Record]:
    """The first waiting ticket of each (service, priority, target) queue a window may see.

    Routing only ever picks a queue head, so this is all it needs to decide.
    `services` None means every service (a universal window).
    """
    return await con.fetch(
        "SELECT DISTINCT ON (service, priority, target_window)"
        " id, service, priority, arrival_at, queued_at, target_window FROM tickets"
        " WHERE hall = $1 AND day = $2 AND status = 'waiting'"
        " AND ($3::text[] IS NULL OR service = ANY($3) OR target_window = $4)"
        " AND (target_window IS NULL OR target_window = $4)"
        " AND NOT (id = ANY($5::bigint[]))"
        " ORDER BY service, priority, target_window, arrival_at, id",
        hall, day, services, window_no, list(skip),
    )


async def claim_waiting(con: asyncpg.Connection, ticket_id: int) -> bool:
    """Lock a still-waiting ticket; False when another window took it first."""
    found = await con.fetchval(
        "SELECT id FROM tickets WHERE id = $1 AND status = 'waiting' FOR UPDATE SKIP LOCKED",
        ticket_id,
    )
    return found is not None


async def waiting(con: asyncpg.Connection, hall: str) -> list[Ticket]:
    """Every waiting ticket of the hall, for the live queues (server.queue_state)."""
    return [Ticket.from_record(r) for r in await con.fetch(
        "SELECT * FROM tickets WHERE hall = $1 AND status = 'waiting'", hall)]


async def open_for_identity(
    con: asyncpg.Connection, hall: str, day: date, identity_hash: str, service: str,
) -> int:
    return await con.fetchval(
        "SELECT count(*) FROM tickets WHERE hall = $1 AND day = $2 AND identity_hash = $3"
        " AND service = $4 AND status IN ('waiting', 'called', 'serving')",
        hall, day, identity_hash, service,
    )


async def open_serving(
    con: asyncpg.Connection, ticket: Ticket, day: date, window_no: int, staff_id: str | None, at: datetime,
) -> None:
    await con.execute(
        "INSERT INTO servings (hall, day, ticket_id, window_no, staff_id, service, zone, queued_at, called_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ticket.hall, day, ticket.id, window_no, staff_id, ticket.service, ticket.zone, ticket.queued_at, at,
    )


async def start_serving(con: asyncpg.Connection, ticket_id: int, at: datetime) -> None:
    await con.execute(
        "UPDATE servings SET started_at = $2 WHERE ticket_id = $1 AND outcome IS NULL", ticket_id, at
    )


async def close_serving(con: asyncpg.Connection, ticket_id: int, outcome: str, at: datetime) -> None:
    await con.execute(
        "UPDATE servings SET outcome = $2, ended_at = $3 WHERE ticket_id = $1 AND outcome IS NULL",
        ticket_id, outcome, at,
    )


_RANK = "CASE priority WHEN 'green' THEN 0 WHEN 'appointment' THEN 1 ELSE 2 END"


async def nth_in_queue(con: asyncpg.Connection, hall: str, day: date, service: str, places: int):
    """Arrival key of the `places`-th waiting ticket of a service, None if fewer wait."""
    return await con.fetchval(
        f"SELECT arrival_at FROM tickets WHERE hall = $1 AND day = $2 AND status = 'waiting'"
        f" AND service = $3 ORDER BY {_RANK}, arrival_at, id OFFSET $4 LIMIT 1",
        hall, day, service, places - 1,
    )


async def last_window(con: asyncpg.Connection, ticket_id: int) -> int | None:
    """The window the ticket was last called to, if it ever was."""
    return await con.fetchval(
        "SELECT window_no FROM servings WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1", ticket_id)


async def last_stay(con: asyncpg.Connection, ticket_id: int) -> asyncpg.Record | None:
    """The ticket's latest stay at a window: id, window_no, outcome, ended_at."""
    return await con.fetchrow(
        "SELECT id, window_no, outcome, ended_at FROM servings WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1",
        ticket_id)


async def reopen_serving(con: asyncpg.Connection, serving_id: int) -> None:
    """The stay goes on as if it had not ended (an undone no-show)."""
    await con.execute("UPDATE servings SET outcome = NULL, ended_at = NULL WHERE id = $1", serving_id)


async def waiting_by_service(con: asyncpg.Connection, hall: str) -> dict[str, int]:
    """How many tickets wait for each service (any day)."""
    return {r["service"]: r["n"] for r in await con.fetch(
        "SELECT service, count(*) AS n FROM tickets WHERE hall = $1 AND status = 'waiting' GROUP BY service", hall)}
