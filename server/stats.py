"""Waiting and handling times per window, staff member, service and zone, and
the window ranking behind 周公示、月通报、季评比.

Definitions (docs/statistics.md says the same at more length):

Per ticket
    waiting   = issued_at -> first_called_at
    walk-up   = first call -> start of service (the first stay that started)
    handling  = start of service -> finished_at

Per window / staff / service / zone / the whole hall, from the ticket's stays at windows (the
`servings` rows: one per call of a ticket to a window until its outcome)
    served       stays that ended done
    transferred  stays that ended transferred (转办), counted apart from served
    no_shows     stays that ended no_show (过号)
    waiting      queued_at -> called_at of every stay: the wait in the queue the
                 ticket was called from, so after a transfer it counts from the
                 transfer, not from the issue
    walk-up      called_at -> started_at of the stays that started
    handling     started_at -> ended_at of the stays that started and ended
                 done or transferred
A stay belongs to the window and staff member that called it and to the
service and zone it was queued for, and to its service's department.

好差评 per group, from the ratings of its stays (server/ratings.py: one per stay ended done)
    valid         有效评价数: stays rated
    valid_rate    有效评价率: valid / served
    satisfaction  满意率: ratings 非常满意 or 满意 / valid
    bad           差评数: ratings 不满意 or 非常不满意
    follow_up_due       bad ratings whose case is due: closed, or past its deadline now
    follow_up_on_time   of those, closed (called back and fixed) by their deadline
    follow_up_rate      差评按时回访整改率: follow_up_on_time / follow_up_due
A stay without a rating (未评价) counts in none of them but served.

Per service / zone / department / the whole hall, from the tickets issued for its services
    tickets           tickets issued on the days
    unserved          of those, left unserved at closing (server/close_out.py): 未办理
    abandonment_rate  unserved / tickets
A window or staff member has no tickets of its own: both counts are null there. Shares are
fractions rounded to 4 places, null where there is nothing to divide by. Means are arithmetic means, p90 is
PostgreSQL's percentile_cont(0.9) (linear interpolation between the two
nearest values); seconds are rounded to 0.1 s, and null where a group has
nothing to measure.

Reports cover whole business days (the hall's local day of the stay), from
`from` to `to` inclusive, at most 366 days.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import Any, TypeVar

from server.context import HallContext
from server.errors import BadRequest, Unprocessable
from server.hall import Hall
from server.store import stats

MAX_RANGE_DAYS = 366
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Grouping(str, Enum):
    WINDOW = "window"
    STAFF = "staff"
    SERVICE = "service"
    ZONE = "zone"
    DEPARTMENT = "department"  # of the stay's service
    HALL = "hall"  # the whole hall: one group, keyed by the hall's id

    @classmethod
    def parse(cls, raw: str | None) -> Grouping:
        return parse_by(raw, cls.WINDOW)


Choice = TypeVar("Choice", bound=Enum)


def parse_by(raw: str | None, default: Choice) -> Choice:
    """A report's `by`: one of the values of the default's enum, the default when not given."""
    if raw is None:
        return default
    kind = type(default)
    try:
        return kind(raw)
    except ValueError:
        choices = "|".join(g.value for g in kind)
        raise BadRequest(f"by: must be one of {choices}, got {raw!r}", code="bad_parameter") from None


@dataclass(frozen=True)
class DayRange:
    """Business days first..last, both included."""

    first: date
    last: date

    @classmethod
    def parse(cls, raw_from: str | None, raw_to: str | None, today: date) -> DayRange:
        """`to` defaults to today and `from` to `to`, so no parameters mean today."""
        last = parse_day("to", raw_to) if raw_to is not None else today
        first = parse_day("from", raw_from) if raw_from is not None else last
        if first > last:
            raise Unprocessable(f"from: {first} is after to: {last}", code="bad_range")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise Unprocessable(f"from..to: covers {(last - first).days + 1} days, at most {MAX_RANGE_DAYS}",
                                code="bad_range")
        return cls(first, last)

    def public(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def parse_day(name: str, raw: str) -> date:
    if _ISO_DAY.match(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise BadRequest(f"{name}: must be a date as YYYY-MM-DD, got {raw!r}", code="bad_parameter")


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class Timing:
    mean_s: float | None
    p90_s: float | None = None


def share(part: int, whole: int) -> float | None:
    """part / whole as the reports give shares: rounded to 4 places, None when whole is 0."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class RatingFigures:
    valid: int  # 有效评价数
    satisfied: int  # 非常满意 and 满意
    bad: int  # 差评数
    levels: dict[str, int]  # ratings per level, best first
    cases_due: int = 0  # bad ratings whose follow-up is due: closed, or past its deadline
    cases_on_time: int = 0  # of those, closed by their deadline

    def public(self, served: int) -> dict[str, Any]:
        return {"valid": self.valid, "valid_rate": share(self.valid, served),
                "satisfaction": share(self.satisfied, self.valid), "bad": self.bad, "levels": self.levels,
                "follow_up_due": self.cases_due, "follow_up_on_time": self.cases_on_time,
                "follow_up_rate": share(self.cases_on_time, self.cases_due)}


NO_RATINGS = RatingFigures(0, 0, 0, dict.fromkeys(stats.RATING_LEVELS, 0))


