"""差评整改: managers follow up every bad rating (docs/ratings.md)."""
from __future__ import annotations

from datetime import date
from typing import Any

from server.api.answers import FollowUpAnswer, FollowUpsAnswer
from server.api.endpoint import Api, Call, Query
from server.api.schemas import CallbackBody, FixBody
from server.auth import Access
from server.errors import BadRequest
from server.follow_ups import State
from server.stats import parse_day

api = Api("follow-ups")
_STATES = ("open", "closed", "overdue")  # open includes yellow and red; overdue is red only


def _state(raw: str | None) -> State | None:
    if raw is not None and raw not in _STATES:
        raise BadRequest(f"state: must be one of {'|'.join(_STATES)}, got {raw!r}", code="bad_parameter")
    return None if raw is None else State(raw)


def _day(call: Call, name: str) -> date | None:
    raw = call.query(name)
    return None if raw is None else parse_day(name, raw)


@api.get("/api/v1/follow-ups", access=Access.MANAGER, answer=FollowUpsAnswer,
         query={"state": Query("open (yellow and red included) | closed | overdue (default: all)",
                               schema={"enum": list(_STATES)}),
                "from": Query("first rating day, YYYY-MM-DD (default: no limit)", schema={"format": "date"}),
                "to": Query("last rating day, YYYY-MM-DD (default: no limit)", schema={"format": "date"})},
         summary="差评整改 cases, due first: each bad rating's deadline, callbacks, fix and alarm (yellow near the"
                 " deadline, red past it), with the citizen's own words")
async def list_follow_ups(call: Call) -> dict[str, Any]:
    state = _state(call.query("state"))
    cases = await call.services.follow_ups.listed(call.hall_id, state, _day(call, "from"), _day(call, "to"))
    return {"follow_ups": cases}


@api.post("/api/v1/follow-ups/{id}/callback", access=Access.MANAGER, body=CallbackBody, answer=FollowUpAnswer,
          summary="Record one callback to the citizen (回访), reached or not; 409 already_called_back, case_closed")
async def callback(call: Call[CallbackBody]) -> dict[str, Any]:
    assert call.principal is not None
    case = await call.services.follow_ups.callback(call.principal, call.int_param("id"), call.body.reached,
                                                   call.body.note)
    return {"follow_up": case}


@api.post("/api/v1/follow-ups/{id}/fix", access=Access.MANAGER, body=FixBody, answer=FollowUpAnswer,
          summary="Record the fix (整改); with the callback done it closes the case, on time or late;"
                  " 409 already_fixed, case_closed")
async def fix(call: Call[FixBody]) -> dict[str, Any]:
    assert call.principal is not None
    return {"follow_up": await call.services.follow_ups.fix(call.principal, call.int_param("id"), call.body.note)}
