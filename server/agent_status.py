"""What each kiosk's device agent last reported: connection, reader, printer, alarms.

Only the connection that registered last (its session) may report or go
offline; a change of connection, reader or printer is a device.status event
for the kiosk's screen and the managers.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import asyncpg

from server import events as contract
from server.context import HallContext
from server.hall import DeviceKind
from server.store import devices as store
from server.store import events

# What a reader state means for the managers: (level, code, message).
_READER_ALARMS = {
    "offline": ("red", "reader_offline", "身份证阅读器离线 (ID card reader offline)"),
    "faulty": ("red", "reader_faulty", "身份证阅读器故障，请检修 (ID card reader faulty: service it)"),
}
# What a printer state means for the managers: (level, code, message).
_PRINTER_ALARMS = {
    "paper_out": ("red", "printer_paper_out", "打印机缺纸 (printer out of paper)"),
    "cover_open": ("red", "printer_cover_open", "打印机仓盖未关 (printer cover open)"),
    "error": ("red", "printer_error", "打印机故障 (printer error)"),
    "offline": ("red", "printer_offline", "打印机离线 (printer offline)"),
    "paper_low": ("yellow", "printer_paper_low", "打印纸即将用完 (paper low)"),
}


@dataclass(frozen=True)
class AgentState:
    """What an agent reports about its kiosk's hardware."""

    reader: str | None  # a hardware.reader.ReaderState value; None: no reader
    printer: str | None  # a printers.status.PrinterState value; None: no printer
    printer_detail: str | None = None  # what the printer state alone does not say, e.g. "port_missing"


def alarms(connected: bool, state: AgentState) -> list[dict[str, str]]:
    if not connected:
        return [{"level": "red", "code": "agent_offline",
                 "message": "自助取号机设备离线 (the kiosk's device agent is not connected)"}]
    found = []
    for table, value in ((_READER_ALARMS, state.reader), (_PRINTER_ALARMS, state.printer)):
        if value in table:
            level, code, message = table[value]
            found.append({"level": level, "code": code, "message": message})
    return found


def status_json(device_id: str, row: asyncpg.Record | None) -> dict[str, Any]:
    if row is None:
        return {"device": device_id, "registered": False, "connected": False, "reader": None, "printer": None,
                "printer_detail": None, "alarms": [], "changed_at": None, "updated_at": None}
    state = AgentState(row["reader"], row["printer"], row["printer_detail"])
    return {"device": device_id, "registered": True, "connected": row["connected"], "reader": state.reader,
            "printer": state.printer, "printer_detail": state.printer_detail,
            "alarms": alarms(row["connected"], state), "agent": row["agent"],
            "changed_at": row["changed_at"].isoformat(), "updated_at": row["updated_at"].isoformat()}


def new_session() -> str:
    return secrets.token_hex(8)


class AgentStatus:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    async def agent_connected(self, hall_id: str, device_id: str, session: str, agent: str,
                              state: AgentState) -> None:
        await self._set_status(hall_id, device_id, session, connected=True, state=state, agent=agent)

    async def agent_reported(self, hall_id: str, device_id: str, session: str, state: AgentState) -> None:
        await self._set_status(hall_id, device_id, session, connected=True, state=state)

    async def agent_disconnected(self, hall_id: str, device_id: str, session: str) -> None:
        await self._set_status(hall_id, device_id, session, connected=False)

    async def _set_status(self, hall_id: str, device_id: str, session: str, *, connected: bool,
                          state: AgentState | None = None, agent: str | None = None) -> None:
        """Store the report; a change of connection, reader or printer is an event.

        Only the connection that registered last (its `session`) may report or
        go offline: a connection replaced by a newer one changes nothing.
        """
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            row = await store.status_for_update(con, hall_id, device_id)
            connecting = agent is not None
            if not connecting and (row is None or row["session"] != session):
                return
            if state is None:  # going offline: keep the last hardware state for the record
                assert row is not None  # only a registered connection goes offline
                state = AgentState(row["reader"], row["printer"], row["printer_detail"])
            before = (row["connected"], row["reader"], row["printer"], row["printer_detail"]) if row else None
            after = (connected, state.reader, state.printer, state.printer_detail)
            if before == after and not connecting:
                await store.touch_status(con, hall_id, device_id, now)
                return
            changed = before != after
            await store.save_status(con, hall_id, device_id, {
                "connected": connected, "session": session, "reader": state.reader, "printer": state.printer,
                "printer_detail": state.printer_detail, "agent": agent if connecting or row is None else row["agent"],
                "changed_at": now if changed or row is None else row["changed_at"], "updated_at": now,
            })
            if changed:
                await events.append(con, hall_id, now, contract.device_status(device_id, {
                    "connected": connected, "reader": state.reader, "printer": state.printer,
                    "printer_detail": state.printer_detail, "alarms": alarms(connected, state),
                }))

    async def statuses(self, hall_id: str, only: str | None = None) -> list[dict[str, Any]]:
        """Every kiosk of the hall (or only one) with what its agent last reported."""
        hall = self.ctx.hall(hall_id)
        async with self.ctx.pool.acquire() as con:
            rows = {r["device_id"]: r for r in await store.all_status(con, hall_id)}
        return [{**status_json(d.id, rows.get(d.id)), "printer_profile": d.printer}
                for d in hall.devices if d.kind is DeviceKind.KIOSK and only in (None, d.id)]
