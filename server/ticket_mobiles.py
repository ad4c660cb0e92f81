"""A mobile number for queue reminders, given on the kiosk's ticket screen just after issue.

Only the kiosk that issued the ticket may attach it, while the ticket waits and within
`ATTACH_WITHIN` of its issue (its holder is still at the kiosk). The reminders then follow as for a
number given at issue (server.queue_reminders): a ticket already within the hall's reminder distance
gets no "前面还有 N 人" (its holder reads the figure on the kiosk), only "请到 W 号窗口" when called.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from server.auth import Principal
from server.context import HallContext
from server.errors import Conflict, Forbidden, NotFound
from server.hub import Hub
from server.model import Ticket, TicketStatus
from server.queue_reminders import near_the_front
from server.redaction import masked_mobile
from server.store import notifications

ATTACH_WITHIN = timedelta(minutes=5)


@dataclass(frozen=True)
class AttachedMobile:
    ticket: Ticket
    mobile_masked: str  # 138****5678: what the kiosk shows once entered
    ahead_reminder: bool  # "前面还有 N 人" is still to come


class TicketMobiles:
    def __init__(self, ctx: HallContext, hub: Hub) -> None:
        self.ctx, self.hub = ctx, hub

    async def attach(self, principal: Principal, ticket_id: int, mobile: str) -> AttachedMobile:
        hall = self.ctx.hall(principal.hall)
        queue = await self.hub.current(hall.id)  # people ahead as they are now, in any process
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            row = await notifications.issued_ticket(con, hall.id, ticket_id)
            if row is None:
                raise NotFound(f"没有这张号 (no ticket {ticket_id})")
            ticket = Ticket.from_record(row)
            if row["device_id"] != principal.id:
                raise Forbidden("这张号不是本机取的 (the ticket was not issued at this kiosk)", code="not_issued_here")
            if ticket.status is not TicketStatus.WAITING:
                raise Conflict("该号已叫号或已结束，无需短信提醒 (the ticket is no longer waiting)",
                               code="ticket_not_waiting")
            if now - ticket.issued_at > ATTACH_WITHIN:
                minutes = int(ATTACH_WITHIN.total_seconds() // 60)
                raise Conflict(f"取号 {minutes} 分钟后不能再留手机号 (a mobile number is taken only within"
                               f" {minutes} minutes of issue)", code="mobile_too_late")
            near = near_the_front(hall, queue, ticket, now)
            await notifications.set_reminder_mobile(con, ticket.id, mobile, near)
        still_to_come = hall.notifications is not None and not (near or row["ahead_reminded"])
        return AttachedMobile(ticket, masked_mobile(mobile), still_to_come)
