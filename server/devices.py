"""Kiosk hardware on the server side: ID-card reads, print jobs, device status.

A kiosk PC runs a device agent (`hallq agent`) that talks to the server over
one websocket (server.api.agent). Card reads become short-lived identity
tokens the kiosk screen sends with its ticket request; a ticket issued by a
kiosk with a printer becomes a print job in the same transaction; the agent's
reports keep `device_status` current and raise alarms for the managers.
Everything is announced as events on device topics only (see hub.device_topics).
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from printers.job import ticket_from_json, ticket_to_json
from printers.preview import render_preview_png
from printers.ticket import PROFILES, TicketPrint
from server import credentials
from server.auth import Principal
from server.context import HallContext
from server.errors import Conflict, Forbidden, Unprocessable
from server.hall import Device, DeviceKind, Hall, Priority
from server.issuing import InTransaction, IssuedTicket, KnownIdentity
from server.store import devices as store
from server.store import events, tickets

log = logging.getLogger(__name__)

CARD_READ_LIFETIME = timedelta(minutes=3)  # from the card on the reader to the ticket request
FORGET_CARD_READS_AFTER = timedelta(hours=1)  # expired reads are deleted after this
STALE_JOB_AFTER = timedelta(minutes=2)  # an unprinted job this old is not printed any more
DEFAULT_PROFILE = "80mm"

# What a printer state means for the managers: (level, code, message).
_PRINTER_ALARMS = {
    "paper_out": ("red", "printer_paper_out", "打印机缺纸 (printer out of paper)"),
    "cover_open": ("red", "printer_cover_open", "打印机仓盖未关 (printer cover open)"),
    "error": ("red", "printer_error", "打印机故障 (printer error)"),
    "offline": ("red", "printer_offline", "打印机离线 (printer offline)"),
    "paper_low": ("yellow", "printer_paper_low", "打印纸即将用完 (paper low)"),
}


@dataclass(frozen=True)
class CardRead:
    """A kiosk's card read, resolved from its token."""

    token_hash: str
    identity: KnownIdentity


@dataclass(frozen=True)
class AgentState:
    """What an agent reports about its kiosk's hardware."""

    reader: str | None  # "ok", "offline"; None: no reader
    printer: str | None  # a printers.status.PrinterState value; None: no printer
    printer_detail: str | None = None  # why the printer is offline, e.g. "port_missing"


@dataclass(frozen=True)
class PendingJob:
    id: int
    ticket: dict[str, Any]
    stale: bool  # too old to print now: the agent reports it failed unless it printed it already


def floor_label(floor: int) -> str:
    if floor == 0:
        return "首层"
    return f"{floor}楼" if floor > 0 else f"地下{-floor}层"


