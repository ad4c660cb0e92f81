"""Simulated time for day simulations: only on a server started with `--clock stepped`."""
from __future__ import annotations

from typing import Any

from server.api.answers import ClockAnswer
from server.api.endpoint import Api, Call
from server.api.schemas import ClockBody
from server.auth import Access
from server.clock import SteppedClock
from server.errors import Conflict

# Registered only when the server runs on a SteppedClock: a production server has no clock to set.
api = Api("clock")


@api.post("/api/v1/clock", access=Access.MANAGER, body=ClockBody, answer=ClockAnswer,
          summary="Move the stepped clock forward to `now` (only with `hallq serve --clock stepped`)")
async def step_clock(call: Call[ClockBody]) -> dict[str, Any]:
    clock = call.services.ctx.clock
    assert isinstance(clock, SteppedClock)
    try:
        clock.advance_to(call.body.now)
    except ValueError as exc:
        raise Conflict(f"时钟不能倒退 ({exc})", code="clock_backwards") from None
    return {"now": clock.now().isoformat()}
