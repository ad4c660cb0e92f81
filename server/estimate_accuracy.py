"""How close the wait told at issue came to the wait each citizen then had.

Every issue answer tells an estimated wait (`estimated_wait_minutes`); issuing stores
it on the ticket in the same transaction (server/issuing.py), so what is measured is
exactly what was told. Over the tickets of business days `from`..`to` that were told
an estimate and were called at least once (docs/statistics.md says the same):

    actual             first_called_at - issued_at, in minutes
    error              estimate - actual: negative when the wait told was too short
    tickets            how many were measured
    mae_min            mean |error|
    bias_min           mean error
    p90_abs_error_min  PostgreSQL's percentile_cont(0.9) of |error|
    within_5           tickets with |error| at most 5 minutes; within_5_share their share

A ticket counts for the zone and service of the queue it was told the estimate for,
and for its business day. Minutes are rounded to 0.01, shares as in server/stats.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from server.context import HallContext
from server.hall import Hall
from server.stats import DayRange, parse_by, share
from server.store import stats

WITHIN_MINUTES = 5  # an estimate this close to the wait counts as right: the figures `within_5`


class Grouping(str, Enum):
    ZONE = "zone"
    SERVICE = "service"
    DAY = "day"  # the business day, YYYY-MM-DD
    HALL = "hall"  # the whole hall: one group, keyed by the hall's id

    @classmethod
    def parse(cls, raw: str | None) -> Grouping:
        return parse_by(raw, cls.ZONE)


def _minutes(value: float) -> float:
    return round(value, 2) + 0.0  # never -0.0


@dataclass(frozen=True)
class Accuracy:
    """One group's estimates against its waits."""

    key: str
    tickets: int
    mae_min: float
    bias_min: float
    p90_abs_error_min: float
    within: int

    def public(self) -> dict[str, Any]:
        return {"key": self.key, "tickets": self.tickets, "mae_min": self.mae_min, "bias_min": self.bias_min,
                "p90_abs_error_min": self.p90_abs_error_min, "within_5": self.within,
                "within_5_share": share(self.within, self.tickets)}


@dataclass(frozen=True)
class AccuracyReport:
    by: Grouping
    days: DayRange
    groups: list[Accuracy]

    def public(self) -> dict[str, Any]:
        return {"by": self.by.value, **self.days.public(), "within_minutes": WITHIN_MINUTES,
                "groups": [g.public() for g in self.groups]}


async def report(ctx: HallContext, hall: Hall, by: Grouping, days: DayRange) -> AccuracyReport:
    """The groups that have a ticket measured, ordered by key; none when nothing was."""
    async with ctx.pool.acquire() as con:
        rows = await stats.estimate_errors_by(con, hall.id, days.first, days.last, by.value, WITHIN_MINUTES)
    return AccuracyReport(by, days, [
        Accuracy(r["key"], r["tickets"], _minutes(r["mae"]), _minutes(r["bias"]), _minutes(r["p90_abs"]),
                 r["within"])
        for r in rows
    ])
