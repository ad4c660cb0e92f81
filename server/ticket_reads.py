"""Reading tickets: a ticket's full history for staff, its live status for its citizen."""
from __future__ import annotations

from typing import Any

from server import stats, summons
from server.context import HallContext
from server.errors import NotFound
from server.hub import Hub
from server.model import Ticket
from server.public_ticket import public_status
from server.store import events, tickets


class TicketReads:
    def __init__(self, ctx: HallContext, hub: Hub) -> None:
        self.ctx, self.hub = ctx, hub

    async def history(self, hall_id: str, ticket_id: int) -> dict[str, Any]:
        """A ticket with its full event history (全程留痕) and its waiting, walk-up and handling times."""
        async with self.ctx.pool.acquire() as con:
            ticket = await tickets.get(con, hall_id, ticket_id)
            if ticket is None:
                raise NotFound(f"unknown ticket {ticket_id}")
            steps = await events.for_ticket(con, ticket.id)
            now = self.ctx.clock.now()
            summoned = await summons.of_ticket(con, self.ctx.hall(hall_id), ticket.id, now)
        return {
            "ticket": ticket.for_staff(),
            "times": await stats.ticket_times(self.ctx, ticket.id),
            "events": [{"seq": e.seq, "at": e.at.isoformat(), "kind": e.kind, "window": e.window_no,
                        "staff_id": e.staff_id} for e in steps],
            "summons": summoned,
            "at": now.isoformat(),  # the server's clock, for the summons' countdown
        }

    async def by_link(self, status_token: str) -> Ticket:
        """The ticket behind a status link (the QR code's)."""
        async with self.ctx.pool.acquire() as con:
            ticket = await tickets.by_status_token(con, status_token)
        if ticket is None:
            raise NotFound("no such ticket")
        return ticket

    async def status_url(self, status_token: str, request_base: str) -> str:
        """The link of the ticket's QR code (see Hall.status_url)."""
        ticket = await self.by_link(status_token)
        return self.ctx.hall(ticket.hall).status_url(ticket.status_token, request_base)

    async def public_status(self, status_token: str) -> dict[str, Any]:
        """What the citizen's phone shows: the ticket, its place now, where to go."""
        ticket = await self.by_link(status_token)
        hall, now = self.ctx.hall(ticket.hall), self.ctx.clock.now()
        queue = await self.hub.current(hall.id)
        async with self.ctx.pool.acquire() as con:
            summoned = await summons.of_ticket(con, hall, ticket.id, now)
        return {**public_status(hall, ticket.public(), queue, now), "summons": summoned}
