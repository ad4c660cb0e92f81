"""A month's assessment of every window a hall had staffed: what was observed and entered, the
points, and their ranking across the halls a report covers (with the 红旗窗口 and the bottom
flagged). The monthly and quarterly reports and the accountability rule all read these."""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from server import stats
from server.hall import AssessmentRules, Hall, Window
from server.reports import attendance, period
from server.reports.assessment import Points, entered_counts, observed_counts, score
from server.store import assessment as entries
from server.store import stats as stats_store

UNIVERSAL_UNIT = "综合受理窗口"


def unit_of(hall: Hall, window: Window) -> str:
    """The unit (department) a window works for: that of most of its services (the first listed on a tie);
    a universal window is its own, by its label."""
    if window.universal:
        return window.label or UNIVERSAL_UNIT
    departments = [s.department for s in (hall.service(r.service) for r in window.profile) if s is not None]
    return Counter(departments).most_common(1)[0][0] if departments else window.label


@dataclass
class WindowScore:
    hall: Hall
    window: Window
    attendance: attendance.Attendance
    figures: stats.GroupStats
    entered: dict[str, float]
    points: Points
    rank: int = 0
    red_flag: bool = False
    bottom: bool = False  # among the bottom windows, below bottom_below
    history: dict[str, Any] = field(default_factory=dict)  # the accountability rule, where tracked

    @property
    def key(self) -> tuple[str, int]:
        return self.hall.id, self.window.number

    @property
    def unit(self) -> str:
        return unit_of(self.hall, self.window)

    @property
    def late_follow_ups(self) -> int:
        ratings = self.figures.ratings
        return ratings.cases_due - ratings.cases_on_time


async def month_scores(con: asyncpg.Connection, hall: Hall, month: period.Period, now: datetime) -> list[WindowScore]:
    """Every window held at some session of the month, or given an entry in it, with its points."""
    held = await attendance.observed(con, hall, period.working_days(hall, month), now)
    rows = await stats_store.servings_by(con, hall.id, month.first, month.last, stats.Grouping.WINDOW.value,
                                         {s.code: s.department for s in hall.services}, now)
    figures = {int(g.key or 0): g for g in (stats.group_of(r) for r in rows)}
    by_window: dict[int, list[Any]] = {}
    for row in await entries.of_months(con, hall.id, [month.first]):
        by_window.setdefault(row["window_no"], []).append(row)
    found = []
    for number in sorted(set(held) | set(by_window)):
        window = hall.window(number)
        if window is None:  # a window since removed from the hall file
            continue
        group = figures.get(number) or stats.GroupStats.empty(str(number))
        seen = held.get(number, attendance.Attendance())
        entered = entered_counts(by_window.get(number, []))
        late = group.ratings.cases_due - group.ratings.cases_on_time
        points = score({**observed_counts(seen, late), **entered}, hall.assessment)
        found.append(WindowScore(hall, window, seen, group, entered, points))
    return found


def places(merits: Sequence[Hashable]) -> list[int]:
    """The ranks of items in order of merit: equal merits share a rank and the next skips (1, 1, 3)."""
    found: list[int] = []
    for place, merit in enumerate(merits, start=1):
        found.append(found[-1] if place > 1 and merits[place - 2] == merit else place)
    return found


def rank(scores: Sequence[WindowScore], rules: AssessmentRules) -> list[WindowScore]:
    """Most points first (ties share a rank, the next skips); the top red_flag_windows are 红旗窗口,
    the last `bottom` below bottom_below are flagged."""
    ordered = sorted(scores, key=lambda s: (-s.points.total, s.hall.id, s.window.number))
    for item, place in zip(ordered, places([s.points.total for s in ordered]), strict=True):
        item.rank, item.red_flag = place, place <= rules.red_flag_windows
    for item in ordered[-rules.bottom:]:
        item.bottom = item.points.total < rules.bottom_below and not item.red_flag
    return ordered
