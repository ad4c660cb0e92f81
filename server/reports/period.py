"""A report's period: an ISO week (2026-W48), a month (2026-11) or a quarter (2026-Q4), its days
and, on the hall calendar, its working days."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from server.calendar import HallCalendar
from server.errors import BadRequest
from server.hall import Hall
from server.stats import DayRange


class Span(str, Enum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


_SHAPES = {Span.WEEK: (re.compile(r"^(\d{4})-W(\d{2})$"), "YYYY-Www"),
           Span.MONTH: (re.compile(r"^(\d{4})-(\d{2})$"), "YYYY-MM"),
           Span.QUARTER: (re.compile(r"^(\d{4})-Q(\d)$"), "YYYY-Qn")}


@dataclass(frozen=True)
class Period:
    span: Span
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.span is Span.WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.span is Span.MONTH:
            return self.first.strftime("%Y-%m")
        return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"

    @property
    def days(self) -> DayRange:
        return DayRange(self.first, self.last)

    def months(self) -> list[Period]:
        """The months of a quarter (a month is its own)."""
        starts = [self.first.replace(month=self.first.month + n) for n in range(3)] if self.span is Span.QUARTER \
            else [self.first]
        return [month_of(start) for start in starts]

    def previous(self) -> Period:
        return of(self.span, self.first - timedelta(days=1))

    def public(self) -> dict[str, str]:
        return {"period": self.label, "span": self.span.value, **self.days.public()}


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(Span.MONTH, first, following - timedelta(days=1))


def of(span: Span, day: date) -> Period:
    """The period of `span` holding `day`."""
    if span is Span.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(span, monday, monday + timedelta(days=6))
    if span is Span.MONTH:
        return month_of(day)
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return Period(span, first, month_of(first.replace(month=first.month + 2)).last)


def parse(span: Span, raw: str | None, today: date, name: str = "period") -> Period:
    """`period` (or the field `name`) of its span's shape; absent, the month or quarter of today, or
    the last full week (a week is published once it is over)."""
    if raw is None:
        return of(span, today - timedelta(days=7)) if span is Span.WEEK else of(span, today)
    pattern, shape = _SHAPES[span]
    found = pattern.match(raw)
    try:
        if found is None:
            raise ValueError
        year, number = int(found[1]), int(found[2])
        if span is Span.WEEK:
            return of(span, date.fromisocalendar(year, number, 1))
        if span is Span.MONTH:
            return of(span, date(year, number, 1))
        if not 1 <= number <= 4:
            raise ValueError
        return of(span, date(year, 3 * number - 2, 1))
    except ValueError:
        raise BadRequest(f"{name}: must be a {span.value} as {shape}, got {raw!r}", code="bad_parameter") from None


def working_days(hall: Hall, period: Period) -> list[date]:
    """The days of the period the hall opens, on its calendar (legal holidays and 调休 included)."""
    return [d.day for d in HallCalendar(hall).days(period.first, period.last) if d.open]