@dataclass(frozen=True)
class GroupStats:
    key: str | None
    served: int
    transferred: int
    no_shows: int
    waiting: Timing
    handling: Timing
    walk_up: Timing
    ratings: RatingFigures = NO_RATINGS
    tickets: int | None = None  # issued for the group's services; None: a window's or staff member's group
    unserved: int | None = None  # of those, left unserved at closing

    @classmethod
    def empty(cls, key: str) -> GroupStats:
        """A group with nothing to count: no stay at all."""
        return cls(key, 0, 0, 0, Timing(None, None), Timing(None, None), Timing(None))

    def public(self) -> dict[str, Any]:
        return {
            "key": self.key, "served": self.served, "transferred": self.transferred, "no_shows": self.no_shows,
            "waiting": {"mean_s": self.waiting.mean_s, "p90_s": self.waiting.p90_s},
            "handling": {"mean_s": self.handling.mean_s, "p90_s": self.handling.p90_s},
            "walk_up": {"mean_s": self.walk_up.mean_s},
            "ratings": self.ratings.public(self.served),
            "tickets": self.tickets, "unserved": self.unserved,
            "abandonment_rate": share(self.unserved, self.tickets) if self.unserved is not None and self.tickets
            else None,
        }


@dataclass(frozen=True)
class Report:
    by: Grouping
    days: DayRange
    groups: list[GroupStats]

    def public(self) -> dict[str, Any]:
        return {"by": self.by.value, **self.days.public(), "groups": [g.public() for g in self.groups]}


@dataclass(frozen=True)
class RankedWindow:
    rank: int
    window: int
    stats: GroupStats

    def public(self) -> dict[str, Any]:
        return {"rank": self.rank, "window": self.window, "served": self.stats.served,
                "transferred": self.stats.transferred, "no_shows": self.stats.no_shows,
                "handling": {"mean_s": self.stats.handling.mean_s}}


@dataclass(frozen=True)
class Ranking:
    days: DayRange
    windows: list[RankedWindow]

    def public(self) -> dict[str, Any]:
        return {**self.days.public(), "windows": [w.public() for w in self.windows]}


async def report(ctx: HallContext, hall: Hall, by: Grouping, days: DayRange) -> Report:
    departments = {s.code: s.department for s in hall.services}
    async with ctx.pool.acquire() as con:
        rows = await stats.servings_by(con, hall.id, days.first, days.last, by.value, departments, ctx.clock.now())
        issued = ({r["key"]: r for r in await stats.tickets_by(con, hall.id, days.first, days.last, by.value,
                                                                departments)}
                  if by.value in stats.TICKET_GROUP_COLUMNS else None)
    groups = {r["key"]: group_of(r) for r in rows}
    if issued is not None:
        for key, counts in issued.items():  # a group with tickets but no stay comes after those with stays
            group = groups.get(key) or GroupStats.empty(key)
            groups[key] = replace(group, tickets=counts["tickets"], unserved=counts["unserved"])
        groups = {key: g if g.tickets is not None else replace(g, tickets=0, unserved=0)
                  for key, g in groups.items()}
    return Report(by, days, list(groups.values()))


def group_of(r: Any) -> GroupStats:
    """One group's figures from its row of store.stats.servings_by."""
    return GroupStats(
        key=r["key"], served=r["served"], transferred=r["transferred"], no_shows=r["no_shows"],
        waiting=Timing(_seconds(r["waiting_mean"]), _seconds(r["waiting_p90"])),
        handling=Timing(_seconds(r["handling_mean"]), _seconds(r["handling_p90"])),
        walk_up=Timing(_seconds(r["walk_up_mean"])),
        ratings=RatingFigures(r["rated"], r["satisfied"], r["bad"],
                              {level: r[f"level_{level}"] for level in stats.RATING_LEVELS},
                              r["cases_due"], r["cases_on_time"]),
    )


async def ranking(ctx: HallContext, hall: Hall, days: DayRange) -> Ranking:
    """Windows by served count (most first), then mean handling time (quickest first).

    Windows equal on both share a rank, and the next rank skips (1, 1, 3).
    """
    groups = (await report(ctx, hall, Grouping.WINDOW, days)).groups

    def merit(g: GroupStats) -> tuple[int, float]:
        handling = g.handling.mean_s
        return -g.served, handling if handling is not None else float("inf")

    def window_no(g: GroupStats) -> int:
        assert g.key is not None  # servings.window_no is NOT NULL
        return int(g.key)

    ranked: list[RankedWindow] = []
    for place, group in enumerate(sorted(groups, key=lambda g: (merit(g), window_no(g))), start=1):
        tied = bool(ranked) and merit(ranked[-1].stats) == merit(group)
        ranked.append(RankedWindow(ranked[-1].rank if tied else place, window_no(group), group))
    return Ranking(days, ranked)


async def ticket_times(ctx: HallContext, ticket_id: int) -> dict[str, float | None]:
    """One ticket's waiting, walk-up and handling seconds; null until each step happened."""
    async with ctx.pool.acquire() as con:
        row = await stats.ticket_times(con, ticket_id)
    return {f"{name}_s": _seconds(row[name]) for name in ("waiting", "walk_up", "handling")}
