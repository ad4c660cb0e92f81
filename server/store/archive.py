"""SQL of retention (server/archive.py): move old rows into `archive` as JSON, batch by batch."""
from __future__ import annotations

from datetime import date, datetime

import asyncpg

FINAL = ["done", "no_show", "cancelled", "unserved"]


async def final_tickets(con: asyncpg.Connection, hall: str, before: date, limit: int) -> list[int]:
    """Up to `limit` tickets of days before `before` that nothing can happen to any more, locked;
    one still at a window (its current ticket) stays."""
    return [r["id"] for r in await con.fetch(
        "SELECT id FROM tickets AS t WHERE hall = $1 AND day < $2 AND status = ANY($3::text[])"
        " AND NOT EXISTS (SELECT 1 FROM windows AS w WHERE w.current_ticket = t.id)"
        " ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED", hall, before, FINAL, limit)]


async def move_tickets(con: asyncpg.Connection, ids: list[int], at: datetime) -> int:
    """Archive the tickets and their stays, stays first (they refer to the tickets); how many stays."""
    stays = await con.fetchval(
        "WITH moved AS (DELETE FROM servings WHERE ticket_id = ANY($1::bigint[]) RETURNING *),"
        " kept AS (INSERT INTO archive (source, hall, key, day, row, archived_at)"
        "   SELECT 'servings', hall, id, day, to_jsonb(moved), $2 FROM moved RETURNING 1)"
        " SELECT count(*) FROM kept", ids, at)
    await con.execute(
        "WITH moved AS (DELETE FROM tickets WHERE id = ANY($1::bigint[]) RETURNING *)"
        " INSERT INTO archive (source, hall, key, day, row, archived_at)"
        " SELECT 'tickets', hall, id, day, to_jsonb(moved), $2 FROM moved", ids, at)
    return stays


async def event_range(con: asyncpg.Connection, hall: str, before: datetime) -> tuple[int, int] | None:
    """The hall's oldest live event and the last one before `before`: the events to archive, None if none."""
    row = await con.fetchrow(
        "SELECT min(seq) AS first, max(seq) FILTER (WHERE at < $2) AS last FROM events WHERE hall = $1", hall, before)
    return None if row["last"] is None else (row["first"], row["last"])


async def move_events(con: asyncpg.Connection, hall: str, first: int, last: int, timezone: str,
                      at: datetime) -> int:
    """Archive events first..last of the hall: only its oldest, so the live ones stay one run of seqs."""
    await con.execute("SET LOCAL hallq.archiving = 'on'")  # the one permission the append-only trigger knows
    return await con.fetchval(
        "WITH moved AS (DELETE FROM events WHERE hall = $1 AND seq BETWEEN $2 AND $3 RETURNING *),"
        " kept AS (INSERT INTO archive (source, hall, key, day, row, archived_at)"
        "   SELECT 'events', hall, seq, (at AT TIME ZONE $4)::date, to_jsonb(moved), $5 FROM moved RETURNING 1)"
        " SELECT count(*) FROM kept", hall, first, last, timezone, at)
