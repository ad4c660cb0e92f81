"""SQL for 好差评 ratings and the finished stays they rate."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

# A finished stay with its rating's id (NULL: not rated yet).
_DONE_STAY = ("SELECT s.id, s.hall, s.day, s.ticket_id, s.window_no, s.staff_id, s.service, s.zone, s.ended_at,"
              " t.number, t.holder_masked, r.id AS rating_id"
              " FROM servings AS s JOIN tickets AS t ON t.id = s.ticket_id"
              " LEFT JOIN ratings AS r ON r.serving_id = s.id")


async def done_stay(con: asyncpg.Connection, ticket_id: int) -> asyncpg.Record | None:
    """The ticket's stay that ended done (a ticket is finished once), or None."""
    return await con.fetchrow(f"{_DONE_STAY} WHERE s.ticket_id = $1 AND s.outcome = 'done'", ticket_id)


async def latest_done_stay(con: asyncpg.Connection, hall: str, window_no: int,
                           since: datetime) -> asyncpg.Record | None:
    """The window's latest stay that ended done at or after `since`, or None."""
    return await con.fetchrow(
        f"{_DONE_STAY} WHERE s.hall = $1 AND s.window_no = $2 AND s.outcome = 'done' AND s.ended_at >= $3"
        " ORDER BY s.ended_at DESC, s.id DESC LIMIT 1",
        hall, window_no, since,
    )


async def insert(con: asyncpg.Connection, **values: Any) -> asyncpg.Record | None:
    """The new rating, or None when its stay already has one (the first of tablet and phone wins)."""
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    return await con.fetchrow(
        f"INSERT INTO ratings ({', '.join(names)}) VALUES ({placeholders})"
        " ON CONFLICT (serving_id) DO NOTHING RETURNING *",
        *values.values(),
    )


async def get(con: asyncpg.Connection, rating_id: int) -> asyncpg.Record:
    return await con.fetchrow("SELECT * FROM ratings WHERE id = $1", rating_id)


async def between(con: asyncpg.Connection, hall: str, first: date, last: date) -> list[asyncpg.Record]:
    """The ratings of business days first..last, in the order they were given."""
    return await con.fetch(
        "SELECT r.*, t.number FROM ratings AS r JOIN tickets AS t ON t.id = r.ticket_id"
        " WHERE r.hall = $1 AND r.day BETWEEN $2 AND $3 ORDER BY r.rated_at, r.id",
        hall, first, last,
    )
