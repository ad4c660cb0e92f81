"""Summons of 事进人不进 departments: the window accepts the case, the department's officer comes.

A department in the hall only as matters is summoned for the ticket being served at a window (the
console's 通知部门, or when service starts where the hall sets `summons.auto`): one open summons per
ticket, its contact mobile told through the outbox in the same transaction. Its officer acknowledges
and marks 已到达; the window's clerk (or a manager) may cancel. The officer is due `arrive_minutes`
after the summons (red from then, yellow from `warn_minutes`), on the hall's clock.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from server.auth import Principal
from server.context import HallContext
from server.duty import lock_own_window
from server.errors import Conflict, Forbidden, NotFound
from server.events import Kind, NewEvent, summons_event
from server.hall import Hall, StaffRole, SummonsDepartment
from server.model import Ticket, TicketStatus
from server.outbox import NotificationKind, notify
from server.stats import DayRange
from server.store import events, tickets
from server.store import summons as store

MOVE_IN_AT = 10  # a month's summons from which a department must move staff in (事进人进)
_STEPS = {"acknowledge": ("acknowledged", Kind.SUMMONS_ACKNOWLEDGED, ("open",)),
          "arrive": ("arrived", Kind.SUMMONS_ARRIVED, ("open", "acknowledged")),
          "cancel": ("cancelled", Kind.SUMMONS_CANCELLED, ("open", "acknowledged"))}


def light(row: Any, now: datetime) -> str:
    """green, yellow (from warn_at) or red (after due_at) while open; done once arrived or cancelled."""
    if row["status"] in ("arrived", "cancelled"):
        return "done"
    return "red" if now > row["due_at"] else "yellow" if now >= row["warn_at"] else "green"


def view(hall: Hall, row: Any, now: datetime) -> dict[str, Any]:
    """A summons as pages show it: no personal data, so the citizen's ticket may follow it."""
    department = hall.summons.department(row["department"])
    service = hall.service(row["service"])
    moments = ("created_at", "warn_at", "due_at", "acknowledged_at", "arrived_at", "cancelled_at")
    return {"id": row["id"], "department": row["department"], "department_name": department.name if department else "",
            "ticket_id": row["ticket_id"], "number": row["number"], "service": row["service"],
            "service_name": service.name if service else row["service"], "window": row["window_no"],
            "status": row["status"], "light": light(row, now),
            "on_time": None if row["arrived_at"] is None else row["arrived_at"] <= row["due_at"],
            **{name: row[name].isoformat() if row[name] else None for name in moments}}


async def of_ticket(con: asyncpg.Connection, hall: Hall, ticket_id: int, now: datetime) -> dict[str, Any] | None:
    """The ticket's latest summons as pages show it (a page that opens late learns it here), or None."""
    row = await store.latest_for_ticket(con, ticket_id)
    return view(hall, row, now) if row else None


