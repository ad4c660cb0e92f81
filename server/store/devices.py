"""SQL for kiosk hardware: print jobs, device agent status, card-read tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

OPEN_JOB = ("pending", "sent")


# --- print jobs ---------------------------------------------------------------


async def insert_job(con: asyncpg.Connection, *, hall: str, device_id: str, ticket_id: int,
                     payload: dict[str, Any], status: str, error: str | None, now: datetime) -> int:
    return await con.fetchval(
        "INSERT INTO print_jobs (hall, device_id, ticket_id, payload, status, error, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        hall, device_id, ticket_id, payload, status, error, now,
    )


async def open_jobs(con: asyncpg.Connection, hall: str, device_id: str) -> list[asyncpg.Record]:
    """Jobs the device has not reported on, oldest first."""
    return await con.fetch(
        "SELECT id, ticket_id, payload, status, attempts, created_at FROM print_jobs"
        " WHERE hall = $1 AND device_id = $2 AND status = ANY($3::text[]) ORDER BY id",
        hall, device_id, list(OPEN_JOB),
    )


async def mark_sent(con: asyncpg.Connection, job_id: int, now: datetime,
                    payload: dict[str, Any] | None = None) -> bool:
    """Count one more delivery (with the payload as sent, when it changed); False when
    the job was settled meanwhile."""
    updated = await con.fetchval(
        "UPDATE print_jobs SET status = 'sent', attempts = attempts + 1, updated_at = $2,"
        " payload = COALESCE($4, payload) WHERE id = $1 AND status = ANY($3::text[]) RETURNING id",
        job_id, now, list(OPEN_JOB), payload,
    )
    return updated is not None


async def settle(con: asyncpg.Connection, hall: str, device_id: str, job_id: int, *, printed: bool,
                 error: str | None, now: datetime) -> asyncpg.Record | None:
    """Record the agent's outcome once; None when the job is unknown or already settled."""
    return await con.fetchrow(
        "UPDATE print_jobs SET status = $4, error = $5, updated_at = $6"
        " WHERE hall = $1 AND device_id = $2 AND id = $3 AND status = ANY($7::text[])"
        " RETURNING id, ticket_id, payload, status, error",
        hall, device_id, job_id, "printed" if printed else "failed", error, now, list(OPEN_JOB),
    )


async def latest_job_for_ticket(con: asyncpg.Connection, ticket_id: int) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM print_jobs WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1", ticket_id)


# --- device status --------------------------------------------------------------


async def status_for_update(con: asyncpg.Connection, hall: str, device_id: str) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM device_status WHERE hall = $1 AND device_id = $2 FOR UPDATE", hall, device_id)


async def status(con: asyncpg.Connection, hall: str, device_id: str) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM device_status WHERE hall = $1 AND device_id = $2", hall, device_id)


async def all_status(con: asyncpg.Connection, hall: str) -> list[asyncpg.Record]:
    return await con.fetch("SELECT * FROM device_status WHERE hall = $1 ORDER BY device_id", hall)


async def save_status(con: asyncpg.Connection, hall: str, device_id: str, values: dict[str, Any]) -> None:
    """Insert or replace the row with `values` (every column but hall and device_id)."""
    names = list(values)
    columns = ", ".join(["hall", "device_id", *names])
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 3))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in names)
    await con.execute(
        f"INSERT INTO device_status ({columns}) VALUES ({placeholders})"
        f" ON CONFLICT (hall, device_id) DO UPDATE SET {updates}",
        hall, device_id, *values.values(),
    )


async def touch_status(con: asyncpg.Connection, hall: str, device_id: str, now: datetime) -> None:
    await con.execute(
        "UPDATE device_status SET updated_at = $3 WHERE hall = $1 AND device_id = $2", hall, device_id, now)


# --- card reads -----------------------------------------------------------------


async def insert_card_read(con: asyncpg.Connection, *, token_hash: str, hall: str, device_id: str,
                           identity_hash: str, id_masked: str, name_masked: str | None, green_eligible: bool,
                           card_type: str, now: datetime, expires_at: datetime) -> None:
    await con.execute(
        "INSERT INTO card_reads (token_hash, hall, device_id, identity_hash, id_masked, name_masked,"
        " green_eligible, card_type, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        token_hash, hall, device_id, identity_hash, id_masked, name_masked, green_eligible, card_type, now,
        expires_at,
    )


async def card_read(con: asyncpg.Connection, token_hash: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM card_reads WHERE token_hash = $1", token_hash)


async def use_card_read(con: asyncpg.Connection, token_hash: str, now: datetime) -> bool:
    """Claim the token for one ticket; False when it was used or has expired."""
    used = await con.fetchval(
        "UPDATE card_reads SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2"
        " RETURNING token_hash",
        token_hash, now,
    )
    return used is not None


async def forget_card_reads(con: asyncpg.Connection, before: datetime) -> None:
    """Identity data is kept no longer than needed: drop reads expired before `before`."""
    await con.execute("DELETE FROM card_reads WHERE expires_at < $1", before)
