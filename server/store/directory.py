"""SQL for the hall's devices and staff (seeded from the hall files, then managed live)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

_DEVICE_COLUMNS = "hall, id, kind, token_hash, settings, created_at, updated_at, revoked_at"
_STAFF_COLUMNS = "hall, id, name, role, password_hash, windows, halls, created_at, updated_at, revoked_at"


async def insert_device(con: asyncpg.Connection, hall: str, device_id: str, kind: str, token_hash: str,
                        settings: dict[str, Any], now: datetime) -> bool:
    """Insert a device the table lacks; True when it was inserted (a row of its id or token hash,
    revoked or not, stays as it is)."""
    inserted = await con.fetchval(
        "INSERT INTO hall_devices (hall, id, kind, token_hash, settings, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id",
        hall, device_id, kind, token_hash, settings, now)
    return inserted is not None


async def insert_staff(con: asyncpg.Connection, hall: str, row: dict[str, Any], now: datetime) -> bool:
    """Insert a staff member the table lacks; True when it was inserted."""
    inserted = await con.fetchval(
        "INSERT INTO hall_staff (hall, id, name, role, password_hash, windows, halls, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT DO NOTHING RETURNING id",
        hall, row["id"], row["name"], row["role"], row["password_hash"], row["windows"], row["halls"], now)
    return inserted is not None


async def devices(con: asyncpg.Connection, hall: str) -> list[asyncpg.Record]:
    """Every device of the hall, revoked ones too, with its last heartbeat."""
    return await con.fetch(
        f"SELECT {_DEVICE_COLUMNS}, seen_at, page_version, resolution, silent_since FROM hall_devices"
        " WHERE hall = $1 ORDER BY id", hall)


async def staff(con: asyncpg.Connection, hall: str) -> list[asyncpg.Record]:
    return await con.fetch(f"SELECT {_STAFF_COLUMNS} FROM hall_staff WHERE hall = $1 ORDER BY id", hall)


async def device_by_token(con: asyncpg.Connection, token_hash: str) -> asyncpg.Record | None:
    return await con.fetchrow(f"SELECT {_DEVICE_COLUMNS} FROM hall_devices WHERE token_hash = $1", token_hash)


async def session_member(con: asyncpg.Connection, token_hash: str, now: datetime) -> asyncpg.Record | None:
    """The staff member a live session belongs to, as the table has them now (None: revoked or unknown)."""
    return await con.fetchrow(
        "SELECT m.hall, m.id, m.name, m.role, m.password_hash, m.windows, m.halls FROM staff_sessions s"
        " JOIN hall_staff m ON m.hall = s.hall AND m.id = s.staff_id"
        " WHERE s.token_hash = $1 AND s.expires_at > $2 AND m.revoked_at IS NULL", token_hash, now)


async def device_for_update(con: asyncpg.Connection, hall: str, device_id: str) -> asyncpg.Record | None:
    return await con.fetchrow(
        f"SELECT {_DEVICE_COLUMNS} FROM hall_devices WHERE hall = $1 AND id = $2 FOR UPDATE", hall, device_id)


async def staff_member(con: asyncpg.Connection, hall: str, staff_id: str, *,
                       for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await con.fetchrow(
        f"SELECT {_STAFF_COLUMNS} FROM hall_staff WHERE hall = $1 AND id = $2{lock}", hall, staff_id)


async def update_device(con: asyncpg.Connection, hall: str, device_id: str, settings: dict[str, Any],
                        now: datetime) -> None:
    await con.execute("UPDATE hall_devices SET settings = $3, updated_at = $4 WHERE hall = $1 AND id = $2",
                      hall, device_id, settings, now)


async def revoke_device(con: asyncpg.Connection, hall: str, device_id: str, now: datetime) -> None:
    await con.execute("UPDATE hall_devices SET revoked_at = $3, updated_at = $3 WHERE hall = $1 AND id = $2",
                      hall, device_id, now)


async def save_staff(con: asyncpg.Connection, hall: str, row: dict[str, Any], now: datetime) -> None:
    await con.execute(
        "UPDATE hall_staff SET name = $3, role = $4, password_hash = $5, windows = $6, halls = $7, updated_at = $8"
        " WHERE hall = $1 AND id = $2",
        hall, row["id"], row["name"], row["role"], row["password_hash"], row["windows"], row["halls"], now)


async def revoke_staff(con: asyncpg.Connection, hall: str, staff_id: str, now: datetime) -> None:
    await con.execute("UPDATE hall_staff SET revoked_at = $3, updated_at = $3 WHERE hall = $1 AND id = $2",
                      hall, staff_id, now)
    await con.execute("DELETE FROM staff_sessions WHERE hall = $1 AND staff_id = $2", hall, staff_id)


# --- heartbeats -------------------------------------------------------------------


async def heard(con: asyncpg.Connection, hall: str, device_id: str, now: datetime, version: str | None,
                resolution: str | None) -> datetime | None:
    """Record a heartbeat; the silence it ends (when the device was silent), else None."""
    return await con.fetchval(
        "UPDATE hall_devices d SET seen_at = $3, page_version = $4, resolution = $5, silent_since = NULL"
        " FROM (SELECT silent_since FROM hall_devices WHERE hall = $1 AND id = $2 FOR UPDATE) before"
        " WHERE d.hall = $1 AND d.id = $2 RETURNING before.silent_since", hall, device_id, now, version, resolution)


async def fall_silent(con: asyncpg.Connection, hall: str, cutoff: datetime, now: datetime) -> list[tuple[str, bool]]:
    """Mark silent, once, each live screen or tablet last heard (or added, never heard) before `cutoff`,
    and each kiosk added before it whose agent never connected: (id, whether it was ever heard) of
    each. Only the process whose update wins raises the alarm."""
    rows = await con.fetch(
        "UPDATE hall_devices d SET silent_since = $3 WHERE hall = $1 AND revoked_at IS NULL"
        " AND silent_since IS NULL AND COALESCE(seen_at, created_at) < $2"
        " AND (kind <> 'kiosk' OR NOT EXISTS ("
        "  SELECT 1 FROM device_status s WHERE s.hall = d.hall AND s.device_id = d.id))"
        " RETURNING id, seen_at IS NOT NULL AS heard", hall, cutoff, now)
    return sorted((r["id"], r["heard"]) for r in rows)
