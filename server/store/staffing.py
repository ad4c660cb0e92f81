"""SQL for the staffing advice: tickets issued by quarter hour, and the windows' duty history."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from server.events import Kind

# The partial index of migration 0012 serves a query that names the same condition.
DUTY = f"kind LIKE '{Kind.WINDOW_SIGNED_IN.family}.%'"


async def issued_by_slot(con: asyncpg.Connection, hall: str, days: Sequence[date], timezone: str,
                         slot_seconds: int) -> list[asyncpg.Record]:
    """Tickets issued on `days` per (day, service, priority, slot of the hall's clock): one row each."""
    return await con.fetch(
        "SELECT day, service, priority,"
        " floor(extract(epoch FROM (issued_at AT TIME ZONE $3)::time) / $4)::int AS slot, count(*) AS tickets"
        " FROM tickets WHERE hall = $1 AND day = ANY($2::date[])"
        " GROUP BY day, service, priority, slot ORDER BY day, service, priority, slot",
        hall, list(days), timezone, slot_seconds,
    )


async def issued_on(con: asyncpg.Connection, hall: str, day: date) -> int:
    count: int = await con.fetchval("SELECT count(*) FROM tickets WHERE hall = $1 AND day = $2", hall, day)
    return count


async def duty_changes(con: asyncpg.Connection, hall: str, windows: Sequence[int], start: datetime,
                       end: datetime) -> list[asyncpg.Record]:
    """Each window's state after each of its duty changes from `start` until `end`, and after the last
    one before `start`: (window_no, at, state, pause_reason, staff_id) in time order per window."""
    after = ("payload #>> '{window_state,state}' AS state,"
             " payload #>> '{window_state,pause_reason}' AS pause_reason, staff_id")
    return await con.fetch(
        "SELECT w.n AS window_no, e.at, e.state, e.pause_reason, e.staff_id"
        " FROM unnest($2::int[]) AS w(n) CROSS JOIN LATERAL ("
        f"  (SELECT at, seq, {after} FROM events"
        f"   WHERE hall = $1 AND window_no = w.n AND {DUTY} AND at < $3 ORDER BY at DESC, seq DESC LIMIT 1)"
        "  UNION ALL"
        f"  (SELECT at, seq, {after} FROM events"
        f"   WHERE hall = $1 AND window_no = w.n AND {DUTY} AND at >= $3 AND at < $4)) AS e"
        " ORDER BY w.n, e.at, e.seq",
        hall, list(windows), start, end,
    )