async def summon(con: asyncpg.Connection, ctx: HallContext, hall: Hall, ticket: Ticket, window_no: int,
                 staff_id: str, now: datetime) -> NewEvent:
    """Create the ticket's summons and queue its notification; the caller appends the event last."""
    department = hall.summons.for_service(ticket.service)
    if department is None:
        raise Conflict(f"{ticket.service} 不是事进人不进事项 (service {ticket.service} summons no department)",
                       code="not_summoned_service")
    rules = hall.summons
    row = await store.create(con, hall=hall.id, day=ctx.today(hall, now), department=department.id,
                             ticket_id=ticket.id, number=ticket.number, service=ticket.service, window_no=window_no,
                             created_by=staff_id, created_at=now, warn_at=now + rules.warn, due_at=now + rules.arrive)
    if row is None:
        raise Conflict(f"{ticket.number} 已通知部门 (the ticket's department is already summoned)",
                       code="already_summoned")
    shown = view(hall, row, now)
    await notify(con, hall.id, ctx, NotificationKind.SUMMONS_CREATED, f"summons:{row['id']}", department.mobile,
                 _text(hall, department, shown, rules.arrive.total_seconds() // 60), {"summons": shown}, now)
    return summons_event(Kind.SUMMONS_CREATED, shown, staff_id=staff_id)


def _text(hall: Hall, department: SummonsDepartment, shown: dict[str, Any], minutes: float) -> str:
    return (f"【{hall.name}】{department.name}：{shown['window']}号窗口受理 {shown['number']} 号"
            f"“{shown['service_name']}”，请于{minutes:.0f}分钟内到达。")


async def auto_summons(con: asyncpg.Connection, ctx: HallContext, hall: Hall, ticket: Ticket, window_no: int,
                       staff_id: str, now: datetime) -> NewEvent | None:
    """When service starts, in a hall that summons by itself: the service's department, once."""
    if not hall.summons.auto or hall.summons.for_service(ticket.service) is None:
        return None
    if await store.open_for_ticket(con, ticket.id):
        return None
    return await summon(con, ctx, hall, ticket, window_no, staff_id, now)


@dataclass(frozen=True)
class DepartmentFigures:
    department: SummonsDepartment
    summons: int
    arrived: int
    mean_minutes: float | None
    p90_minutes: float | None
    on_time: int
    due: int  # arrived, or past their deadline
    month_count: int

    def public(self) -> dict[str, Any]:
        return {"department": self.department.id, "name": self.department.name, "summons": self.summons,
                "arrived": self.arrived, "mean_minutes": rounded(self.mean_minutes),
                "p90_minutes": rounded(self.p90_minutes), "on_time": self.on_time, "due": self.due,
                "on_time_share": round(self.on_time / self.due, 4) if self.due else None,
                "month_count": self.month_count, "move_in": self.month_count >= MOVE_IN_AT}


class Summons:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    async def create(self, principal: Principal, window_no: int) -> dict[str, Any]:
        """通知部门 for the ticket at the caller's window."""
        hall, now = self.ctx.hall(principal.hall), self.ctx.clock.now()
        if hall.window(window_no) is None:
            raise NotFound(f"unknown window {window_no}")
        async with self.ctx.transaction() as con:
            state = await lock_own_window(con, hall, window_no, principal.id)
            ticket = None if state.current_ticket is None else await tickets.get(con, hall.id, state.current_ticket)
            if ticket is None or ticket.status not in (TicketStatus.CALLED, TicketStatus.SERVING):
                raise Conflict(f"{window_no} 号窗口没有正在办理的号 (no ticket at the window)", code="no_ticket")
            made = await summon(con, self.ctx, hall, ticket, window_no, principal.id, now)
            await events.append(con, hall.id, now, made)
            return made.payload["summons"]

    async def step(self, principal: Principal, summons_id: int, action: str) -> dict[str, Any]:
        """acknowledge or arrive (its department's officer, or a manager), or cancel (the window's clerk)."""
        status, kind, allowed = _STEPS[action]
        hall, now = self.ctx.hall(principal.hall), self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            row = await store.lock(con, hall.id, summons_id)
            if row is None:
                raise NotFound(f"unknown summons {summons_id}")
            if action == "cancel" and not principal.is_manager:
                await lock_own_window(con, hall, row["window_no"], principal.id)
            elif action != "cancel":
                self._check_officer(hall, principal, row["department"])
            if row["status"] not in allowed:
                raise Conflict(f"该通知已{_SAID[row['status']]} (the summons is {row['status']})",
                               code=f"summons_{row['status']}")
            row = await store.change(con, summons_id, status, now, principal.id)
            shown = view(hall, row, now)
            await events.append(con, hall.id, now, summons_event(kind, shown, staff_id=principal.id))
            return shown

    async def listing(self, principal: Principal, open_only: bool) -> dict[str, Any]:
        """Open summons: a manager's of the whole hall, an officer's of their department."""
        hall, now = self.ctx.hall(principal.hall), self.ctx.clock.now()
        department = None if principal.is_manager else self._officer_department(hall, principal)
        async with self.ctx.pool.acquire() as con:
            rows = await store.open_ones(con, hall.id, department.id if department else None, open_only,
                                         self.ctx.today(hall, now))
        return {"hall": hall.id, "department": department.id if department else None,
                "department_name": department.name if department else None, "at": now.isoformat(),
                "arrive_minutes": hall.summons.arrive.total_seconds() / 60,
                "warn_minutes": hall.summons.warn.total_seconds() / 60,
                "summons": [view(hall, row, now) for row in rows]}

    async def figures(self, hall_id: str, days: DayRange) -> dict[str, Any]:
        """Per department over the days; its month's count is that of the month of the last day."""
        hall, now = self.ctx.hall(hall_id), self.ctx.clock.now()
        month = days.last.replace(day=1)
        async with self.ctx.pool.acquire() as con:
            rows = {r["department"]: r for r in await store.figures(con, hall.id, days.first, days.last, now)}
            monthly = await store.counts(con, hall.id, month, _month_end(month))
        found = [DepartmentFigures(d, *_figures(rows.get(d.id)), month_count=monthly.get(d.id, 0))
                 for d in hall.summons.departments]
        return {"hall": hall.id, **days.public(), "month": month.strftime("%Y-%m"), "move_in_at": MOVE_IN_AT,
                "departments": [f.public() for f in found]}

    def _check_officer(self, hall: Hall, principal: Principal, department_id: str) -> None:
        if principal.is_manager:
            return
        if self._officer_department(hall, principal).id != department_id:
            raise Forbidden("这不是您部门的通知 (the summons is for another department)", code="not_your_department")

    @staticmethod
    def _officer_department(hall: Hall, principal: Principal) -> SummonsDepartment:
        department = hall.summons.of_officer(principal.id) if principal.role is StaffRole.OFFICER else None
        if department is None:
            raise Forbidden("仅限管理人员或事进人不进部门的工作人员 (managers and department officers only)",
                            code="not_an_officer")
        return department


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


_SAID = {"acknowledged": "确认收到", "arrived": "到达", "cancelled": "取消"}


def _figures(row: Any) -> tuple[int, int, float | None, float | None, int, int]:
    if row is None:
        return 0, 0, None, None, 0, 0
    return (row["summons"], row["arrived"], row["mean_minutes"], row["p90_minutes"], row["on_time"], row["due"])


def _month_end(first: date) -> date:
    return first.replace(day=monthrange(first.year, first.month)[1])
