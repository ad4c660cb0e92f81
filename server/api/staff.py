"""Staff sign-in sessions, and lifting a sign-in lockout."""
from __future__ import annotations

from typing import Any

from server import stats
from server.api.answers import Done, LoginAnswer, MeAnswer
from server.api.endpoint import Api, Call, bearer_token
from server.api.schemas import LoginBody
from server.auth import Access
from server.hall import StaffMember

api = Api("staff")


def member_json(member: StaffMember) -> dict[str, Any]:
    return {"id": member.id, "name": member.name, "role": member.role.value,
            "windows": sorted(member.windows) if member.windows is not None else None,
            "halls": list(member.halls)}


@api.post("/api/v1/staff/login", access=Access.PUBLIC, body=LoginBody, answer=LoginAnswer, no_store=True,
          summary="Sign in with staff id and password; returns a bearer token. Repeated failures are"
                  " answered 429 too_many_attempts with Retry-After, and lock the account")
async def login(call: Call[LoginBody]) -> dict[str, Any]:
    body = call.body
    signed_in = await call.services.sign_ins.sign_in(body.hall, body.staff_id, body.password, call.address)
    return {"token": signed_in.token, "hall": signed_in.hall.id, "staff": member_json(signed_in.member)}


@api.post("/api/v1/staff/logout", access=Access.STAFF, answer=Done, summary="End this session")
async def logout(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    await call.services.sign_ins.sign_out(call.principal, bearer_token(call.request) or "", call.address)
    return {"ok": True}


@api.post("/api/v1/staff/{staff_id}/unlock", access=Access.MANAGER,
          summary="Lift a staff member's sign-in lockout (managers and admins of the hall)")
async def unlock(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    staff_id = call.request.match_info["staff_id"]
    was_locked = await call.services.sign_ins.unlock(call.principal, staff_id, call.address)
    return {"staff_id": staff_id, "was_locked": was_locked}


@api.get("/api/v1/staff/me", access=Access.STAFF, answer=MeAnswer, summary="Who is signed in, and at which window")
async def me(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    member = call.services.ctx.hall(call.principal.home).staff_member(call.staff_id)
    assert member is not None
    held = await call.services.duty.held_by(call.hall_id, call.staff_id)
    return {"staff": member_json(member), "hall": call.hall_id, "window": held.for_staff() if held else None}


@api.get("/api/v1/staff/me/today", access=Access.STAFF,
         summary="The signed-in member's own figures for today: served, transferred, no-shows, mean handling seconds")
async def my_day(call: Call) -> dict[str, Any]:
    ctx = call.services.ctx
    hall = ctx.hall(call.hall_id)
    today = ctx.today(hall)
    day = stats.DayRange(today, today)
    report = await stats.report(ctx, hall, stats.Grouping.STAFF, day)
    mine = next((g for g in report.groups if g.key == call.staff_id), None)
    figures = (mine or stats.GroupStats.empty(call.staff_id)).public()
    return {**day.public(), **figures}
