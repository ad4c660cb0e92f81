"""SQL for staff sign-in sessions (bearer tokens stored only as hashes)."""
from __future__ import annotations

from datetime import datetime

import asyncpg


async def create(con: asyncpg.Connection, token_hash: str, hall: str, staff_id: str,
                 created: datetime, expires: datetime) -> None:
    await con.execute(
        "INSERT INTO staff_sessions (token_hash, hall, staff_id, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        token_hash, hall, staff_id, created, expires,
    )


async def delete(con: asyncpg.Connection, token_hash: str) -> None:
    await con.execute("DELETE FROM staff_sessions WHERE token_hash = $1", token_hash)
