"""Staff sign-in sessions."""
from __future__ import annotations

from typing import Any

from server import stats
from server.api.answers import Done, LoginAnswer, MeAnswer
from server.api.endpoint import Api, Call, bearer_token
from server.api.schemas import LoginBody
from server.auth import Access

api = Api("staff")


@api.post("/api/v1/staff/login", access=Access.PUBLIC, body=LoginBody, answer=LoginAnswer,
          summary="Sign in with staff id and password; returns a bearer token")
async def login(call: Call[LoginBody]) -> dict[str, Any]:
    body = call.body
    token, hall = await call.services.auth.sign_in(body.hall, body.staff_id, body.password)
    member = hall.staff_member(body.staff_id)
    assert member is not None
    return {"token": token, "hall": hall.id, "staff": {"id": member.id, "name": member.name,
                                                       "role": member.role.value}}


@api.post("/api/v1/staff/logout", access=Access.STAFF, answer=Done, summary="End this session")
async def logout(call: Call) -> dict[str, Any]:
    await call.services.auth.sign_out(bearer_token(call.request) or "")
    return {"ok": True}


@api.get("/api/v1/staff/me", access=Access.STAFF, answer=MeAnswer, summary="Who is signed in, and at which window")
async def me(call: Call) -> dict[str, Any]:
    member = call.services.ctx.hall(call.hall_id).staff_member(call.staff_id)
    assert member is not None
    held = await call.services.duty.held_by(call.hall_id, call.staff_id)
    return {"staff": {"id": member.id, "name": member.name, "role": member.role.value},
            "hall": call.hall_id, "window": held.public() if held else None}


@api.get("/api/v1/staff/me/today", access=Access.STAFF,
         summary="The signed-in member's own figures for today: served, transferred, no-shows, mean handling seconds")
async def my_day(call: Call) -> dict[str, Any]:
    ctx = call.services.ctx
    hall = ctx.hall(call.hall_id)
    today = ctx.today(hall)
    day = stats.DayRange(today, today)
    report = await stats.report(ctx, hall, stats.Grouping.STAFF, day)
    mine = next((g for g in report.groups if g.key == call.staff_id), None)
    figures = mine.public() if mine else stats.GroupStats(
        call.staff_id, 0, 0, 0, stats.Timing(None, None), stats.Timing(None, None), stats.Timing(None)).public()
    return {**day.public(), **figures}
