"""The notification outbox: what an action tells a citizen is a row in the action's own transaction,
delivered afterwards by `server.webhooks.Deliveries` — never lost by a crash, never sent from a request."""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import asyncpg

from server.context import HallContext
from server.redaction import masked_mobile
from server.store import notifications


class NotificationKind(str, Enum):
    QUEUE_AHEAD = "queue.ahead"  # 前面还有 N 人
    QUEUE_CALLED = "queue.called"  # 请到 W 号窗口
    APPOINTMENT_CONFIRMED = "appointment.confirmed"  # 预约成功
    APPOINTMENT_CANCELLED = "appointment.cancelled"  # cancelled by its holder
    APPOINTMENT_CLOSED = "appointment.closed"  # cancelled by the hall closing its slot
    APPOINTMENT_TOMORROW = "appointment.tomorrow"  # the day before
    APPOINTMENT_SOON = "appointment.soon"  # N minutes before the slot
    SUMMONS_CREATED = "summons.created"  # 事进人不进: to the summoned department's contact mobile


async def notify(con: asyncpg.Connection, hall_id: str, ctx: HallContext, kind: NotificationKind, cause: str,
                 to: str, text: str, data: dict[str, Any], now: datetime) -> bool:
    """Queue a notification for `to` (a mobile number) in the caller's transaction, once per `cause`.
    False when the hall sends none, or the cause was already notified."""
    hall = ctx.hall(hall_id)
    if hall.notifications is None:
        return False
    body = {"kind": kind.value, "hall": hall.id, "hall_name": hall.name, "to": to, "text": text, "data": data}
    return await notifications.write(con, hall.id, kind.value, cause, to, body, now, hall.notifications.retry_for)


class Outbox:
    """What managers see of the hall's notifications: their delivery state and failures."""

    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    async def listing(self, hall_id: str, status: str | None, before: int | None, limit: int) -> dict[str, Any]:
        hall = self.ctx.hall(hall_id)
        async with self.ctx.pool.acquire() as con:
            rows = await notifications.listing(con, hall.id, status, before, limit)
            totals = await notifications.counts(con, hall.id)
        return {"hall": hall.id, "configured": hall.notifications is not None,
                "totals": {state: totals.get(state, 0) for state in ("pending", "delivered", "failed")},
                "notifications": [_shown(row) for row in rows]}


def _shown(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": row["id"], "delivery_id": str(row["delivery_id"]), "kind": row["kind"], "cause": row["cause"],
            "to": masked_mobile(row["recipient"]), "created_at": row["created_at"].isoformat(),
            "status": row["status"], "attempts": row["attempts"],
            "next_attempt_at": row["next_attempt_at"].isoformat() if row["status"] == "pending" else None,
            "delivered_at": row["delivered_at"].isoformat() if row["delivered_at"] else None,
            "last_error": row["last_error"]}
