"""SQL for what the hall's twin learns from: stays at windows and issues (server.twin.learning)."""
from __future__ import annotations

import asyncpg

HISTORY_WEEKS = 4  # earlier days of the same weekday the twin learns from


async def stays(con: asyncpg.Connection, hall: str) -> list[asyncpg.Record]:
    """Finished stays of the latest day and of the same weekday in the weeks before, oldest first."""
    return await con.fetch(
        "WITH latest AS (SELECT max(day) AS day FROM tickets WHERE hall = $1)"
        " SELECT s.day = latest.day AS today, s.service, s.window_no, s.staff_id, s.called_at, s.ended_at"
        " FROM servings s, latest WHERE s.hall = $1 AND s.ended_at IS NOT NULL"
        " AND s.day >= latest.day - 7 * $2 AND extract(isodow FROM s.day) = extract(isodow FROM latest.day)"
        " ORDER BY s.ended_at", hall, HISTORY_WEEKS)


async def open_stays(con: asyncpg.Connection, hall: str) -> list[asyncpg.Record]:
    """The tickets at windows now: which service, called to the window when."""
    return await con.fetch(
        "SELECT ticket_id, window_no, service, called_at FROM servings WHERE hall = $1 AND outcome IS NULL",
        hall)


async def latest_issues(con: asyncpg.Connection, hall: str) -> list[asyncpg.Record]:
    """Tickets issued in the latest two hours of issuing: the recent arrival rates."""
    return await con.fetch(
        "SELECT service, priority, issued_at FROM tickets WHERE hall = $1"
        " AND issued_at >= (SELECT max(issued_at) FROM tickets WHERE hall = $1) - interval '2 hours'"
        " ORDER BY issued_at", hall)
