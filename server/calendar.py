"""The hall calendar: which days a hall opens and when, the one answer every part asks.

A day is open by, most binding first:
1. the hall's own closures and extra days (`[calendar] closed`, `open`);
2. China's legal holidays (closed) and their 调休 make-up working days (open), as the
   State Council publishes them each year, from the `chinese-calendar` package
   (`[calendar] legal_holidays = false` for a hall that ignores them, a 365 service hall);
3. the hall's weekdays (`[hours] weekdays`).
A year the package has no data for yet falls back to the weekdays: its holidays are not
known until published, and the hall may list them as closures meanwhile.

Within an open day the hall opens for its sessions, as one span from the first start to the
last end with 午间不间断服务 (lunch_service). The windows may keep serving after closing
(延时服务) for citizens already waiting or booked; only issuing and booking ask this calendar.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

import chinese_calendar

from server.hall import Hall, Session

_SEARCH_DAYS = 400  # next_opening looks this far: a hall closed longer is closed
_HOLIDAY_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
_KNOWN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class DayReason(str, Enum):
    WORKDAY = "workday"  # one of the hall's weekdays
    WEEKEND = "weekend"  # not one of them
    LEGAL_HOLIDAY = "legal_holiday"  # 法定节假日
    MAKEUP_WORKDAY = "makeup_workday"  # 调休上班
    HALL_CLOSURE = "hall_closure"  # closed by the hall's own calendar
    HALL_EXTRA_DAY = "hall_extra_day"  # opened by the hall's own calendar


@dataclass(frozen=True)
class CalendarDay:
    day: date
    open: bool
    reason: DayReason
    holiday: str | None  # the legal holiday's name ("国庆节") on a holiday or its make-up day
    spans: tuple[Session, ...]  # when it is open: its sessions, merged over lunch with lunch_service

    def json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "open": self.open, "reason": self.reason.value,
                "holiday": self.holiday,
                "sessions": [[s.start.strftime("%H:%M"), s.end.strftime("%H:%M")] for s in self.spans]}


def legal_day(day: date) -> tuple[bool | None, str | None]:
    """(True: a legal holiday, False: a make-up working day, None: neither or not known; its name)."""
    if day.year not in _KNOWN_YEARS:
        return None, None
    name = chinese_calendar.holidays.get(day)
    if name is not None:
        return True, _HOLIDAY_NAMES.get(name, name)
    name = chinese_calendar.workdays.get(day)  # only the make-up days: weekends worked for a holiday
    if name is not None:
        return False, _HOLIDAY_NAMES.get(name, name)
    return None, None


def unknown_holiday_warnings(halls: Iterable[Hall], now: datetime) -> list[str]:
    """One line per hall following the legal holidays of a year within the next 60 days that the
    installed chinesecalendar does not know yet: `hallq serve` logs them at start."""
    lines = []
    for hall in halls:
        local = hall.local(now).date()
        years = sorted({local.year, (local + timedelta(days=60)).year} - set(_KNOWN_YEARS))
        if hall.calendar.legal_holidays and years:
            lines.append(f"hall {hall.id}: the legal holidays of {', '.join(map(str, years))} are not known to the"
                         " installed chinesecalendar: upgrade it, or list them in [calendar] closed and open")
    return lines


class HallCalendar:
    """One hall's calendar: pure, from its configuration and the published holidays."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        hours = hall.hours
        sessions = hours.sessions
        self._spans = ((Session(sessions[0].start, sessions[-1].end),) if hours.lunch_service and sessions
                       else sessions)

    def day(self, day: date) -> CalendarDay:
        opened, reason, holiday = self._decide(day)
        return CalendarDay(day, opened, reason, holiday, self._spans if opened else ())

    def _decide(self, day: date) -> tuple[bool, DayReason, str | None]:
        rules = self.hall.calendar
        holiday, name = legal_day(day) if rules.legal_holidays else (None, None)
        if day in rules.closed:
            return False, DayReason.HALL_CLOSURE, name
        if day in rules.extra_open:
            return True, DayReason.HALL_EXTRA_DAY, name
        if holiday is True:
            return False, DayReason.LEGAL_HOLIDAY, name
        if holiday is False:
            return True, DayReason.MAKEUP_WORKDAY, name
        if day.isoweekday() in self.hall.hours.weekdays:
            return True, DayReason.WORKDAY, None
        return False, DayReason.WEEKEND, None

    def is_open_day(self, day: date) -> bool:
        return self._decide(day)[0]

    def sessions(self, day: date) -> tuple[Session, ...]:
        """The configured sessions of an open day (slots lie inside them); none when closed."""
        return self.hall.hours.sessions if self.is_open_day(day) else ()

    def days(self, start: date, end: date) -> list[CalendarDay]:
        """Every day from `start` to `end`, both included."""
        return [self.day(start + timedelta(days=n)) for n in range((end - start).days + 1)]

    def is_open(self, moment: datetime) -> bool:
        """Whether the hall is open at `moment`: an open day, inside one of its spans."""
        local = self.hall.local(moment)
        if not self.is_open_day(local.date()):
            return False
        return any(span.start <= local.time() < span.end for span in self._spans)

    def next_opening(self, after: datetime) -> datetime | None:
        """When the hall next opens after `after` (the start of a span later than it), in hall time."""
        local = self.hall.local(after)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self.is_open_day(day):
                continue
            for span in self._spans:
                opening = datetime.combine(day, span.start, self.hall.timezone)
                if opening > local:
                    return opening
        return None

    def working_days_after(self, day: date, n: int) -> date:
        """The n-th open day after `day` (a deadline of n working days)."""
        return self._nth_open_day(day, n, 1)

    def working_days_before(self, day: date, n: int) -> date:
        """The n-th open day before `day` (`day` itself when n is 0)."""
        return self._nth_open_day(day, n, -1)

    def _nth_open_day(self, day: date, n: int, step: int) -> date:
        found, current = 0, day
        while found < n:
            current += timedelta(days=step)
            found += self.is_open_day(current)
            if abs((current - day).days) > _SEARCH_DAYS * max(1, n):
                raise ValueError(f"hall {self.hall.id} has no {n} open days from {day}")
        return current