def window_label(numbers: Iterable[int]) -> str | None:
    """(1, 2, 3, 7) -> "1-3、7号窗口"."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    if not runs:
        return None
    return "、".join(str(a) if a == b else f"{a}-{b}" for a, b in runs) + "号窗口"


def ticket_print(hall: Hall, issued: IssuedTicket, base_url: str) -> TicketPrint:
    """What the kiosk's printer puts on paper; `base_url` leads to the ticket's status page."""
    ticket = issued.ticket
    zone, service = hall.zone(ticket.zone), hall.service(ticket.service)
    notice = {Priority.GREEN: "绿色通道 优先办理", Priority.APPOINTMENT: "预约号 请按预约时段到场"}
    return TicketPrint(
        hall_name=hall.name,
        zone_name=zone.name if zone else ticket.zone,
        floor=floor_label(zone.floor) if zone else "",
        number=ticket.number,
        service_name=service.name if service else ticket.service,
        people_ahead=issued.people_ahead,
        estimated_wait_minutes=issued.estimated_wait_minutes,
        issued_at=hall.local(ticket.issued_at),
        status_url=f"{base_url}/t/{ticket.status_token}",
        notice=notice.get(ticket.priority),
        holder_masked=ticket.holder_masked,
        windows=window_label(issued.windows),
    )


def alarms(connected: bool, state: AgentState) -> list[dict[str, str]]:
    if not connected:
        return [{"level": "red", "code": "agent_offline",
                 "message": "自助取号机设备离线 (the kiosk's device agent is not connected)"}]
    found = []
    if state.reader == "offline":
        found.append({"level": "red", "code": "reader_offline",
                      "message": "身份证阅读器离线 (ID card reader offline)"})
    if state.printer in _PRINTER_ALARMS:
        level, code, message = _PRINTER_ALARMS[state.printer]
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


class DeviceService:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    # --- ID cards ---------------------------------------------------------------

    async def read_card(self, hall_id: str, device_id: str, *, name: str, id_number: str,
                        birth_date: date | None, card_type: str) -> None:
        """Keep a card read as a single-use token and hand it to the kiosk's screen.

        Only the keyed hash and the masked forms are stored or published; the
        number and the name themselves go no further than this function.
        """
        hall = self.ctx.hall(hall_id)
        now = self.ctx.clock.now()
        token = credentials.new_token()
        known = KnownIdentity.from_card(id_number, name, self.ctx.identity_key, birth_date)
        limit, age = hall.priority.green_auto_age, known.age_on(self.ctx.today(hall, now))
        identity = {
            "identity_token": token,
            "name_masked": known.holder_masked,
            "id_masked": known.id_masked,
            "green_eligible": limit is not None and age is not None and age >= limit,
            "card_type": card_type,
            "expires_at": (now + CARD_READ_LIFETIME).isoformat(),
        }
        async with self.ctx.transaction() as con:
            await store.forget_card_reads(con, now - FORGET_CARD_READS_AFTER)
            await store.insert_card_read(
                con, token_hash=credentials.hash_token(token), hall=hall.id, device_id=device_id,
                identity_hash=known.identity_hash, id_masked=known.id_masked, name_masked=known.holder_masked,
                birth_date=known.birth_date,
                card_type=card_type, now=now, expires_at=now + CARD_READ_LIFETIME,
            )
            await events.append(con, hall.id, now, "kiosk.identity", {"device": device_id, "identity": identity})
        log.info("ID card read at %s: %s %s", device_id, identity["name_masked"], identity["id_masked"])

    async def card_error(self, hall_id: str, device_id: str, error: str, message: str) -> None:
        """A card the reader could not read: the kiosk asks for it again."""
        async with self.ctx.transaction() as con:
            await events.append(con, hall_id, self.ctx.clock.now(), "kiosk.card_error",
                                {"device": device_id, "error": error, "message": message})

    async def card_identity(self, principal: Principal, token: str, *, retry: bool) -> CardRead:
        """The identity behind a kiosk's `identity_token`.

        A used token is accepted on a `retry` (a request with an idempotency
        key): the earlier ticket is returned, or claiming the token fails inside
        the issuing transaction.
        """
        async with self.ctx.pool.acquire() as con:
            row = await store.card_read(con, credentials.hash_token(token))
        now = self.ctx.clock.now()
        if row is None or row["hall"] != principal.hall:
            raise Unprocessable("identity_token: unknown token; read the ID card again", code="invalid")
        if principal.kind == "device" and row["device_id"] != principal.id:
            raise Forbidden("identity_token: the card was read at another kiosk")
        if row["expires_at"] <= now or (row["used_at"] is not None and not retry):
            raise _identity_expired()
        identity = KnownIdentity(row["identity_hash"], row["id_masked"], row["name_masked"], row["birth_date"])
        return CardRead(row["token_hash"], identity)

    # --- issuing at a kiosk -------------------------------------------------------

    def printing_kiosk(self, principal: Principal | None) -> Device | None:
        """The calling kiosk when it has a ticket printer."""
        if principal is None or principal.kind != "device":
            return None
        device = self.ctx.hall(principal.hall).device(principal.id)
        if device is None or device.kind is not DeviceKind.KIOSK or device.printer is None:
            return None
        return device

    def issue_hook(self, principal: Principal | None, card: CardRead | None, base_url: str) -> InTransaction | None:
        """What issuing must also do, in the same transaction: claim the card
        read, and queue the ticket for the kiosk's printer."""
        device = self.printing_kiosk(principal)
        if card is None and device is None:
            return None

        async def in_transaction(con: asyncpg.Connection, issued: IssuedTicket, now: datetime) -> None:
            if card is not None and not await store.use_card_read(con, card.token_hash, now):
                raise _identity_expired()
            if device is not None:
                await self._queue_print(con, device, issued, base_url, now)

        return in_transaction

    async def _queue_print(self, con: asyncpg.Connection, device: Device, issued: IssuedTicket, base_url: str,
                           now: datetime) -> None:
        ticket = issued.ticket
        status = await store.status(con, ticket.hall, device.id)
        if status is None:  # no agent has ever run at this kiosk: it does not print
            return
        hall = self.ctx.hall(ticket.hall)
        payload = ticket_to_json(ticket_print(hall, issued, base_url))
        if not status["connected"]:
            job_id = await store.insert_job(con, hall=hall.id, device_id=device.id, ticket_id=ticket.id,
                                            payload=payload, status="failed", error="agent_offline", now=now)
            await events.append(con, hall.id, now, "kiosk.print_failed",
                                _print_outcome(device.id, job_id, ticket.id, payload, ticket.status_token,
                                               "agent_offline"), ticket_id=ticket.id)
            return
        job_id = await store.insert_job(con, hall=hall.id, device_id=device.id, ticket_id=ticket.id,
                                        payload=payload, status="pending", error=None, now=now)
        await events.append(con, hall.id, now, "print.requested",
                            {"device": device.id, "job_id": job_id, "number": ticket.number},
                            ticket_id=ticket.id)

    # --- print jobs ------------------------------------------------------------------

    async def jobs_to_send(self, hall_id: str, device_id: str, skip: set[int]) -> list[PendingJob]:
        """The device's unsettled jobs not in `skip`, each counted as sent once more."""
        now = self.ctx.clock.now()
        found = []
        async with self.ctx.pool.acquire() as con:
            for row in await store.open_jobs(con, hall_id, device_id):
                if row["id"] in skip or not await store.mark_sent(con, row["id"], now):
                    continue
                found.append(PendingJob(row["id"], row["payload"], row["created_at"] < now - STALE_JOB_AFTER))
        return found

    async def job_result(self, hall_id: str, device_id: str, job_id: int, *, ok: bool, error: str | None) -> None:
        """The agent's outcome, recorded once; repeats are ignored."""
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            job = await store.settle(con, hall_id, device_id, job_id, printed=ok, error=error, now=now)
            if job is None:
                return
            ticket = await tickets.get(con, hall_id, job["ticket_id"])
            assert ticket is not None  # print_jobs.ticket_id references it
            outcome = _print_outcome(device_id, job_id, ticket.id, job["payload"], ticket.status_token, error)
            await events.append(con, hall_id, now, "kiosk.printed" if ok else "kiosk.print_failed", outcome,
                                ticket_id=ticket.id)
        if not ok:
            log.warning("print job %s at %s failed: %s", job_id, device_id, error)

    async def preview_png(self, issued: IssuedTicket, base_url: str) -> bytes:
        """The ticket as printed (or as it would print now), for the kiosk's screen."""
        ticket = issued.ticket
        hall = self.ctx.hall(ticket.hall)
        async with self.ctx.pool.acquire() as con:
            job = await store.latest_job_for_ticket(con, ticket.id)
        if job is not None:
            printed = ticket_from_json(job["payload"])
            device = hall.device(job["device_id"])
        else:
            printed = ticket_print(hall, issued, base_url)
            device = None
        profile = PROFILES[(device.printer if device else None) or DEFAULT_PROFILE]
        return await asyncio.to_thread(render_preview_png, printed, profile)

    # --- device status -----------------------------------------------------------

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
            if state is None:  # going offline (so `row` is there): keep the last hardware state for the record
                state = AgentState(row["reader"], row["printer"], row["printer_detail"])
            before = (row["connected"], row["reader"], row["printer"], row["printer_detail"]) if row else None
            after = (connected, state.reader, state.printer, state.printer_detail)
            if before == after and not connecting:
                await store.touch_status(con, hall_id, device_id, now)
                return
            changed = before != after
            await store.save_status(con, hall_id, device_id, {
                "connected": connected, "session": session, "reader": state.reader, "printer": state.printer,
                "printer_detail": state.printer_detail, "agent": agent if connecting else row["agent"],
                "changed_at": now if changed or row is None else row["changed_at"], "updated_at": now,
            })
            if changed:
                await events.append(con, hall_id, now, "device.status", {
                    "device": device_id, "connected": connected, "reader": state.reader, "printer": state.printer,
                    "printer_detail": state.printer_detail, "alarms": alarms(connected, state),
                })

    async def statuses(self, hall_id: str, only: str | None = None) -> list[dict[str, Any]]:
        """Every kiosk of the hall (or only one) with what its agent last reported."""
        hall = self.ctx.hall(hall_id)
        async with self.ctx.pool.acquire() as con:
            rows = {r["device_id"]: r for r in await store.all_status(con, hall_id)}
        return [{**status_json(d.id, rows.get(d.id)), "printer_profile": d.printer}
                for d in hall.devices if d.kind is DeviceKind.KIOSK and only in (None, d.id)]


def _print_outcome(device_id: str, job_id: int, ticket_id: int, payload: dict[str, Any], status_token: str,
                   error: str | None) -> dict[str, Any]:
    return {"device": device_id, "job_id": job_id, "ticket": {"id": ticket_id, "number": payload.get("number")},
            "status_token": status_token, "error": error,
            "preview": f"/api/v1/public/tickets/{status_token}/preview.png"}


def _identity_expired() -> Conflict:
    return Conflict("身份证信息已使用或已过期，请重新刷卡 (the ID card read was used or has expired; read it again)",
                    code="identity_expired")


def new_session() -> str:
    return secrets.token_hex(8)
