"""SQL for the reports: the assessment entries the centre makes (append-only), and handling per
window and service for the weekly ranking's like-with-like comparison."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from server.store.staffing import DUTY

_ENTRY = ("SELECT id, hall, month, window_no, category, amount::float8 AS amount, note, corrects, entered_by,"
          " entered_at FROM assessment_entries")


async def insert(con: asyncpg.Connection, *, hall: str, month: date, window_no: int, category: str, amount: float,
                 note: str, corrects: int | None, entered_by: str, entered_at: datetime) -> asyncpg.Record:
    return await con.fetchrow(
        "INSERT INTO assessment_entries (hall, month, window_no, category, amount, note, corrects, entered_by,"
        " entered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " RETURNING id, hall, month, window_no, category, amount::float8 AS amount, note, corrects, entered_by,"
        " entered_at",
        hall, month, window_no, category, amount, note, corrects, entered_by, entered_at,
    )


async def get(con: asyncpg.Connection, hall: str, entry_id: int) -> asyncpg.Record | None:
    return await con.fetchrow(f"{_ENTRY} WHERE hall = $1 AND id = $2", hall, entry_id)


async def of_months(con: asyncpg.Connection, hall: str, months: Sequence[date]) -> list[asyncpg.Record]:
    """The entries counting in `months` (each a month's first day), oldest first."""
    return await con.fetch(f"{_ENTRY} WHERE hall = $1 AND month = ANY($2::date[]) ORDER BY id", hall, list(months))


async def handling_by_service(con: asyncpg.Connection, hall: str, first: date, last: date) -> list[asyncpg.Record]:
    """Per window and service, the stays of business days first..last that started and ended done or
    transferred, and their handling seconds in all: (window_no, service, handled, handling_s)."""
    return await con.fetch(
        "SELECT window_no, service, count(*) AS handled,"
        " sum(extract(epoch FROM ended_at - started_at))::float8 AS handling_s"
        " FROM servings WHERE hall = $1 AND day BETWEEN $2 AND $3 AND started_at IS NOT NULL"
        " AND outcome IN ('done', 'transferred') GROUP BY window_no, service ORDER BY window_no, service",
        hall, first, last,
    )


async def first_duty(con: asyncpg.Connection, hall: str) -> datetime | None:
    """When the hall's first window signed in, paused or signed out: no assessment reaches before it."""
    at: datetime | None = await con.fetchval(
        f"SELECT min(at) FROM events WHERE hall = $1 AND {DUTY}", hall)
    return at
