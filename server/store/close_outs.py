"""SQL of the closing-time close-out (server/close_out.py)."""
from __future__ import annotations

from datetime import date, datetime

import asyncpg

from server.model import Ticket


async def waiting_days(con: asyncpg.Connection, hall: str) -> list[date]:
    """The business days that have tickets waiting (the waiting tickets' own index)."""
    return [r["day"] for r in await con.fetch(
        "SELECT DISTINCT day FROM tickets WHERE hall = $1 AND status = 'waiting'", hall)]


async def claim(con: asyncpg.Connection, hall: str, day: date, stage: str, at: datetime) -> bool:
    """Take the stage for this transaction; False when it was closed out already. A second
    claimant waits on the row until the first commits, then finds it taken."""
    return await con.fetchval(
        "INSERT INTO day_close_outs (hall, day, stage, at, tickets) VALUES ($1, $2, $3, $4, 0)"
        " ON CONFLICT DO NOTHING RETURNING true", hall, day, stage, at) is not None


async def leave_unserved(con: asyncpg.Connection, hall: str, day: date, *, appointments: bool) -> list[Ticket]:
    """Mark the day's waiting tickets unserved (appointments too only when `appointments`)."""
    records = await con.fetch(
        "UPDATE tickets SET status = 'unserved'"
        " WHERE id IN (SELECT id FROM tickets WHERE hall = $1 AND day = $2 AND status = 'waiting'"
        "   AND ($3 OR priority <> 'appointment') ORDER BY id FOR UPDATE)"
        " RETURNING *", hall, day, appointments)
    return sorted((Ticket.from_record(r) for r in records), key=lambda t: t.id)


async def record(con: asyncpg.Connection, hall: str, day: date, stage: str, tickets: int) -> None:
    await con.execute("UPDATE day_close_outs SET tickets = $4 WHERE hall = $1 AND day = $2 AND stage = $3",
                      hall, day, stage, tickets)
