"""The parts of the assessment the centre enters by hand, with who entered them and when.

An entry counts for one window in one month: a count of a counted category (a complaint, a letter
of praise, …) or the points off a part scored by hand (on-site leadership, hygiene, IT discipline).
Entries are never changed: a correction is a new entry naming the one it corrects, with the amount
that puts it right (negative to take some back); a category's total for the window and month never
goes below nothing. Each entry is an audit row (`assessment_entry`) in its own transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from server.audit import Action, Audit, Entry, Outcome
from server.auth import Principal
from server.context import HallContext
from server.errors import Unprocessable
from server.hall import Hall
from server.redaction import redacted
from server.reports import period
from server.reports.assessment import PART_OF, PART_POINTS, Category, entered_counts
from server.reports.service import scope
from server.store import assessment as store


@dataclass(frozen=True)
class NewEntry:
    window: int
    month: str  # YYYY-MM
    category: Category
    amount: float
    note: str
    corrects: int | None = None


def view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "hall": row["hall"], "month": row["month"].strftime("%Y-%m"), "window": row["window_no"],
            "category": row["category"], "amount": row["amount"], "note": row["note"], "corrects": row["corrects"],
            "entered_by": row["entered_by"], "entered_at": row["entered_at"].isoformat()}


def _check_amount(new: NewEntry) -> None:
    if new.corrects is None and new.amount <= 0:
        raise Unprocessable("amount: must be more than 0 (a correction names the entry it corrects)",
                            code="invalid_amount")
    if not new.category.scored and new.amount != int(new.amount):
        raise Unprocessable(f"amount: {new.category.value} is a count, a whole number", code="invalid_amount")
    part = PART_OF[new.category.value]
    if new.category.scored and part is not None and abs(new.amount) > PART_POINTS[part]:
        raise Unprocessable(f"amount: at most {PART_POINTS[part]:g} points off {part.value}", code="invalid_amount")


class AssessmentEntries:
    def __init__(self, ctx: HallContext, audit: Audit) -> None:
        self.ctx, self.audit = ctx, audit

    async def add(self, principal: Principal, new: NewEntry) -> dict[str, Any]:
        hall, now = self.ctx.hall(principal.hall), self.ctx.clock.now()
        month = self._month(hall, new.month)
        if hall.window(new.window) is None:
            raise Unprocessable(f"window: hall {hall.id} has no window {new.window}", code="unknown_window")
        _check_amount(new)
        async with self.ctx.transaction() as con:
            await self._check_correction(con, hall, month, new)
            row = await store.insert(con, hall=hall.id, month=month, window_no=new.window,
                                     category=new.category.value, amount=new.amount, note=redacted(new.note) or "",
                                     corrects=new.corrects, entered_by=principal.id, entered_at=now)
            await self.audit.append(con, Entry(hall.id, Action.ASSESSMENT_ENTRY, Outcome.OK, actor=principal.id,
                                               subject=f"window:{new.window}",
                                               detail=f"{month:%Y-%m} {new.category.value} {new.amount:g}"
                                                      f" entry:{row['id']}"))
            return view(row)

    async def listed(self, principal: Principal, raw_halls: str | None, month: str | None) -> list[dict[str, Any]]:
        """The entries of the month in the halls of `halls=` (see server.reports.service.scope)."""
        found = []
        async with self.ctx.pool.acquire() as con:
            for hall in scope(self.ctx, principal, raw_halls):
                first = self._month(hall, month)
                found += [view(row) for row in await store.of_months(con, hall.id, [first])]
        return found

    def _month(self, hall: Hall, raw: str | None) -> date:
        today = self.ctx.today(hall)
        first = period.parse(period.Span.MONTH, raw, today, name="month").first
        if first > today:
            raise Unprocessable(f"month: {raw} has not begun", code="future_month")
        return first

    @staticmethod
    async def _check_correction(con: asyncpg.Connection, hall: Hall, month: date, new: NewEntry) -> None:
        if new.corrects is None:
            return
        corrected = await store.get(con, hall.id, new.corrects)
        if corrected is None or (corrected["window_no"], corrected["month"], corrected["category"]) != (
                new.window, month, new.category.value):
            raise Unprocessable(f"corrects: no entry {new.corrects} of window {new.window}, {new.month},"
                                f" {new.category.value}", code="unknown_entry")
        total = entered_counts([r for r in await store.of_months(con, hall.id, [month])
                                if r["window_no"] == new.window]).get(new.category.value, 0.0)
        if total + new.amount < 0:
            raise Unprocessable(f"amount: would leave {new.category.value} of window {new.window} below 0"
                                f" ({total:g} entered)", code="invalid_amount")
