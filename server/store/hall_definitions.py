"""SQL of the hall definition each hall runs with (server/reload.py)."""
from __future__ import annotations

from datetime import datetime

import asyncpg


async def record(con: asyncpg.Connection, hall: str, digest: str, at: datetime) -> bool:
    """Note the definition's digest; True when it differs from the one noted before (or none was).
    The row lock makes one of several processes recording the same digest the one that changed it."""
    return await con.fetchval(
        "INSERT INTO hall_definitions (hall, digest, at) VALUES ($1, $2, $3)"
        " ON CONFLICT (hall) DO UPDATE SET digest = excluded.digest, at = excluded.at"
        " WHERE hall_definitions.digest <> excluded.digest RETURNING true", hall, digest, at) is not None
