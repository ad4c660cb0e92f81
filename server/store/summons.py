"""SQL for summons of 事进人不进 departments."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

_OPEN = ("open", "acknowledged")
_CHANGES = {"acknowledged": ("acknowledged_at", "acknowledged_by"), "arrived": ("arrived_at", "arrived_by"),
            "cancelled": ("cancelled_at", "cancelled_by")}


async def create(con: asyncpg.Connection, **row: Any) -> asyncpg.Record | None:
    """The new summons; None when its ticket already has an open one."""
    names = ", ".join(row)
    places = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    return await con.fetchrow(
        f"INSERT INTO summons ({names}) VALUES ({places})"
        " ON CONFLICT (ticket_id) WHERE status IN ('open', 'acknowledged') DO NOTHING RETURNING *",
        *row.values())


async def lock(con: asyncpg.Connection, hall: str, summons_id: int) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM summons WHERE hall = $1 AND id = $2 FOR UPDATE", hall, summons_id)


async def change(con: asyncpg.Connection, summons_id: int, status: str, at: datetime, by: str) -> asyncpg.Record:
    moment, person = _CHANGES[status]
    return await con.fetchrow(
        f"UPDATE summons SET status = $2, {moment} = $3, {person} = $4 WHERE id = $1 RETURNING *",
        summons_id, status, at, by)


async def open_ones(con: asyncpg.Connection, hall: str, department: str | None, open_only: bool,
                    day: date) -> list[asyncpg.Record]:
    """The open summons (of one department, or all), or every summons of the day."""
    return await con.fetch(
        "SELECT * FROM summons WHERE hall = $1 AND ($3::text IS NULL OR department = $3)"
        " AND (CASE WHEN $4 THEN status = ANY($2) ELSE day = $5 END) ORDER BY created_at, id",
        hall, list(_OPEN), department, open_only, day)


async def latest_for_ticket(con: asyncpg.Connection, ticket_id: int) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM summons WHERE ticket_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
                              ticket_id)


async def open_for_ticket(con: asyncpg.Connection, ticket_id: int) -> bool:
    return bool(await con.fetchval(
        "SELECT EXISTS (SELECT 1 FROM summons WHERE ticket_id = $1 AND status = ANY($2))", ticket_id, list(_OPEN)))



async def figures(con: asyncpg.Connection, hall: str, first: date, last: date, now: datetime) -> list[asyncpg.Record]:
    """Per department: summons, arrivals, mean and p90 minutes to arrive, on time of those due."""
    return await con.fetch(
        "SELECT department, count(*) AS summons, count(arrived_at) AS arrived,"
        " avg(extract(epoch FROM arrived_at - created_at))::float8 / 60 AS mean_minutes,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM arrived_at - created_at)) / 60"
        "   AS p90_minutes,"
        " count(*) FILTER (WHERE arrived_at <= due_at) AS on_time,"
        " count(*) FILTER (WHERE arrived_at IS NOT NULL OR due_at < $4) AS due"
        " FROM summons WHERE hall = $1 AND day BETWEEN $2 AND $3 AND status <> 'cancelled'"
        " GROUP BY department", hall, first, last, now)


async def counts(con: asyncpg.Connection, hall: str, first: date, last: date) -> dict[str, int]:
    """Summons not cancelled per department on the days first..last."""
    rows = await con.fetch(
        "SELECT department, count(*) AS n FROM summons WHERE hall = $1 AND day BETWEEN $2 AND $3"
        " AND status <> 'cancelled' GROUP BY department", hall, first, last)
    return {r["department"]: r["n"] for r in rows}
