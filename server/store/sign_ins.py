"""SQL for sign-in attempt counters, one row per account or client address."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from server.throttle import Attempts


async def lock(con: asyncpg.Connection, keys: Sequence[str], now: datetime) -> dict[str, asyncpg.Record]:
    """The rows of `keys`, made if missing and locked to the end of the transaction.

    Making them first means two processes counting a new key's first failures
    wait for each other instead of both writing "one failure"; key order avoids deadlocks.
    """
    await con.execute(
        "INSERT INTO sign_in_attempts (key, failures, last_at) SELECT k, 0, $2 FROM unnest($1::text[]) AS k"
        " ORDER BY k ON CONFLICT DO NOTHING", list(keys), now)
    records = await con.fetch(
        "SELECT * FROM sign_in_attempts WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE", list(keys))
    return {r["key"]: r for r in records}


async def save(con: asyncpg.Connection, key: str, attempts: Attempts) -> None:
    """Store a counter whose row `lock` holds."""
    await con.execute(
        "UPDATE sign_in_attempts SET failures = $2, last_at = $3, blocked_until = $4, locked_until = $5"
        " WHERE key = $1",
        key, attempts.failures, attempts.last_at, attempts.blocked_until, attempts.locked_until,
    )


async def forget(con: asyncpg.Connection, key: str) -> datetime | None:
    """Drop a key's counter; the end of its lock, if it had one."""
    return await con.fetchval("DELETE FROM sign_in_attempts WHERE key = $1 RETURNING locked_until", key)


async def lock_until(con: asyncpg.Connection, key: str, until: datetime) -> None:
    await con.execute("UPDATE sign_in_attempts SET locked_until = $2 WHERE key = $1", key, until)
