"""An admin adds, changes and revokes the hall's devices and staff, without a restart.

Each change is one transaction: the row, its audit entry and a device.changed or
staff.changed event, on which every server process reloads its copy of the hall's
devices and staff (server.directory). Entries are checked as strictly as the hall
file's (server.config), naming the key. A new device's token is returned once and
stored only hashed; revoking a device refuses its token at once and closes its live
sockets, revoking a staff member ends their sessions.
"""
from __future__ import annotations

from typing import Any

import asyncpg

from server import config, credentials
from server import events as contract
from server.audit import Action, Audit, Entry, Outcome
from server.auth import Principal
from server.context import HallContext
from server.device_health import DeviceHealth
from server.directory import device_of, member_of, staff_row
from server.errors import Conflict, NotFound, Unprocessable
from server.hall import Hall
from server.sign_in import hashed_password
from server.store import directory as store
from server.store import events


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        field, message = problems[0]
        raise Unprocessable("; ".join(f"{path}: {text}" for path, text in problems), code="invalid",
                            details={"field": field, "problem": message})


class DeviceAdmin:
    def __init__(self, ctx: HallContext, audit: Audit, health: DeviceHealth) -> None:
        self.ctx, self.audit, self.health = ctx, audit, health

    # -- devices ------------------------------------------------------------------

    async def add_device(self, principal: Principal, entry: dict[str, Any],
                         address: str | None) -> tuple[dict[str, Any], str]:
        """Register a device; the device, and its token, which is never shown again."""
        hall = self.ctx.hall(principal.hall)
        _refuse(config.device_problems(hall, entry))
        device_id, kind = entry["id"], entry["kind"]
        settings = {k: v for k, v in entry.items() if k not in ("id", "kind")}
        token = credentials.new_token()
        token_hash = credentials.hash_token(token)
        stored = config.device_entry(config.device_from({**entry, "token_hash": token_hash}))
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            if not await store.insert_device(con, hall.id, device_id, kind, token_hash, stored, now):
                raise Conflict(f"设备编号已存在 (device {device_id} exists)", code="device_exists",
                               details={"field": "id"})
            await self._changed(con, principal, Action.DEVICE_ADDED, device_id, address, f"kind {kind}: {settings}")
            await events.append(con, hall.id, now, contract.device_changed(device_id, kind, "added"))
        return await self._device(hall, device_id), token

    async def change_device(self, principal: Principal, device_id: str, changes: dict[str, Any],
                            address: str | None) -> dict[str, Any]:
        hall = self.ctx.hall(principal.hall)
        async with self.ctx.transaction() as con:
            row = await self._live_device(con, hall, device_id)
            entry = {"id": device_id, "kind": row["kind"], **config.device_entry(device_of(row)), **changes}
            _refuse(config.device_problems(hall, entry))
            now = self.ctx.clock.now()
            settings = config.device_entry(config.device_from({**entry, "token_hash": row["token_hash"]}))
            await store.update_device(con, hall.id, device_id, settings, now)
            await self._changed(con, principal, Action.DEVICE_CHANGED, device_id, address, str(changes))
            await events.append(con, hall.id, now, contract.device_changed(device_id, row["kind"], "changed"))
        return await self._device(hall, device_id)

    async def revoke_device(self, principal: Principal, device_id: str, address: str | None) -> dict[str, Any]:
        hall = self.ctx.hall(principal.hall)
        async with self.ctx.transaction() as con:
            row = await self._live_device(con, hall, device_id)
            now = self.ctx.clock.now()
            await store.revoke_device(con, hall.id, device_id, now)
            await self._changed(con, principal, Action.DEVICE_REVOKED, device_id, address, None)
            await events.append(con, hall.id, now, contract.device_changed(device_id, row["kind"], "revoked"))
        return await self._device(hall, device_id)

    async def _device(self, hall: Hall, device_id: str) -> dict[str, Any]:
        return (await self.health.devices(hall.id, device_id))[0]

    @staticmethod
    async def _live_device(con: asyncpg.Connection, hall: Hall, device_id: str) -> asyncpg.Record:
        row = await store.device_for_update(con, hall.id, device_id)
        if row is None:
            raise NotFound(f"unknown device {device_id!r}")
        if row["revoked_at"] is not None:
            raise Conflict("此设备已停用 (device revoked)", code="device_revoked")
        return row

    # -- staff ----------------------------------------------------------------------

    async def staff(self, hall_id: str) -> list[dict[str, Any]]:
        """Every staff member of the hall, revoked ones too (never a password hash)."""
        async with self.ctx.pool.acquire() as con:
            rows = await store.staff(con, self.ctx.hall(hall_id).id)
        return [{"id": r["id"], "name": r["name"], "role": r["role"],
                 "windows": None if r["windows"] is None else list(r["windows"]), "halls": list(r["halls"]),
                 "revoked": r["revoked_at"] is not None,
                 "revoked_at": r["revoked_at"].isoformat() if r["revoked_at"] else None} for r in rows]

    async def add_staff(self, principal: Principal, entry: dict[str, Any], password: str,
                        address: str | None) -> dict[str, Any]:
        hall = self.ctx.hall(principal.hall)
        _refuse(config.staff_problems(hall, entry, self.ctx.halls))
        member = config.member_from({**entry, "password_hash": await hashed_password(password)})
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            if not await store.insert_staff(con, hall.id, staff_row(member), now):
                raise Conflict(f"工号已存在 (staff id {member.id} exists)", code="staff_exists",
                               details={"field": "id"})
            await self._changed(con, principal, Action.STAFF_ADDED, member.id, address, f"role {member.role.value}")
            await events.append(con, hall.id, now, contract.staff_changed(member.id, "added"))
        return await self._member(hall, member.id)

    async def change_staff(self, principal: Principal, staff_id: str, changes: dict[str, Any],
                           password: str | None, address: str | None) -> dict[str, Any]:
        hall = self.ctx.hall(principal.hall)
        async with self.ctx.transaction() as con:
            row = staff_row(member_of(await self._live_member(con, hall, staff_id)))
            entry = {**{k: v for k, v in row.items() if k != "password_hash"}, **changes}
            _refuse(config.staff_problems(hall, entry, self.ctx.halls))
            # hashed once the change is known good: an unknown member costs no hash
            new_hash = await hashed_password(password) if password is not None else row["password_hash"]
            member = config.member_from({**entry, "password_hash": new_hash})
            now = self.ctx.clock.now()
            await store.save_staff(con, hall.id, staff_row(member), now)
            said = sorted([*changes, *(["password"] if password is not None else [])])
            await self._changed(con, principal, Action.STAFF_CHANGED, staff_id, address, ", ".join(said))
            await events.append(con, hall.id, now, contract.staff_changed(staff_id, "changed"))
        return await self._member(hall, staff_id)

    async def revoke_staff(self, principal: Principal, staff_id: str, address: str | None) -> dict[str, Any]:
        hall = self.ctx.hall(principal.hall)
        if staff_id == principal.id and hall.id == principal.home:
            raise Conflict("不能停用自己的账号 (you may not revoke your own account)", code="own_account")
        async with self.ctx.transaction() as con:
            await self._live_member(con, hall, staff_id)
            now = self.ctx.clock.now()
            await store.revoke_staff(con, hall.id, staff_id, now)  # and ends their sessions
            await self._changed(con, principal, Action.STAFF_REVOKED, staff_id, address, None)
            await events.append(con, hall.id, now, contract.staff_changed(staff_id, "revoked"))
        return await self._member(hall, staff_id)

    async def _member(self, hall: Hall, staff_id: str) -> dict[str, Any]:
        return next(m for m in await self.staff(hall.id) if m["id"] == staff_id)

    @staticmethod
    async def _live_member(con: asyncpg.Connection, hall: Hall, staff_id: str) -> asyncpg.Record:
        row = await store.staff_member(con, hall.id, staff_id, for_update=True)
        if row is None:
            raise NotFound(f"unknown staff id {staff_id!r}")
        if row["revoked_at"] is not None:
            raise Conflict("此账号已停用 (staff member revoked)", code="staff_revoked")
        return row

    async def _changed(self, con: asyncpg.Connection, principal: Principal, action: Action, subject: str,
                       address: str | None, detail: str | None) -> None:
        await self.audit.append(con, Entry(principal.hall, action, Outcome.OK, actor=principal.id, subject=subject,
                                           address=address, detail=detail))

