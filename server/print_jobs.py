"""Ticket print jobs of the kiosks: queued with the ticket, printed exactly once.

A ticket issued at a kiosk with a printer becomes a job in the issuing
transaction; the kiosk's device agent (server.api.agent) is sent its open jobs
and reports each outcome once. People ahead are printed as they are when the
job first goes to the printer.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from printers.job import ticket_from_json, ticket_to_json
from printers.preview import render_preview_png
from printers.ticket import PROFILES, TicketPrint
from printers.wording import NOTICES, floor_label, windows_summary
from server import events as contract
from server.auth import Principal
from server.context import HallContext
from server.hall import Device, DeviceKind, Hall
from server.hub import Hub
from server.model import Ticket, TicketStatus
from server.queue_state import Place, Waiting
from server.store import devices as store
from server.store import events, tickets

log = logging.getLogger(__name__)

STALE_JOB_AFTER = timedelta(minutes=2)  # an unprinted job this old is not printed any more
DEFAULT_PROFILE = "80mm"


@dataclass(frozen=True)
class PendingJob:
    id: int
    ticket: dict[str, Any]
    stale: bool  # too old to print now: the agent reports it failed unless it printed it already


def ticket_print(hall: Hall, ticket: Ticket, place: Place, base_url: str) -> TicketPrint:
    """What the kiosk's printer puts on paper; its QR code leads to the ticket's status page
    (`base_url`, the request's own address, only when the hall sets no public_url)."""
    zone, service = hall.zone(ticket.zone), hall.service(ticket.service)
    return TicketPrint(
        hall_name=hall.name,
        zone_name=zone.name if zone else ticket.zone,
        floor=floor_label(zone.floor) if zone else "",
        number=ticket.number,
        service_name=service.name if service else ticket.service,
        people_ahead=place.people_ahead,
        estimated_wait_minutes=place.estimated_wait_minutes,
        issued_at=hall.local(ticket.issued_at),
        status_url=hall.status_url(ticket.status_token, base_url),
        notice=NOTICES.get(ticket.priority.value),
        holder_masked=ticket.holder_masked,
        windows=windows_summary(hall.window_groups(place.windows)),
    )


class PrintJobs:
    def __init__(self, ctx: HallContext, hub: Hub) -> None:
        self.ctx, self.hub = ctx, hub

    def printing_kiosk(self, principal: Principal | None) -> Device | None:
        """The calling kiosk when it has a ticket printer."""
        if principal is None or principal.kind != "device":
            return None
        device = self.ctx.hall(principal.hall).device(principal.id)
        if device is None or device.kind is not DeviceKind.KIOSK or device.printer is None:
            return None
        return device

    async def queue(self, con: asyncpg.Connection, device: Device, ticket: Ticket, place: Place, base_url: str,
                    now: datetime) -> None:
        """Queue the ticket for the kiosk's printer, inside the issuing transaction, with the place its issue tells."""
        status = await store.status(con, ticket.hall, device.id)
        if status is None:  # no agent has ever run at this kiosk: it does not print
            return
        hall = self.ctx.hall(ticket.hall)
        payload = ticket_to_json(ticket_print(hall, ticket, place, base_url))
        if not status["connected"]:
            job_id = await store.insert_job(con, hall=hall.id, device_id=device.id, ticket_id=ticket.id,
                                            payload=payload, status="failed", error="agent_offline", now=now)
            await events.append(con, hall.id, now, contract.print_outcome(device.id, job_id, ticket,
                                                                          error="agent_offline"))
            return
        job_id = await store.insert_job(con, hall=hall.id, device_id=device.id, ticket_id=ticket.id,
                                        payload=payload, status="pending", error=None, now=now)
        await events.append(con, hall.id, now, contract.print_requested(device.id, job_id, ticket))

    async def jobs_to_send(self, hall_id: str, device_id: str, skip: set[int]) -> list[PendingJob]:
        """The device's unsettled jobs not in `skip`, each counted as sent once more."""
        now = self.ctx.clock.now()
        found = []
        async with self.ctx.pool.acquire() as con:
            for row in await store.open_jobs(con, hall_id, device_id):
                if row["id"] in skip:
                    continue
                payload = await self._as_sent(con, hall_id, row, now) if row["attempts"] == 0 else None
                if not await store.mark_sent(con, row["id"], now, payload):
                    continue
                stale = row["created_at"] < now - STALE_JOB_AFTER
                found.append(PendingJob(row["id"], payload or row["payload"], stale))
        return found

    async def _as_sent(self, con: asyncpg.Connection, hall_id: str, row: asyncpg.Record,
                       now: datetime) -> dict[str, Any] | None:
        """The job's ticket with people ahead as they are now, on its first way to the printer."""
        ticket = await tickets.get(con, hall_id, row["ticket_id"])
        if ticket is None or ticket.status is not TicketStatus.WAITING:
            return None
        place = self.hub.queue(ticket.hall).place(Waiting.of(ticket), now)
        printed = replace(ticket_from_json(row["payload"]), people_ahead=place.people_ahead,
                          estimated_wait_minutes=place.estimated_wait_minutes)
        return ticket_to_json(printed)

    async def job_result(self, hall_id: str, device_id: str, job_id: int, *, ok: bool, error: str | None) -> None:
        """The agent's outcome, recorded once; repeats are ignored."""
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            job = await store.settle(con, hall_id, device_id, job_id, printed=ok, error=error, now=now)
            if job is None:
                return
            ticket = await tickets.get(con, hall_id, job["ticket_id"])
            assert ticket is not None  # print_jobs.ticket_id references it
            await events.append(con, hall_id, now, contract.print_outcome(device_id, job_id, ticket,
                                                                          error=None if ok else error or "failed"))
        if not ok:
            log.warning("print job %s at %s failed: %s", job_id, device_id, error)

    async def preview_png(self, status_token: str, base_url: str) -> bytes | None:
        """The ticket as printed (or as it would print now), for the kiosk's screen; None: no such ticket."""
        async with self.ctx.pool.acquire() as con:
            ticket = await tickets.by_status_token(con, status_token)
            job = await store.latest_job_for_ticket(con, ticket.id) if ticket else None
        if ticket is None:
            return None
        hall = self.ctx.hall(ticket.hall)
        if job is not None:
            printed = ticket_from_json(job["payload"])
            device = hall.device(job["device_id"])
        else:
            queue = await self.hub.current(hall.id)
            printed = ticket_print(hall, ticket, queue.place(Waiting.of(ticket), self.ctx.clock.now()), base_url)
            device = None
        profile = PROFILES[(device.printer if device else None) or DEFAULT_PROFILE]
        return await asyncio.to_thread(render_preview_png, printed, profile)
