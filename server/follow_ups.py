"""差评整改: every bad rating is followed up on a deadline of working days.

A bad rating (不满意, 非常不满意) opens a case in the rating's own transaction,
assigned to the department of the rated service and due by the end (hall
time) of the `[ratings] follow_up_working_days`-th working day of the hall
calendar after the rating's day. Managers record the callback to the citizen
(回访: each attempt, reached or not, with a note) and the fix (整改: what was
done). The callback is done once the citizen was reached, or after
`callback_attempts` attempts that did not reach them (a number that never
answers must not keep a case open for ever); a case closes with the step that
completes both, on time when that is by its deadline, else late.

Like 未评价, where a case stands is read from its moments and the clock, not
written by a worker: open; yellow (`warning`) from the start of its last
`warn_working_days` working days; red (`overdue`) once its deadline day is
over; closed. A stepped clock needs nothing to run for the alarms to follow it.
Every step is an event on the managers' topic and an audit entry naming who.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

import asyncpg

from server.audit import Action, Audit, Entry, Outcome
from server.auth import Principal
from server.calendar import HallCalendar
from server.context import HallContext
from server.errors import Conflict, NotFound
from server.events import Kind, follow_up_event
from server.hall import Hall
from server.redaction import redacted
from server.store import events, follow_ups


class State(str, Enum):
    OPEN = "open"
    WARNING = "warning"  # yellow: within its last warn days
    OVERDUE = "overdue"  # red: its deadline day is over
    CLOSED = "closed"


ALARMS = {State.WARNING: "yellow", State.OVERDUE: "red"}


@dataclass(frozen=True)
class Deadline:
    day: date  # the last working day
    warn_at: datetime  # yellow from here
    due_at: datetime  # the end of `day` in hall time


def deadline(hall: Hall, rated_on: date) -> Deadline:
    """The case deadline of a bad rating given on `rated_on`, on the hall calendar."""
    rules, calendar = hall.ratings.follow_up, HallCalendar(hall)
    last = calendar.working_days_after(rated_on, rules.working_days)
    due_at = datetime.combine(last + timedelta(days=1), time(), hall.timezone)
    if rules.warn_working_days == 0:
        return Deadline(last, due_at, due_at)
    warn_day = calendar.working_days_before(last, rules.warn_working_days - 1)
    return Deadline(last, datetime.combine(warn_day, time(), hall.timezone), due_at)


def state_of(case: dict[str, Any], now: datetime) -> State:
    if case["closed_at"] is not None:
        return State.CLOSED
    if now >= case["due_at"]:
        return State.OVERDUE
    return State.WARNING if now >= case["warn_at"] else State.OPEN


def called_back(case: dict[str, Any], attempts: int) -> bool:
    """A reached callback, or `attempts` that did not reach the citizen."""
    tries = case["callbacks"]
    return any(c["reached"] for c in tries) or len(tries) >= attempts


def _reason_name(hall: Hall, code: str) -> dict[str, str]:
    """A reason of the checklist as the dashboard names it; a code since removed from it stays a code."""
    reason = hall.ratings.reason(code)
    return {"zh": reason.name, "en": reason.name_en} if reason else {"zh": code, "en": code}


def view(case: dict[str, Any], hall: Hall, now: datetime, *, managers: bool = False) -> dict[str, Any]:
    """The case as the dashboard shows it; the citizen's own words only with `managers`."""
    state = state_of(case, now)
    staff = hall.staff_member(case["staff_id"]) if case["staff_id"] else None
    service = hall.service(case["service"])
    closed = case["closed_at"]
    found = {
        "id": case["id"], "department": case["department"], "day": case["day"].isoformat(),
        "deadline": case["deadline"].isoformat(), "warn_at": case["warn_at"].isoformat(),
        "due_at": case["due_at"].isoformat(), "state": state.value, "alarm": ALARMS.get(state),
        "rating": {"id": case["rating_id"], "ticket": case["ticket_id"], "number": case["number"],
                   "holder": case["holder_masked"], "window": case["window_no"], "staff_id": case["staff_id"],
                   "staff_name": staff.name if staff else None, "service": case["service"],
                   "service_name": service.name if service else case["service"], "zone": case["zone"],
                   "level": case["level"], "reasons": list(case["reasons"]), "rated_at": case["rated_at"].isoformat(),
                   "reason_names": [_reason_name(hall, code) for code in case["reasons"]]},
        "callbacks": case["callbacks"], "called_back": called_back(case, hall.ratings.follow_up.callback_attempts),
        "fix": None if case["fix_at"] is None else {"note": case["fix_note"], "by": case["fix_by"],
                                                     "at": case["fix_at"].isoformat()},
        "closed_at": closed.isoformat() if closed else None,
        "on_time": None if closed is None else closed < case["due_at"],
    }
    if managers:
        found["rating"]["comment"] = case["comment"]
    return found


