"""Reminders of bookings, following the hall's clock: the day before (at `remind_day_before_at`)
and `remind_minutes` before the slot.

Each round, in one transaction, takes the due bookings (locked, so another server process skips
them), queues their notifications in the outbox and marks them reminded: a crash repeats a round
and the outbox keeps one notification per cause, so a restart never sends a reminder twice. A
booking made after its reminder's moment gets none: its confirmation has just said it all.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from server.booking_model import Booking
from server.bookings import slot_words, tell, where_words
from server.context import HallContext
from server.hall import Hall
from server.outbox import NotificationKind
from server.store import bookings as store
from server.workers import every_round


class BookingReminders:
    def __init__(self, ctx: HallContext, pause_seconds: float = 1.0) -> None:
        self.ctx, self.pause_seconds = ctx, pause_seconds

    async def run(self) -> None:
        def halls() -> list[Hall]:  # read again each round: `hallq reload` may change their rules
            return [hall for hall in self.ctx.halls.values() if hall.notifications]
        await every_round(halls, self.round, self.pause_seconds, "booking reminders")

    async def round(self, hall: Hall) -> int:
        """Queue the reminders due now; how many."""
        now = self.ctx.clock.now()
        rules = hall.bookings
        today = self.ctx.today(hall, now)
        reminder_at = datetime.combine(today, rules.remind_day_before_at, hall.timezone)
        async with self.ctx.transaction() as con:
            tomorrow = [] if now < reminder_at else [Booking.from_record(row) for row in await store.due_day_before(
                con, hall.id, today + timedelta(days=1), reminder_at)]
            for booking in tomorrow:
                await tell(con, self.ctx, hall, booking, NotificationKind.APPOINTMENT_TOMORROW,
                           f"提醒：您预约了明天 {slot_words(hall, booking)}，预约号 {booking.number}，"
                           f"请按时到{where_words(hall, booking)}取号机签到。", now)
            soon = [Booking.from_record(row) for row in await store.due_soon(con, hall.id, now, rules.remind_before)]
            for booking in soon:
                await tell(con, self.ctx, hall, booking, NotificationKind.APPOINTMENT_SOON,
                           f"提醒：您预约的 {slot_words(hall, booking)} 即将开始，请到{where_words(hall, booking)}"
                           f"取号机签到，预约号 {booking.number}。", now)
            await store.mark_reminded(con, "reminded_day_before", [b.id for b in tomorrow])
            await store.mark_reminded(con, "reminded_soon", [b.id for b in soon])
        return len(tomorrow) + len(soon)
