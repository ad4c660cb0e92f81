"""Window duty and calling: what the staff console does."""
from __future__ import annotations

from typing import Any

from server.api.answers import NextTicketAnswer, ServedAnswer, TicketAnswer, WindowAnswer, WindowsAnswer
from server.api.endpoint import Api, Call
from server.api.schemas import CallBody, PauseBody, SignInBody
from server.auth import Access
from server.duty import Pause

api = Api("windows")


@api.get("/api/v1/windows", access=Access.ANY, answer=WindowsAnswer,
         summary="Every window's state and current ticket; internal pause notes for staff only")
async def list_windows(call: Call) -> dict[str, Any]:
    staff = call.principal is not None and call.principal.kind == "staff"
    return {"windows": [s.for_staff() if staff else s.public() for s in await call.services.duty.windows(call.hall_id)]}


@api.post("/api/v1/windows/{no}/sign-in", access=Access.STAFF, body=SignInBody, answer=WindowAnswer,
          summary="Sign in at one of your windows on post A or B; take_over (the window's A/B partner on the"
                  " other post, or a manager) replaces a colleague who forgot to sign out")
async def sign_in(call: Call[SignInBody]) -> dict[str, Any]:
    assert call.principal is not None
    state = await call.services.duty.sign_in(call.principal, call.int_param("no"), call.body.post,
                                             call.body.take_over, call.address)
    return {"window": state.for_staff()}


@api.post("/api/v1/windows/{no}/sign-out", access=Access.STAFF, answer=WindowAnswer, summary="Sign out of the window")
async def sign_out(call: Call) -> dict[str, Any]:
    state = await call.services.duty.sign_out(call.hall_id, call.int_param("no"), call.staff_id)
    return {"window": state.for_staff()}


@api.post("/api/v1/windows/{no}/pause", access=Access.STAFF, body=PauseBody, answer=WindowAnswer,
          summary="Pause the window with a reason code: it gets no tickets until resumed")
async def pause(call: Call[PauseBody]) -> dict[str, Any]:
    pause = Pause(**call.body.model_dump())
    state = await call.services.duty.pause(call.hall_id, call.int_param("no"), call.staff_id, pause)
    return {"window": state.for_staff()}


@api.post("/api/v1/windows/{no}/resume", access=Access.STAFF, answer=WindowAnswer, summary="Resume a paused window")
async def resume(call: Call) -> dict[str, Any]:
    state = await call.services.duty.resume(call.hall_id, call.int_param("no"), call.staff_id)
    return {"window": state.for_staff()}


@api.post("/api/v1/windows/{no}/call-next", access=Access.STAFF, answer=NextTicketAnswer,
          summary="Call the next ticket the routing policy gives this window; ticket is null when nobody waits")
async def call_next(call: Call) -> dict[str, Any]:
    ticket = await call.services.lifecycle.call_next(call.hall_id, call.int_param("no"), call.staff_id)
    return {"ticket": ticket.for_staff() if ticket else None}


@api.post("/api/v1/windows/{no}/next", access=Access.STAFF, answer=ServedAnswer,
          summary="One key per citizen: finish the ticket at the window (called or being served) and call the"
                  " next, in one transaction; either is null when there was none")
async def serve_next(call: Call) -> dict[str, Any]:
    served = await call.services.lifecycle.serve_next(call.hall_id, call.int_param("no"), call.staff_id)
    return {"finished": served.finished.for_staff() if served.finished else None,
            "ticket": served.called.for_staff() if served.called else None}


@api.post("/api/v1/windows/{no}/call", access=Access.STAFF, body=CallBody, answer=TicketAnswer,
          summary="Call one ticket by its number (waiting or a no-show)")
async def call_number(call: Call[CallBody]) -> dict[str, Any]:
    ticket = await call.services.lifecycle.call_ticket(call.hall_id, call.int_param("no"), call.staff_id,
                                                       call.body.number)
    return {"ticket": ticket.for_staff()}


@api.post("/api/v1/windows/{no}/recall", access=Access.STAFF, answer=TicketAnswer,
          summary="Announce the called ticket again (重呼)")
async def recall(call: Call) -> dict[str, Any]:
    ticket = await call.services.lifecycle.recall(call.hall_id, call.int_param("no"), call.staff_id)
    return {"ticket": ticket.for_staff()}
