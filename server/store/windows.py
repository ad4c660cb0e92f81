"""SQL for the live state of windows (open, paused, who holds them)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from server.model import WindowState

_MUTABLE = frozenset({"state", "staff_id", "post", "pause_reason", "pause_note", "pause_message",
                      "current_ticket", "changed_at"})


async def ensure(con: asyncpg.Connection, hall: str, numbers: Sequence[int]) -> None:
    """Create the rows of configured windows that the database does not have yet."""
    await con.execute(
        "INSERT INTO windows (hall, number) SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING",
        hall, list(numbers),
    )


async def get(con: asyncpg.Connection, hall: str, number: int, *, lock: bool = False) -> WindowState | None:
    sql = "SELECT * FROM windows WHERE hall = $1 AND number = $2" + (" FOR UPDATE" if lock else "")
    record = await con.fetchrow(sql, hall, number)
    return WindowState.from_record(record) if record else None


async def list_all(con: asyncpg.Connection, hall: str) -> list[WindowState]:
    records = await con.fetch("SELECT * FROM windows WHERE hall = $1 ORDER BY number", hall)
    return [WindowState.from_record(r) for r in records]


async def held_by(con: asyncpg.Connection, hall: str, staff_id: str) -> WindowState | None:
    record = await con.fetchrow(
        "SELECT * FROM windows WHERE hall = $1 AND staff_id = $2 AND state <> 'closed'", hall, staff_id
    )
    return WindowState.from_record(record) if record else None


async def update(con: asyncpg.Connection, hall: str, number: int, **changes: Any) -> WindowState:
    unknown = set(changes) - _MUTABLE
    if unknown:
        raise ValueError(f"not a mutable window column: {sorted(unknown)}")
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=3))
    record = await con.fetchrow(
        f"UPDATE windows SET {sets} WHERE hall = $1 AND number = $2 RETURNING *",
        hall, number, *changes.values(),
    )
    return WindowState.from_record(record)

