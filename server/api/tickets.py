"""Issuing tickets and acting on them."""
from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from aiohttp import web

from server.api.answers import Issued, MobileAttached, PublicStatus, TicketAnswer, TicketHistory
from server.api.endpoint import Api, Call
from server.api.schemas import IssueBody, MobileBody, TransferBody
from server.auth import Access
from server.hall import Hall
from server.issuing import IssuedTicket, IssueRequest, TypedIdentity
from server.lifecycle import TransferTarget

api = Api("tickets")


def issued_json(issued: IssuedTicket, hall: Hall, base: str) -> dict[str, Any]:
    return {
        "ticket": issued.ticket.public(),
        "status_token": issued.ticket.status_token,
        "people_ahead": issued.people_ahead,
        "estimated_wait_minutes": issued.estimated_wait_minutes,
        "estimated_wait_range": issued.estimated_wait_range,
        "windows": list(issued.windows),
        "window_groups": [{"floor": g.floor, "zone": g.zone, "numbers": list(g.numbers)}
                          for g in hall.window_groups(issued.windows)],
        "hall_name": hall.name,
        "status_url": hall.status_url(issued.ticket.status_token, base),
        "created": issued.created,
        "notice": issued.notice,
    }


@api.post("/api/v1/tickets", access=Access.ISSUER, body=IssueBody, status=201, answer=Issued, no_store=True,
          summary="Issue a ticket (取号); retrying with the same idempotency_key returns the same ticket")
async def issue(call: Call[IssueBody]) -> dict[str, Any]:
    body = call.body
    assert call.principal is not None
    typed = TypedIdentity(body.identity.id_number, body.identity.name) if body.identity else None
    request = IssueRequest(
        service=body.service, zone=body.zone, priority=body.priority, appointment_at=body.appointment_at,
        appointment_code=body.appointment_code, identity_token=body.identity_token, typed_identity=typed,
        idempotency_key=body.idempotency_key, reminder_mobile=body.mobile,
    )
    issued = await call.services.issuer.issue(call.principal, request, call.base_url)
    return issued_json(issued, call.services.ctx.hall(call.hall_id), call.base_url)


@api.post("/api/v1/tickets/{id}/mobile", access=Access.KIOSK, body=MobileBody, answer=MobileAttached,
          summary="Give the ticket a mobile number for SMS queue reminders, on the ticket screen of the kiosk that"
                  " issued it, while it waits and within a few minutes of its issue")
async def attach_mobile(call: Call[MobileBody]) -> dict[str, Any]:
    assert call.principal is not None
    attached = await call.services.mobiles.attach(call.principal, call.int_param("id"), call.body.mobile)
    return {"ticket": attached.ticket.id, "number": attached.ticket.number, "mobile": attached.mobile_masked,
            "ahead_reminder": attached.ahead_reminder}


@api.get("/api/v1/tickets/{id}", access=Access.STAFF, answer=TicketHistory,
         summary="A ticket with its full event history (全程留痕) and its waiting, walk-up and handling seconds")
async def get_ticket(call: Call) -> dict[str, Any]:
    return await call.services.tickets.history(call.hall_id, call.int_param("id"))


def _ticket_action(path: str, summary: str, method_name: str) -> None:
    @api.post(f"/api/v1/tickets/{{id}}/{path}", access=Access.STAFF, answer=TicketAnswer, summary=summary)
    async def act(call: Call) -> dict[str, Any]:
        action = getattr(call.services.lifecycle, method_name)
        ticket = await action(call.hall_id, call.staff_id, call.int_param("id"))
        return {"ticket": ticket.for_staff()}


_ticket_action("start", "Start serving the called ticket at your window", "start")
_ticket_action("finish", "Finish (办结) the ticket at your window, being served or just called", "finish")
_ticket_action("no-show", "Mark the called ticket as a no-show (过号)", "no_show")
_ticket_action("undo-no-show", "Take back a no-show within 10 s: the ticket is called at your window again, as it"
               " was", "undo_no_show")


def _managed_ticket_action(path: str, summary: str, method_name: str) -> None:
    """An action its window's holder or a manager may take: the service decides, from the caller."""
    @api.post(f"/api/v1/tickets/{{id}}/{path}", access=Access.STAFF, answer=TicketAnswer, summary=summary)
    async def act(call: Call) -> dict[str, Any]:
        assert call.principal is not None
        action = getattr(call.services.lifecycle, method_name)
        return {"ticket": (await action(call.principal, call.int_param("id"))).for_staff()}


_managed_ticket_action("rejoin", "Put a no-show ticket back in the queue, as the hall's rejoin rule says (its"
                       " window's holder, or a manager)", "rejoin")
_managed_ticket_action("cancel", "Cancel the ticket at your window, or one back in the queue that your window"
                       " called last (a manager: any)", "cancel")


@api.post("/api/v1/tickets/{id}/transfer", access=Access.STAFF, body=TransferBody, answer=TicketAnswer,
          summary="Transfer (转办) the ticket to another service, zone or window; it keeps its number and history")
async def transfer(call: Call[TransferBody]) -> dict[str, Any]:
    target = TransferTarget(**call.body.model_dump())
    ticket = await call.services.lifecycle.transfer(call.hall_id, call.staff_id, call.int_param("id"), target)
    return {"ticket": ticket.for_staff()}


@api.get("/api/v1/public/tickets/{token}", access=Access.PUBLIC, answer=PublicStatus,
         summary="Live status of one ticket for the citizen's phone (the QR code's link)")
async def public_status(call: Call) -> dict[str, Any]:
    return await call.services.tickets.public_status(call.text_param("token"))


@api.get("/api/v1/public/tickets/{token}/qr.svg", access=Access.PUBLIC, media_type="image/svg+xml",
         summary="QR code (SVG) of the ticket's status page /t/{token}, for the kiosk's ticket screen")
async def public_qr(call: Call) -> web.Response:
    return qr_svg(await call.services.tickets.status_url(call.text_param("token"), call.base_url))


def qr_svg(url: str) -> web.Response:
    """A QR code of `url` as SVG: a ticket's or a booking's link."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return web.Response(body=image.to_string(), content_type="image/svg+xml",
                        headers={"Cache-Control": "private, max-age=86400"})
