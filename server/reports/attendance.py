"""Attendance observed at the windows, from their sign-ins, sign-outs and pauses against the hall's
sessions on its working days.

Per session of a working day that has ended, for a window held at some time in the period:
    half day absent   the window was not signed in at any moment of the session
    late arrival      first signed in after the session's start + late_grace
    early leave       last signed out before the session's end - early_grace
    脱岗 (away)        a stretch longer than away_after, between the first sign-in and the last
                      sign-out, that the window was signed out or paused for a reason not excused
The configured sessions are used as they are, also in a hall serving through lunch: the gap
between them is nobody's attendance. Who held a window how long is kept for 优秀服务标兵.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import asyncpg

from server.hall import AssessmentRules, Hall
from server.model import WindowStateName
from server.store import staffing as store

CLOSED, PAUSED = WindowStateName.CLOSED.value, WindowStateName.PAUSED.value


@dataclass(frozen=True)
class Change:
    """A window's state after one of its duty changes."""

    at: datetime
    state: str
    pause_reason: str | None = None
    staff_id: str | None = None


@dataclass(frozen=True)
class Attendance:
    sessions: int = 0  # sessions counted (ended, on working days)
    late: int = 0
    early_leaves: int = 0
    away: int = 0  # 脱岗
    away_minutes: float = 0.0  # all of those stretches
    half_days_absent: int = 0
    held_s: dict[str, float] = field(default_factory=dict)  # staff id -> seconds signed in during sessions

    def __add__(self, other: Attendance) -> Attendance:
        held = dict(self.held_s)
        for staff, seconds in other.held_s.items():
            held[staff] = held.get(staff, 0.0) + seconds
        return Attendance(self.sessions + other.sessions, self.late + other.late,
                          self.early_leaves + other.early_leaves, self.away + other.away,
                          self.away_minutes + other.away_minutes, self.half_days_absent + other.half_days_absent,
                          held)

    @property
    def present(self) -> bool:
        """Signed in at some session: the window is assessed."""
        return self.sessions > self.half_days_absent

    def longest_holder(self) -> str | None:
        return max(sorted(self.held_s), key=lambda s: self.held_s[s]) if self.held_s else None

    def public(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "late": self.late, "early_leaves": self.early_leaves, "away": self.away,
                "away_minutes": round(self.away_minutes, 1), "half_days_absent": self.half_days_absent}


@dataclass(frozen=True)
class _Stretch:
    start: datetime
    end: datetime
    change: Change

    @property
    def signed_in(self) -> bool:
        return self.change.state != CLOSED


def _stretches(changes: Sequence[Change], start: datetime, end: datetime) -> list[_Stretch]:
    """The session cut into stretches of one state, from the state it began in."""
    before = [c for c in changes if c.at <= start]
    current = before[-1] if before else Change(start, CLOSED)
    stretches, since = [], start
    for change in (c for c in changes if start < c.at < end):
        if change.at > since:
            stretches.append(_Stretch(since, change.at, current))
        current, since = change, change.at
    stretches.append(_Stretch(since, end, current))
    return stretches


def _away(stretch: _Stretch, rules: AssessmentRules) -> bool:
    change = stretch.change
    return change.state == CLOSED or (change.state == PAUSED and change.pause_reason not in rules.excused_pauses)


def session(changes: Sequence[Change], start: datetime, end: datetime, rules: AssessmentRules) -> Attendance:
    """One window's attendance in one session."""
    stretches = _stretches(changes, start, end)
    signed = [s for s in stretches if s.signed_in]
    if not signed:
        return Attendance(sessions=1, half_days_absent=1)
    first_in, last_out = signed[0].start, signed[-1].end
    away_spans: list[list[datetime]] = []
    for stretch in stretches:
        if not (first_in <= stretch.start and stretch.end <= last_out and _away(stretch, rules)):
            continue
        if away_spans and away_spans[-1][1] == stretch.start:  # a pause then a sign-out: one time away
            away_spans[-1][1] = stretch.end
        else:
            away_spans.append([stretch.start, stretch.end])
    held: dict[str, float] = {}
    for stretch in signed:
        staff = stretch.change.staff_id or ""
        held[staff] = held.get(staff, 0.0) + (stretch.end - stretch.start).total_seconds()
    return Attendance(
        sessions=1, late=int(first_in > start + rules.late_grace), early_leaves=int(last_out < end - rules.early_grace),
        away=sum(1 for a, b in away_spans if b - a > rules.away_after),
        away_minutes=sum((b - a).total_seconds() for a, b in away_spans) / 60, held_s=held)


def sessions_of(hall: Hall, days: Iterable[date], now: datetime) -> list[tuple[datetime, datetime]]:
    """The configured sessions of `days` that have ended by `now`."""
    found = []
    for day in days:
        for s in hall.hours.sessions:
            start, end = (datetime.combine(day, s.start, hall.timezone), datetime.combine(day, s.end, hall.timezone))
            if end <= now:
                found.append((start, end))
    return found


def of_window(changes: Sequence[Change], sessions: Sequence[tuple[datetime, datetime]],
              rules: AssessmentRules) -> Attendance:
    total = Attendance()
    for start, end in sessions:
        total = total + session(changes, start, end, rules)
    return total


async def observed(con: asyncpg.Connection, hall: Hall, days: Sequence[date], now: datetime) -> dict[int, Attendance]:
    """Every window held at some session of `days` (working days), with its attendance over them."""
    sessions = sessions_of(hall, days, now)
    if not sessions:
        return {}
    rows = await store.duty_changes(con, hall.id, [w.number for w in hall.windows], sessions[0][0],
                                    sessions[-1][1])
    changes: dict[int, list[Change]] = {}
    for row in rows:
        changes.setdefault(row["window_no"], []).append(
            Change(row["at"], row["state"], row["pause_reason"], row["staff_id"]))
    found = {number: of_window(steps, sessions, hall.assessment) for number, steps in changes.items()}
    return {number: replace(a, held_s={k: v for k, v in a.held_s.items() if k})
            for number, a in sorted(found.items()) if a.present}
