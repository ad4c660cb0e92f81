"""Issuing tickets and acting on them."""
from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from aiohttp import web

from server import stats
from server.api.endpoint import Api, Call
from server.api.schemas import IssueBody, TransferBody
from server.auth import Access
from server.errors import NotFound
from server.issuing import IssuedTicket, IssueRequest, KnownIdentity
from server.lifecycle import TransferTarget
from server.model import Ticket
from server.store import events, tickets

api = Api("tickets")


def issued_json(issued: IssuedTicket, hall_name: str) -> dict[str, Any]:
    return {
        "ticket": issued.ticket.public(),
        "status_token": issued.ticket.status_token,
        "people_ahead": issued.people_ahead,
        "estimated_wait_minutes": issued.estimated_wait_minutes,
        "windows": list(issued.windows),
        "hall_name": hall_name,
        "created": issued.created,
    }


def typed_identity(call: Call[IssueBody], body: IssueBody) -> KnownIdentity | None:
    """An ID number typed or scanned at a desk rather than read by the kiosk's reader."""
    if body.identity is None:
        return None
    return KnownIdentity.from_card(body.identity.id_number, body.identity.name, call.services.ctx.identity_key)


@api.post("/api/v1/tickets", access=Access.ISSUER, body=IssueBody, status=201,
          summary="Issue a ticket (取号); retrying with the same idempotency_key returns the same ticket")
async def issue(call: Call[IssueBody]) -> dict[str, Any]:
    body = call.body
    devices = call.services.devices
    card = (await devices.card_identity(call.principal, body.identity_token, retry=bool(body.idempotency_key))
            if body.identity_token else None)
    request = IssueRequest(
        service=body.service, zone=body.zone, priority=body.priority, appointment_at=body.appointment_at,
        appointment_code=body.appointment_code, idempotency_key=body.idempotency_key,
        identity=card.identity if card else typed_identity(call, body),
        device_id=call.staff_id if call.principal and call.principal.kind == "device" else None,
    )
    # Claiming the card read and queueing the kiosk's print job commit with the ticket.
    hook = devices.issue_hook(call.principal, card, f"{call.request.scheme}://{call.request.host}")
    issued = await call.services.issuer.issue(call.hall_id, request, in_transaction=hook)
    return issued_json(issued, call.services.ctx.hall(call.hall_id).name)


@api.get("/api/v1/tickets/{id}", access=Access.STAFF,
         summary="A ticket with its full event history (全程留痕) and its waiting, walk-up and handling seconds")
async def get_ticket(call: Call) -> dict[str, Any]:
    async with call.services.ctx.pool.acquire() as con:
        ticket = await tickets.get(con, call.hall_id, call.int_param("id"))
        if ticket is None:
            raise NotFound(f"unknown ticket {call.int_param('id')}")
        history = await events.for_ticket(con, ticket.id)
    return {
        "ticket": ticket.for_staff(),
        "times": await stats.ticket_times(call.services.ctx, ticket.id),
        "events": [{"seq": e.seq, "at": e.at.isoformat(), "kind": e.kind, "window": e.window_no,
                    "staff_id": e.staff_id} for e in history],
    }


def _ticket_action(path: str, summary: str, method_name: str) -> None:
    @api.post(f"/api/v1/tickets/{{id}}/{path}", access=Access.STAFF, summary=summary)
    async def act(call: Call) -> dict[str, Any]:
        action = getattr(call.services.lifecycle, method_name)
        ticket = await action(call.hall_id, call.staff_id, call.int_param("id"))
        return {"ticket": ticket.for_staff()}


_ticket_action("start", "Start serving the called ticket at your window", "start")
_ticket_action("finish", "Finish (办结) the ticket being served at your window", "finish")
_ticket_action("no-show", "Mark the called ticket as a no-show (过号)", "no_show")
_ticket_action("rejoin", "Put a no-show ticket back in the queue, as the hall's rejoin rule says", "rejoin")
_ticket_action("cancel", "Cancel a waiting ticket, or the one at your window", "cancel")


@api.post("/api/v1/tickets/{id}/transfer", access=Access.STAFF, body=TransferBody,
          summary="Transfer (转办) the ticket to another service, zone or window; it keeps its number and history")
async def transfer(call: Call[TransferBody]) -> dict[str, Any]:
    target = TransferTarget(**call.body.model_dump())
    ticket = await call.services.lifecycle.transfer(call.hall_id, call.staff_id, call.int_param("id"), target)
    return {"ticket": ticket.for_staff()}


async def _by_status_token(call: Call) -> Ticket:
    async with call.services.ctx.pool.acquire() as con:
        ticket = await tickets.by_status_token(con, call.request.match_info["token"])
    if ticket is None:
        raise NotFound("no such ticket")
    return ticket


@api.get("/api/v1/public/tickets/{token}", access=Access.PUBLIC,
         summary="Live status of one ticket for the citizen's phone (the QR code's link)")
async def public_status(call: Call) -> dict[str, Any]:
    ticket = await _by_status_token(call)
    ctx = call.services.ctx
    hall = ctx.hall(ticket.hall)
    service, zone = hall.service(ticket.service), hall.zone(ticket.zone)
    waiting = ticket.status.value == "waiting"
    place = await call.services.issuer.describe(ticket)
    return {"ticket": ticket.public(), "people_ahead": place.people_ahead if waiting else 0, "hall_name": hall.name,
            "service_name": service.name if service else ticket.service,
            "zone_name": zone.name if zone else ticket.zone, "floor": zone.floor if zone else None,
            "estimated_wait_minutes": place.estimated_wait_minutes if waiting else 0}


@api.get("/api/v1/public/tickets/{token}/qr.svg", access=Access.PUBLIC,
         summary="QR code (SVG) of the ticket's status page /t/{token}, for the kiosk's ticket screen")
async def public_qr(call: Call) -> web.Response:
    ticket = await _by_status_token(call)
    request = call.request
    url = f"{request.scheme}://{request.host}/t/{ticket.status_token}"
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return web.Response(body=image.to_string(), content_type="image/svg+xml",
                        headers={"Cache-Control": "private, max-age=86400"})
