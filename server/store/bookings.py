"""SQL for appointments: the slots' counter rows and the bookings."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

# A booking with the status of the ticket its check-in issued: what its state is read from.
_WITH_TICKET = ("SELECT b.*, t.status AS ticket_status, t.number AS ticket_number, t.idempotency_key AS ticket_key"
                " FROM bookings b LEFT JOIN tickets t ON t.id = b.ticket_id")


async def take_place(con: asyncpg.Connection, hall: str, service: str, starts_at: datetime,
                     capacity: int) -> str | None:
    """Take one place of the slot; the slot's row stays locked until commit.

    None when taken; "full" or "closed" when the slot has no place to give.
    """
    taken = await con.fetchval(
        "INSERT INTO booking_slots AS s (hall, service, starts_at, booked) VALUES ($1, $2, $3, 1)"
        " ON CONFLICT (hall, service, starts_at) DO UPDATE SET booked = s.booked + 1"
        " WHERE s.booked < $4 AND s.closed_at IS NULL RETURNING booked",
        hall, service, starts_at, capacity,
    )
    if taken is not None:
        return None
    closed = await con.fetchval("SELECT closed_at IS NOT NULL FROM booking_slots"
                                " WHERE hall = $1 AND service = $2 AND starts_at = $3", hall, service, starts_at)
    return "closed" if closed else "full"


async def give_back_place(con: asyncpg.Connection, hall: str, service: str, starts_at: datetime) -> None:
    await con.execute("UPDATE booking_slots SET booked = booked - 1"
                      " WHERE hall = $1 AND service = $2 AND starts_at = $3 AND booked > 0", hall, service, starts_at)


async def close_slot(con: asyncpg.Connection, hall: str, service: str, starts_at: datetime, at: datetime,
                     by: str) -> bool:
    """Close the slot to bookings (its row locked); False when it was closed already."""
    closed = await con.fetchval(
        "INSERT INTO booking_slots AS s (hall, service, starts_at, closed_at, closed_by) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (hall, service, starts_at) DO UPDATE SET closed_at = $4, closed_by = $5, booked = 0"
        " WHERE s.closed_at IS NULL RETURNING starts_at",
        hall, service, starts_at, at, by,
    )
    return closed is not None


async def slots_of_day(con: asyncpg.Connection, hall: str, service: str, first: datetime,
                       last: datetime) -> dict[datetime, asyncpg.Record]:
    """The counter rows of a service's slots starting from `first` to `last`, by start."""
    rows = await con.fetch("SELECT starts_at, booked, closed_at FROM booking_slots WHERE hall = $1 AND service = $2"
                           " AND starts_at BETWEEN $3 AND $4", hall, service, first, last)
    return {row["starts_at"]: row for row in rows}


async def insert(con: asyncpg.Connection, **values: Any) -> asyncpg.Record:
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    return await con.fetchrow(
        f"INSERT INTO bookings ({', '.join(names)}) VALUES ({placeholders}) RETURNING *", *values.values())


async def by_number(con: asyncpg.Connection, hall: str, number: str, *, lock: bool = False) -> asyncpg.Record | None:
    if lock:  # the booking alone: FOR UPDATE cannot lock the outer side of a join
        return await con.fetchrow("SELECT * FROM bookings WHERE hall = $1 AND number = $2 FOR UPDATE", hall, number)
    return await con.fetchrow(f"{_WITH_TICKET} WHERE b.hall = $1 AND b.number = $2", hall, number)


async def by_token_hash(con: asyncpg.Connection, token_hash: str) -> asyncpg.Record | None:
    return await con.fetchrow(f"{_WITH_TICKET} WHERE b.token_hash = $1", token_hash)


async def of_identity(con: asyncpg.Connection, hall: str, identity_hash: str, since: datetime,
                      until: datetime) -> list[asyncpg.Record]:
    """An identity's bookings with slots from `since` to `until`, cancelled ones too."""
    return await con.fetch(f"{_WITH_TICKET} WHERE b.hall = $1 AND b.identity_hash = $2"
                           " AND b.starts_at BETWEEN $3 AND $4 ORDER BY b.starts_at", hall, identity_hash, since, until)


async def of_day(con: asyncpg.Connection, hall: str, day: date, service: str | None) -> list[asyncpg.Record]:
    return await con.fetch(f"{_WITH_TICKET} WHERE b.hall = $1 AND b.day = $2 AND ($3::text IS NULL OR b.service = $3)"
                           " ORDER BY b.starts_at, b.id", hall, day, service)


async def in_slot(con: asyncpg.Connection, hall: str, service: str, starts_at: datetime) -> list[asyncpg.Record]:
    """The slot's live bookings (not cancelled, not checked in), locked."""
    return await con.fetch("SELECT * FROM bookings WHERE hall = $1 AND service = $2 AND starts_at = $3"
                           " AND cancelled_at IS NULL AND ticket_id IS NULL ORDER BY id FOR UPDATE",
                           hall, service, starts_at)


async def cancel(con: asyncpg.Connection, booking_ids: Sequence[int], at: datetime, by: str) -> None:
    await con.execute("UPDATE bookings SET cancelled_at = $2, cancelled_by = $3 WHERE id = ANY($1::bigint[])",
                      list(booking_ids), at, by)


async def attach_ticket(con: asyncpg.Connection, booking_id: int, ticket_id: int, at: datetime, late: bool) -> bool:
    """The booking checked in with its ticket; False when it was cancelled or checked in meanwhile."""
    done = await con.fetchval(
        "UPDATE bookings SET ticket_id = $2, checked_in_at = $3, late = $4"
        " WHERE id = $1 AND ticket_id IS NULL AND cancelled_at IS NULL RETURNING id",
        booking_id, ticket_id, at, late)
    return done is not None


_LIVE = "cancelled_at IS NULL AND ticket_id IS NULL"  # booked, not yet checked in


async def due_day_before(con: asyncpg.Connection, hall: str, day: date, reminder_at: datetime) -> list[asyncpg.Record]:
    """The day's live bookings made before the day-before reminder's moment and not reminded, locked
    for this worker (another process skips them)."""
    return await con.fetch(
        f"SELECT * FROM bookings WHERE hall = $1 AND day = $2 AND {_LIVE} AND NOT reminded_day_before"
        " AND created_at < $3 ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED", hall, day, reminder_at)


async def due_soon(con: asyncpg.Connection, hall: str, now: datetime, before: timedelta) -> list[asyncpg.Record]:
    """Live bookings whose slot begins within `before` of `now`, made earlier than that and not reminded."""
    return await con.fetch(
        f"SELECT * FROM bookings WHERE hall = $1 AND starts_at > $2 AND starts_at <= $2 + $3::interval AND {_LIVE}"
        " AND NOT reminded_soon AND created_at < starts_at - $3::interval ORDER BY id LIMIT 200"
        " FOR UPDATE SKIP LOCKED", hall, now, before)


async def mark_reminded(con: asyncpg.Connection, column: str, booking_ids: Sequence[int]) -> None:
    assert column in ("reminded_day_before", "reminded_soon")
    await con.execute(f"UPDATE bookings SET {column} = true WHERE id = ANY($1::bigint[])", list(booking_ids))
