"""SQL for the audit trail (append-only)."""
from __future__ import annotations

from datetime import datetime

import asyncpg


async def append(con: asyncpg.Connection, *, at: datetime, hall: str, actor: str | None, action: str,
                 subject: str | None, address: str | None, outcome: str, detail: str | None) -> None:
    await con.execute(
        "INSERT INTO audit_log (at, hall, actor, action, subject, address, outcome, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        at, hall, actor, action, subject, address, outcome, detail,
    )



async def recent(con: asyncpg.Connection, hall: str, limit: int) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT at, actor, action, subject, address, outcome, detail FROM audit_log"
        " WHERE hall = $1 ORDER BY id DESC LIMIT $2", hall, limit,
    )
