"""Summons of 事进人不进 departments: the window's 通知部门, the officer's page, the dashboard."""
from __future__ import annotations

from typing import Any

from server.api.endpoint import Api, Call, Query
from server.auth import Access
from server.errors import BadRequest

api = Api("summons")
_STATES = ("open", "today")


@api.post("/api/v1/windows/{no}/summons", access=Access.STAFF, status=201,
          summary="通知部门: summon the 事进人不进 department of the ticket served at your window; its contact is"
                  " notified through the outbox and its officer is due within summons.arrive_minutes")
async def create(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    return {"summons": await call.services.summons.create(call.principal, call.int_param("no"))}


@api.get("/api/v1/summons", access=Access.STAFF,
         query={"state": Query("open (default): not yet arrived or cancelled; today: every summons of the day",
                               schema={"enum": list(_STATES)})},
         summary="Summons with their light (green, yellow, red): a manager's of the hall, an officer's of their"
                 " department")
async def listing(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    state = call.query("state") or "open"
    if state not in _STATES:
        raise BadRequest(f"state: must be one of {'|'.join(_STATES)}, got {state!r}", code="bad_parameter")
    return await call.services.summons.listing(call.principal, state == "open")


def _step(action: str, summary: str) -> None:
    @api.post(f"/api/v1/summons/{{summons_id}}/{action}", access=Access.STAFF, summary=summary)
    async def step(call: Call) -> dict[str, Any]:
        assert call.principal is not None
        return {"summons": await call.services.summons.step(call.principal, call.int_param("summons_id"), action)}


_step("acknowledge", "确认收到: the department's officer has seen the summons")
_step("arrive", "已到达: the department's officer is at the window; on time when by its deadline")
_step("cancel", "Cancel the summons: the clerk at its window, or a manager")
