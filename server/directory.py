"""The hall's devices and staff as the database has them: seeded from the hall files, then managed live.

The files seed the tables: a device or staff member a file lists but the database lacks is
inserted at start; what the database has is the truth and is never overwritten by the file.
Each process keeps every hall's live (not revoked) devices and staff in its `Hall`
(`ctx.halls`), for what pages and services read of them (a kiosk's zones, a window's roster).
That copy is reloaded from the database when a device.changed or staff.changed event says so
(every process hears those in order through its hub, missed ones read back from the table),
and when a request names a device or staff member the copy does not know as the table does.
Tokens and sessions are looked up in the database on every request (server.auth), with the
device or staff member they belong to, so a revoke or a change of role holds at once in every
process, whatever its copy says. Whatever replaces a hall in `ctx.halls` (a hall file read
again) calls `reload` after it, so the hall keeps the database's devices and staff.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import asyncpg

from server import config
from server.context import HallContext
from server.hall import Device, Hall, StaffMember
from server.model import Event
from server.store import directory as store

log = logging.getLogger(__name__)


def device_of(row: asyncpg.Record) -> Device:
    return config.device_from({"id": row["id"], "kind": row["kind"], "token_hash": row["token_hash"],
                               **row["settings"]})


def member_of(row: asyncpg.Record) -> StaffMember:
    return config.member_from({"id": row["id"], "name": row["name"], "role": row["role"],
                               "password_hash": row["password_hash"],
                               "windows": None if row["windows"] is None else list(row["windows"]),
                               "halls": list(row["halls"])})


def staff_row(member: StaffMember) -> dict[str, Any]:
    """A member as the table keeps it."""
    return {"id": member.id, "name": member.name, "role": member.role.value, "password_hash": member.password_hash,
            "windows": None if member.windows is None else sorted(member.windows), "halls": list(member.halls)}


class Directory:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx
        self._locks: dict[str, asyncio.Lock] = {}
        self._reloads: set[asyncio.Task] = set()

    async def seed(self) -> None:
        """Insert what the hall files list and the database lacks, then load every hall's copy.
        Seeding is no audited change: the hall file is its record."""
        for hall in list(self.ctx.halls.values()):
            await self.seed_hall(hall)

    async def seed_hall(self, from_file: Hall) -> None:
        """Insert the devices and staff a hall file lists and the database lacks (at start, and when
        `hallq reload` reads the file again), then load the hall's copy from the database."""
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            for device in from_file.devices:
                await store.insert_device(con, from_file.id, device.id, device.kind.value, device.token_hash,
                                        config.device_entry(device), now)
            for member in from_file.staff:
                await store.insert_staff(con, from_file.id, staff_row(member), now)
        await self.reload(from_file.id)

    async def reload(self, hall_id: str) -> None:
        """Replace the hall's copy with what the database has now (one reload at a time per hall)."""
        async with self._locks.setdefault(hall_id, asyncio.Lock()):
            async with self.ctx.pool.acquire() as con:
                devices, staff = await store.devices(con, hall_id), await store.staff(con, hall_id)
            hall = self.ctx.hall(hall_id)
            self.ctx.halls[hall_id] = replace(
                hall, devices=tuple(device_of(r) for r in devices if r["revoked_at"] is None),
                staff=tuple(member_of(r) for r in staff if r["revoked_at"] is None))

    def heard(self, event: Event) -> None:
        """A device.changed or staff.changed event (from the hub, in order): reload the hall's copy."""
        task = asyncio.create_task(self.reload(event.hall))
        self._reloads.add(task)
        task.add_done_callback(self._reload_done)

    def _reload_done(self, task: asyncio.Task) -> None:
        self._reloads.discard(task)
        if not task.cancelled() and task.exception() is not None:  # the next request's lookup reloads it
            log.warning("could not reload the hall's devices and staff: %r", task.exception())

    async def device_known(self, hall_id: str, row: asyncpg.Record) -> None:
        """The device a live token names, as the table has it: reload the copy when it differs."""
        if self.ctx.hall(hall_id).device(row["id"]) != device_of(row):
            await self.reload(hall_id)

    async def member_known(self, hall_id: str, row: asyncpg.Record) -> StaffMember:
        """A signed-in member as the table has them: reload the copy when it differs."""
        member = member_of(row)
        if self.ctx.hall(hall_id).staff_member(member.id) != member:
            await self.reload(hall_id)
        return member

    async def member(self, hall_id: str, staff_id: str) -> StaffMember | None:
        """A staff member as the table has them now; None when unknown or revoked."""
        async with self.ctx.pool.acquire() as con:
            row = await store.staff_member(con, hall_id, staff_id)
        return None if row is None or row["revoked_at"] is not None else member_of(row)
