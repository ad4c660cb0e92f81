"""SQL for the notification outbox, the queue reminders' place in the event log and tickets' reminder numbers."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

_DELIVERING = timedelta(seconds=30)  # a worker that died mid-delivery leaves its rows to another after this
# (an attempt times out after 5 s)


async def write(con: asyncpg.Connection, hall: str, kind: str, cause: str, recipient: str,
                body: dict[str, Any], created_at: datetime, retry_for: timedelta) -> bool:
    """Queue one notification in the caller's transaction; False when its cause already has one."""
    status = await con.execute(
        "INSERT INTO notifications (delivery_id, hall, kind, cause, recipient, body, created_at, give_up_at)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, clock_timestamp() + $8)"
        " ON CONFLICT (hall, cause) DO NOTHING",
        uuid.uuid4(), hall, kind, cause, recipient, json.dumps(body, ensure_ascii=False), created_at, retry_for,
    )
    return status.endswith(" 1")


async def claim_due(con: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Due notifications for this worker to deliver now, hidden from other workers while it tries."""
    return await con.fetch(
        "UPDATE notifications SET next_attempt_at = clock_timestamp() + $2, attempts = attempts + 1"
        " WHERE id IN (SELECT id FROM notifications WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()"
        "              ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
        " RETURNING id, delivery_id, hall, kind, recipient, body, created_at, attempts, give_up_at",
        limit, _DELIVERING,
    )


async def delivered(con: asyncpg.Connection, notification_id: int) -> None:
    await con.execute("UPDATE notifications SET status = 'delivered', delivered_at = clock_timestamp(),"
                      " last_error = NULL WHERE id = $1", notification_id)


async def refused(con: asyncpg.Connection, notification_id: int, error: str, retry_in: timedelta) -> None:
    """A failed attempt: tried again after `retry_in`, or given up once past its give-up time."""
    await con.execute(
        "UPDATE notifications SET last_error = $2, next_attempt_at = clock_timestamp() + $3,"
        " status = CASE WHEN clock_timestamp() + $3 > give_up_at THEN 'failed' ELSE 'pending' END WHERE id = $1",
        notification_id, error[:500], retry_in,
    )


async def listing(con: asyncpg.Connection, hall: str, status: str | None, before: int | None,
                  limit: int) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT id, delivery_id, kind, cause, recipient, body, created_at, status, attempts, next_attempt_at,"
        " delivered_at, last_error FROM notifications"
        " WHERE hall = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)"
        " ORDER BY id DESC LIMIT $4",
        hall, status, before, limit,
    )


async def counts(con: asyncpg.Connection, hall: str) -> dict[str, int]:
    rows = await con.fetch("SELECT status, count(*) AS n FROM notifications WHERE hall = $1 GROUP BY status", hall)
    return {row["status"]: row["n"] for row in rows}


async def lock_cursor(con: asyncpg.Connection, hall: str) -> int | None:
    """The hall's reminders' place in the event log, locked for this transaction; None while another
    process holds it (it is doing the work)."""
    await con.execute("INSERT INTO reminder_cursors (hall, last_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING", hall)
    return await con.fetchval("SELECT last_seq FROM reminder_cursors WHERE hall = $1 FOR UPDATE SKIP LOCKED", hall)


async def move_cursor(con: asyncpg.Connection, hall: str, seq: int) -> None:
    await con.execute("UPDATE reminder_cursors SET last_seq = $2 WHERE hall = $1", hall, seq)


async def awaiting_reminder(con: asyncpg.Connection, hall: str, day: date) -> list[asyncpg.Record]:
    """Today's waiting tickets whose holders asked to be told when their turn nears."""
    return await con.fetch(
        "SELECT * FROM tickets WHERE hall = $1 AND day = $2 AND reminder_mobile IS NOT NULL"
        " AND NOT ahead_reminded AND status = 'waiting'", hall, day)


async def mark_reminded(con: asyncpg.Connection, ticket_ids: list[int]) -> None:
    await con.execute("UPDATE tickets SET ahead_reminded = true WHERE id = ANY($1::bigint[])", ticket_ids)


async def issued_ticket(con: asyncpg.Connection, hall: str, ticket_id: int) -> asyncpg.Record | None:
    """A ticket with the device that issued it, locked: its holder gives a number at that kiosk."""
    return await con.fetchrow("SELECT * FROM tickets WHERE hall = $1 AND id = $2 FOR UPDATE", hall, ticket_id)


async def set_reminder_mobile(con: asyncpg.Connection, ticket_id: int, mobile: str, reminded: bool) -> None:
    """Remind `mobile` from now on; `reminded`: no "N ahead" any more (it was sent, or is not wanted)."""
    await con.execute("UPDATE tickets SET reminder_mobile = $2, ahead_reminded = ahead_reminded OR $3"
                      " WHERE id = $1", ticket_id, mobile, reminded)


async def reminder_mobiles(con: asyncpg.Connection, ticket_ids: list[int]) -> dict[int, str]:
    rows = await con.fetch("SELECT id, reminder_mobile FROM tickets WHERE id = ANY($1::bigint[])"
                           " AND reminder_mobile IS NOT NULL", ticket_ids)
    return {row["id"]: row["reminder_mobile"] for row in rows}
