"""Queue reminders to citizens who left a mobile number: "前面还有 N 人" once when their turn nears,
and "请到 W 号窗口" when they are called.

The reminders follow the hall's event log from a cursor kept in the database. Each round reads the
events after the cursor, writes their notifications and moves the cursor in one transaction, so a
crash repeats a round (the outbox keeps one notification per cause) and never skips one. Server
processes share the cursor row by lock: one of them does each round.

People ahead are counted by the live queues (`HallQueue.place`, the rule that calls tickets) once
they include the round's events. A ticket already within N of the front when its number is given,
at issue or on the kiosk's ticket screen just after, gets no reminder (`near_the_front` marks it
so): its holder is reading how many are ahead on the kiosk.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import asyncpg

from server.context import HallContext
from server.database_health import OUTAGE_ERRORS
from server.events import CALL_KINDS, Kind
from server.hall import Hall
from server.hub import Hub
from server.lifecycle import announcement
from server.model import Event, Ticket
from server.outbox import NotificationKind, notify
from server.queue_state import HallQueue, Waiting
from server.store import events, notifications

log = logging.getLogger(__name__)

_ROUND_EVENTS = 500


def near_the_front(hall: Hall, queue: HallQueue, ticket: Ticket, now: datetime) -> bool:
    """Whether the ticket is within the hall's reminder distance now ("前面还有 N 人" would come at once)."""
    rules = hall.notifications
    return rules is not None and queue.place(Waiting.of(ticket), now).people_ahead <= rules.ahead


class QueueReminders:
    def __init__(self, ctx: HallContext, hub: Hub, pause_seconds: float = 0.5) -> None:
        self.ctx, self.hub, self.pause_seconds = ctx, hub, pause_seconds

    async def run(self) -> None:
        while True:  # the halls read again each round: `hallq reload` may change their rules
            for hall in [hall for hall in self.ctx.halls.values() if hall.notifications]:
                try:
                    while await self.round(hall) == _ROUND_EVENTS:
                        pass
                except OUTAGE_ERRORS:
                    pass  # the database is away; the cursor waits where it is
                except Exception:
                    log.exception("queue reminders of hall %s failed a round", hall.id)
            await asyncio.sleep(self.pause_seconds)

    async def round(self, hall: Hall) -> int:
        """Remind for the events after the cursor; the number of events read."""
        async with self.ctx.transaction() as con:
            cursor = await notifications.lock_cursor(con, hall.id)
            if cursor is None:
                return 0  # another process is doing this round
            read = await events.since(con, hall.id, cursor, _ROUND_EVENTS)
            if not read:
                return 0
            queue = await self.hub.reach(hall.id, read[-1].seq)
            now = self.ctx.clock.now()
            await self._called(con, hall, read, now)
            await self._ahead(con, hall, queue, now)
            await notifications.move_cursor(con, hall.id, read[-1].seq)
        return len(read)

    async def _called(self, con: asyncpg.Connection, hall: Hall, read: list[Event], now: datetime) -> None:
        calls = [e for e in read if e.kind in CALL_KINDS]
        mobiles = await notifications.reminder_mobiles(con, [e.ticket_id for e in calls if e.ticket_id])
        for event in calls:
            window, to = event.window_no, mobiles.get(event.ticket_id or 0)
            if window is None or to is None:
                continue
            number = event.payload["ticket"]["number"]
            text = f"【{hall.name}】{announcement(hall, number, window)}。"
            await notify(con, hall.id, self.ctx, NotificationKind.QUEUE_CALLED, f"called:{event.seq}", to, text,
                         {"ticket": number, "window": window, "recall": event.kind == Kind.TICKET_RECALLED}, now)

    async def _ahead(self, con: asyncpg.Connection, hall: Hall, queue: HallQueue, now: datetime) -> None:
        assert hall.notifications is not None
        reminded = []
        for row in await notifications.awaiting_reminder(con, hall.id, self.ctx.today(hall, now)):
            ticket = Ticket.from_record(row)
            ahead = queue.place(Waiting.of(ticket), now).people_ahead
            if ahead > hall.notifications.ahead:
                continue
            reminded.append(ticket.id)
            text = f"【{hall.name}】您的 {ticket.number} 号前面还有 {ahead} 人，请留意叫号。"
            await notify(con, hall.id, self.ctx, NotificationKind.QUEUE_AHEAD, f"ahead:{ticket.id}",
                         row["reminder_mobile"], text, {"ticket": ticket.number, "people_ahead": ahead}, now)
        if reminded:
            await notifications.mark_reminded(con, reminded)

