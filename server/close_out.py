"""Closing-time close-out: tickets still waiting when the hall's day closes are left unserved.

Two stages per hall day (docs/operations.md#close-out says why):
- `closing`, at the end of the day's last serving span on an open day (server.calendar): walk-in
  and green-channel tickets still waiting become `unserved`. Tickets called or being served are
  finished by their windows as usual, and booked citizens still waiting keep their place:
  延时服务 is for those already being served or booked. A ticket that returns to the queue after
  closing (a transfer, a rejoin) is served in that extended time too.
- `day_end`, once the hall's local date has moved on: every ticket of the day still waiting,
  whatever its priority, becomes `unserved`.

Each stage runs once per hall day: its `day_close_outs` row is claimed first in the same
transaction that closes the tickets and appends their `ticket.unserved` events, so a second
process finds it taken and does nothing. The loop's first pass, at start-up, closes out what a
server that was down at closing left waiting.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime

from server.calendar import HallCalendar
from server.context import HallContext
from server.database_health import OUTAGE_ERRORS
from server.events import Kind, ticket_event
from server.hall import Hall
from server.model import Ticket
from server.store import close_outs, events

log = logging.getLogger(__name__)

CLOSING, DAY_END = "closing", "day_end"
PASS_EVERY = 2.0  # real seconds between passes: one small query per hall on the waiting tickets' index


def closing_time(hall: Hall, day: date) -> datetime | None:
    """When an open day's last serving span ends, in hall time; None on a closed day."""
    spans = HallCalendar(hall).day(day).spans
    return datetime.combine(day, spans[-1].end, hall.timezone) if spans else None


def due_stages(hall: Hall, waiting_days: list[date], now: datetime) -> list[tuple[date, str]]:
    """The stages due now: `day_end` of each earlier day with tickets waiting, `closing` of today once
    it has closed (claimed even with nobody waiting, so a ticket rejoining later is not caught by it)."""
    today = hall.local(now).date()
    due = [(day, DAY_END) for day in sorted(waiting_days) if day < today]
    closing = closing_time(hall, today)
    if closing is not None and now >= closing:
        due.append((today, CLOSING))
    return due


class CloseOut:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx
        self._done: set[tuple[str, date, str]] = set()  # stages this process knows are closed out

    async def run(self, every: float = PASS_EVERY) -> None:
        while True:
            try:
                await self.pass_once()
            except OUTAGE_ERRORS as exc:  # the database is away: the next pass tries again
                log.info("close-out postponed: %s", exc)
            await asyncio.sleep(every)

    async def pass_once(self) -> list[Ticket]:
        """Close out every stage due in every hall; the tickets this process left unserved."""
        closed: list[Ticket] = []
        now = self.ctx.clock.now()
        for hall in list(self.ctx.halls.values()):
            async with self.ctx.pool.acquire() as con:
                waiting_days = await close_outs.waiting_days(con, hall.id)
            for day, stage in due_stages(hall, waiting_days, now):
                if (hall.id, day, stage) not in self._done:
                    closed += await self._close_out(hall, day, stage, now)
                    self._done.add((hall.id, day, stage))
        return closed

    async def _close_out(self, hall: Hall, day: date, stage: str, now: datetime) -> list[Ticket]:
        async with self.ctx.transaction() as con:
            if not await close_outs.claim(con, hall.id, day, stage, now):
                return []  # another process did it, or this one before a restart
            left = await close_outs.leave_unserved(con, hall.id, day, appointments=stage == DAY_END)
            for ticket in left:
                await events.append(con, hall.id, now, ticket_event(
                    Kind.TICKET_UNSERVED, ticket, window_no=None, staff_id=None, stage=stage))
            await close_outs.record(con, hall.id, day, stage, len(left))
        if left:
            log.info("closed out %s %s (%s): %d tickets left unserved", hall.id, day, stage, len(left))
        return left
