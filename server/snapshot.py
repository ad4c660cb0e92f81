"""The hall's live state in one read: what a screen needs when it (re)starts
or falls too far behind to replay events."""
from __future__ import annotations

from typing import Any

from server.context import HallContext
from server.events import CALL_KINDS
from server.hall import Hall
from server.queue_state import HallQueue
from server.store import events, tickets, windows

RECENT_CALLS = 20


async def hall_snapshot(ctx: HallContext, hall: Hall, queue: HallQueue) -> dict[str, Any]:
    """State and the seq it is consistent with, read in one snapshot transaction; the
    waiting figures come from the live queues (the events after `seq` update them)."""
    async with ctx.pool.acquire() as con:
        async with con.transaction(isolation="repeatable_read", readonly=True):
            seq = await events.last_seq(con, hall.id)
            states = await windows.list_all(con, hall.id)
            current = {t.id: t.public() for t in await tickets.by_ids(
                con, hall.id, [s.current_ticket for s in states if s.current_ticket is not None])}
            calls = await events.recent(con, hall.id, [k.value for k in CALL_KINDS], RECENT_CALLS)
    return {
        "seq": seq,
        # Each window with the ticket it is calling or serving, so a sign shows it after a restart.
        "windows": [{**s.public(), "ticket": current.get(s.current_ticket or 0)} for s in states],
        "queues": queue.figures(ctx.clock.now()),
        "recent_calls": [e.message() for e in calls],
    }
