"""Heartbeats of screens and evaluation tablets, silent devices, and every device's alarms.

A screen or tablet page reports a heartbeat (its page version and resolution) every
30 s. One unheard for the hall's `[alarms] device_silent_minutes` (counted from when it
was added, if it never was heard) is silent: a worker marks it so once, whichever
process's update wins, with a device.status event carrying its alarm to the dashboard
when it had been heard before; its next heartbeat clears it with another. A kiosk reports
through its device agent (server.agent_status); one whose agent never connected within
that time is in alarm too. The device list computes the alarms from the hall clock as it
reads, so a stepped clock needs no worker round for them to show.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from server import events as contract
from server.agent_status import status_json
from server.auth import Principal
from server.context import HallContext
from server.directory import device_of
from server.hall import DeviceKind, Hall
from server.store import devices as agent_store
from server.store import directory as store
from server.store import events
from server.workers import every_round

SILENT = {"level": "red", "code": "device_silent", "message": "设备无心跳，请检查 (no heartbeat from the device)"}
NEVER_CONNECTED = {"level": "red", "code": "agent_never_connected",
                   "message": "自助取号机的设备代理从未连接 (the kiosk's device agent never connected)"}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class DeviceHealth:
    def __init__(self, ctx: HallContext, pause_seconds: float = 2.0) -> None:
        self.ctx, self.pause_seconds = ctx, pause_seconds

    async def heartbeat(self, principal: Principal, version: str | None, resolution: str | None) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            silent_since = await store.heard(con, principal.hall, principal.id, now, version, resolution)
            if silent_since is not None:  # heard again: its alarm clears
                await events.append(con, principal.hall, now, contract.device_status(principal.id, {"alarms": []}))

    async def run(self) -> None:
        await every_round(lambda: list(self.ctx.halls.values()), self.sweep, self.pause_seconds,
                          "the silent-device check")

    async def sweep(self, hall: Hall) -> list[str]:
        """Mark each device that fell silent since the last round; their ids. One that was heard
        before and went quiet is a change the dashboard hears at once (a device.status event); one
        never heard (a screen never switched on, a kiosk whose agent never connected) is no change
        of anything, and shows in the device list, which the dashboard reads every 30 s."""
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            silent = await store.fall_silent(con, hall.id, now - hall.alarms.device_silent, now)
            for device_id, heard in silent:
                if heard:
                    await events.append(con, hall.id, now, contract.device_status(device_id, {"alarms": [SILENT]}))
        return [device_id for device_id, _heard in silent]

    async def devices(self, hall_id: str, only: str | None = None) -> list[dict[str, Any]]:
        """Every device of the hall (or only one), revoked ones too: its settings, last heartbeat,
        what a kiosk's agent last reported, and its alarms now."""
        hall = self.ctx.hall(hall_id)
        async with self.ctx.pool.acquire() as con:
            rows = [r for r in await store.devices(con, hall.id) if only in (None, r["id"])]
            agents = {r["device_id"]: r for r in await agent_store.all_status(con, hall.id)}
        cutoff = self.ctx.clock.now() - hall.alarms.device_silent
        return [self._view(row, agents.get(row["id"]), cutoff) for row in rows]

    @staticmethod
    def _view(row: asyncpg.Record, agent: asyncpg.Record | None, cutoff: datetime) -> dict[str, Any]:
        device = device_of(row)
        view: dict[str, Any] = {
            "id": device.id, "kind": device.kind.value, "zones": list(device.zones), "screen": device.screen or None,
            "window": device.window, "printer_profile": device.printer, "floor": device.floor, "voice": device.voice,
            "common": None if device.common is None else list(device.common),
            "revoked": row["revoked_at"] is not None, "revoked_at": _iso(row["revoked_at"]),
            "added_at": _iso(row["created_at"]), "last_seen": _iso(row["seen_at"]),
            "page_version": row["page_version"], "resolution": row["resolution"]}
        unheard = (row["seen_at"] or row["created_at"]) < cutoff
        if device.kind is DeviceKind.KIOSK:
            status = status_json(device.id, agent)
            if agent is None and unheard:
                status.update(alarms=[NEVER_CONNECTED], changed_at=_iso(row["silent_since"] or cutoff))
            view.update(status)
        else:
            silent = unheard and row["revoked_at"] is None
            view.update(device=device.id, alarms=[SILENT] if silent else [],
                        changed_at=_iso(row["silent_since"] or row["seen_at"]))
        if view["revoked"]:
            view["alarms"] = []
        return view