class FollowUps:
    def __init__(self, ctx: HallContext, audit: Audit) -> None:
        self.ctx = ctx
        self.audit = audit

    async def open_case(self, con: asyncpg.Connection, hall: Hall, rating_id: int, department: str) -> None:
        """The case of a bad rating just given, in the rating's transaction."""
        now = self.ctx.clock.now()
        due = deadline(hall, self.ctx.today(hall, now))
        case_id = await follow_ups.insert(con, hall=hall.id, rating_id=rating_id, day=self.ctx.today(hall, now),
                                          department=department, opened_at=now, deadline=due.day,
                                          warn_at=due.warn_at, due_at=due.due_at)
        await self._announce(con, hall, case_id, Kind.FOLLOW_UP_OPENED)

    async def listed(self, hall_id: str, state: State | None, first: date | None,
                     last: date | None) -> list[dict[str, Any]]:
        """Cases of rating days first..last: open ones (yellow and red too), closed, or overdue only."""
        hall, now = self.ctx.hall(hall_id), self.ctx.clock.now()
        closed = None if state is None else state is State.CLOSED
        async with self.ctx.pool.acquire() as con:
            rows = await follow_ups.listed(con, hall.id, first=first, last=last, closed=closed,
                                           due_by=now if state is State.OVERDUE else None)
        return [view(row, hall, now, managers=True) for row in rows]

    async def callback(self, principal: Principal, case_id: int, reached: bool, note: str) -> dict[str, Any]:
        """One callback attempt to the citizen (回访)."""
        async with self.ctx.transaction() as con:
            hall, case = await self._open(con, principal, case_id)
            if called_back(case, hall.ratings.follow_up.callback_attempts):
                raise Conflict("该差评已完成回访 (the citizen has been called back already)",
                               code="already_called_back")
            await follow_ups.add_callback(con, case_id, reached=reached, note=redacted(note) or "",
                                          by=principal.id, at=self.ctx.clock.now())
            await self._record(con, principal, case_id, Action.FOLLOW_UP_CALLBACK,
                               "reached" if reached else "not reached")
            return await self._stepped(con, hall, case_id, Kind.FOLLOW_UP_CALLED_BACK)

    async def fix(self, principal: Principal, case_id: int, note: str) -> dict[str, Any]:
        """What was done about it (整改), once."""
        async with self.ctx.transaction() as con:
            hall, case = await self._open(con, principal, case_id)
            if case["fix_at"] is not None:
                raise Conflict("该差评已登记整改 (the fix is recorded already)", code="already_fixed")
            await follow_ups.set_fix(con, case_id, note=redacted(note) or "", by=principal.id,
                                     at=self.ctx.clock.now())
            await self._record(con, principal, case_id, Action.FOLLOW_UP_FIX, None)
            return await self._stepped(con, hall, case_id, Kind.FOLLOW_UP_FIXED)

    async def _open(self, con: asyncpg.Connection, principal: Principal,
                    case_id: int) -> tuple[Hall, dict[str, Any]]:
        hall = self.ctx.hall(principal.hall)
        case = await follow_ups.get(con, hall.id, case_id, lock=True)
        if case is None:
            raise NotFound(f"unknown follow-up case {case_id}")
        if case["closed_at"] is not None:
            raise Conflict("该差评已办结 (the case is closed)", code="case_closed")
        return hall, case

    async def _record(self, con: asyncpg.Connection, principal: Principal, case_id: int, action: Action,
                      detail: str | None) -> None:
        await self.audit.append(con, Entry(principal.hall, action, Outcome.OK, actor=principal.id,
                                           subject=f"follow_up:{case_id}", detail=detail))

    async def _stepped(self, con: asyncpg.Connection, hall: Hall, case_id: int, kind: Kind) -> dict[str, Any]:
        """Announce a step; close the case when it completed the callback and the fix."""
        case = await self._announce(con, hall, case_id, kind)
        if case["fix_at"] is not None and called_back(case, hall.ratings.follow_up.callback_attempts):
            await follow_ups.close(con, case_id, self.ctx.clock.now())
            case = await self._announce(con, hall, case_id, Kind.FOLLOW_UP_CLOSED)
        return view(case, hall, self.ctx.clock.now(), managers=True)

    async def _announce(self, con: asyncpg.Connection, hall: Hall, case_id: int, kind: Kind) -> dict[str, Any]:
        case = await follow_ups.get(con, hall.id, case_id)
        assert case is not None  # written in this transaction
        now = self.ctx.clock.now()
        await events.append(con, hall.id, now, follow_up_event(kind, view(case, hall, now), zone=case["zone"]))
        return case
