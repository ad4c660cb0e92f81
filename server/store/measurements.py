"""SQL for what the hall's twin learns from: stays at windows, latencies, duty changes and issues (server.twin)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg

from server.hall import Hall
from server.store.staffing import duty_changes

HISTORY_WEEKS = 4  # earlier days of the same weekday the twin learns from


async def stays(con: asyncpg.Connection, hall: str) -> list[asyncpg.Record]:
    """Finished stays of the latest day and of the same weekday in the weeks before, oldest first."""
    return await con.fetch(
        "WITH latest AS (SELECT max(day) AS day FROM tickets WHERE hall = $1)"
        " SELECT s.day = latest.day AS today, s.service, s.window_no, s.staff_id, s.called_at, s.ended_at"
        " FROM servings s, latest WHERE s.hall = $1 AND s.ended_at IS NOT NULL"
        " AND s.day >= latest.day - 7 * $2 AND extract(isodow FROM s.day) = extract(isodow FROM latest.day)"
        " ORDER BY s.ended_at", hall, HISTORY_WEEKS)


async def latencies(con: asyncpg.Connection, hall: str) -> list[float]:
    """Seconds from a ticket leaving each window to its next call on the latest day, where the ticket
    called next was already waiting when the window came free, in time order."""
    rows = await con.fetch(
        "WITH latest AS (SELECT max(day) AS day FROM tickets WHERE hall = $1),"
        " stays AS (SELECT s.called_at, s.queued_at,"
        "  lag(s.ended_at) OVER (PARTITION BY s.window_no ORDER BY s.called_at) AS freed_at"
        "  FROM servings s, latest WHERE s.hall = $1 AND s.day = latest.day)"
        " SELECT extract(epoch FROM called_at - freed_at)::float8 AS seconds FROM stays"
        " WHERE freed_at IS NOT NULL AND queued_at <= freed_at ORDER BY called_at", hall)
    return [r["seconds"] for r in rows]


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


async def duty_of_latest_day(con: asyncpg.Connection, hall: Hall) -> list[dict[str, Any]]:
    """The windows' duty changes (server.store.staffing.duty_changes) on the latest day of tickets, the
    state each window was in at its start dated then: (window_no, at, state, pause_reason, staff_id)."""
    day: date | None = await con.fetchval("SELECT max(day) FROM tickets WHERE hall = $1", hall.id)
    if day is None:
        return []
    start = datetime.combine(day, time(), hall.timezone)
    changes = await duty_changes(con, hall.id, [w.number for w in hall.windows], start, start + timedelta(days=1))
    return [{**change, "at": max(change["at"], start)} for change in changes]
