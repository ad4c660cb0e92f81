"""SQL for 差评整改 follow-up cases and their callback attempts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

# A case with what its rating rated and every callback attempt, oldest first.
_CASE = ("SELECT f.*, r.ticket_id, t.number, t.holder_masked, r.window_no, r.staff_id, r.service, r.zone,"
         " r.level, r.reasons, r.comment, r.rated_at,"
         " (SELECT coalesce(json_agg(json_build_object('reached', c.reached, 'note', c.note, 'by', c.by_staff,"
         "    'at', c.at) ORDER BY c.id), '[]') FROM follow_up_callbacks AS c WHERE c.case_id = f.id) AS callbacks"
         " FROM follow_ups AS f JOIN ratings AS r ON r.id = f.rating_id JOIN tickets AS t ON t.id = r.ticket_id")


def _decoded(record: asyncpg.Record | None) -> dict[str, Any] | None:
    return None if record is None else dict(record)  # the pool decodes json (callbacks)


async def insert(con: asyncpg.Connection, **values: Any) -> int:
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    case_id: int = await con.fetchval(
        f"INSERT INTO follow_ups ({', '.join(names)}) VALUES ({placeholders}) RETURNING id", *values.values())
    return case_id


async def get(con: asyncpg.Connection, hall: str, case_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    """The case with its rating and callbacks; `lock` holds its row until the transaction ends."""
    if lock:  # one step at a time: two managers at once must not both close it
        await con.execute("SELECT 1 FROM follow_ups WHERE id = $1 FOR UPDATE", case_id)
    return _decoded(await con.fetchrow(f"{_CASE} WHERE f.hall = $1 AND f.id = $2", hall, case_id))


async def add_callback(con: asyncpg.Connection, case_id: int, *, reached: bool, note: str, by: str,
                       at: datetime) -> None:
    await con.execute("INSERT INTO follow_up_callbacks (case_id, reached, note, by_staff, at)"
                      " VALUES ($1, $2, $3, $4, $5)", case_id, reached, note, by, at)


async def set_fix(con: asyncpg.Connection, case_id: int, *, note: str, by: str, at: datetime) -> None:
    await con.execute("UPDATE follow_ups SET fix_note = $2, fix_by = $3, fix_at = $4 WHERE id = $1",
                      case_id, note, by, at)


async def close(con: asyncpg.Connection, case_id: int, at: datetime) -> None:
    await con.execute("UPDATE follow_ups SET closed_at = $2 WHERE id = $1", case_id, at)


async def listed(con: asyncpg.Connection, hall: str, *, first: date | None, last: date | None,
                 closed: bool | None, due_by: datetime | None) -> list[dict[str, Any]]:
    """The hall's cases of rating days first..last (either end open when None), due first.

    closed: only closed (True) or open (False) ones; due_by: only those due by then (overdue)."""
    rows = await con.fetch(
        f"{_CASE} WHERE f.hall = $1 AND ($2::date IS NULL OR f.day >= $2) AND ($3::date IS NULL OR f.day <= $3)"
        " AND ($4::boolean IS NULL OR (f.closed_at IS NOT NULL) = $4)"
        " AND ($5::timestamptz IS NULL OR f.due_at <= $5) ORDER BY f.due_at, f.id",
        hall, first, last, closed, due_by,
    )
    return [row for row in map(_decoded, rows) if row is not None]
