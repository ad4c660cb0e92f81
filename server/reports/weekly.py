"""周公示: the weekly public ranking of windows and units, comparing like with like.

A window that handles long matters is not ranked below one that hands out forms: it is ranked by
its satisfaction, then by its handling index — the handling time its stays took against the
typical time of their services (`typical_minutes` of the hall file; 1.00 is typical, below is
quicker) — then by its citizens' mean wait. Services finished are shown, never ranked on. Nothing
personal: windows and units only, no staff.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from server import stats
from server.context import HallContext
from server.hall import Hall
from server.reports import period
from server.reports.scores import places, unit_of
from server.reports.tables import Cell, Column, Table, field
from server.store import assessment as store
from server.store import stats as stats_store


def handling_index(hall: Hall, rows: Iterable[Any]) -> float | None:
    """Handling seconds of the stays against their services' typical seconds, rounded to 0.01."""
    spent = typical = 0.0
    for row in rows:
        service = hall.service(row["service"])
        if service is not None:
            spent += row["handling_s"]
            typical += row["handled"] * service.typical_minutes * 60
    return round(spent / typical, 2) if typical else None


def _shown(hall: Hall, group: stats.GroupStats, index: float | None) -> dict[str, Any]:
    ratings = group.ratings.public(group.served)
    return {"hall": hall.id, "hall_name": hall.name, "served": group.served, "valid": ratings["valid"],
            "satisfaction": ratings["satisfaction"], "waiting_mean_s": group.waiting.mean_s,
            "handling_mean_s": group.handling.mean_s, "handling_index": index}


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def merit(row: dict[str, Any]) -> tuple[Any, ...]:
        satisfaction, index, wait = row["satisfaction"], row["handling_index"], row["waiting_mean_s"]
        return (satisfaction is None, -(satisfaction or 0), index is None, index or 0, wait is None, wait or 0)
    rows.sort(key=lambda r: (merit(r), r["hall"], r.get("window", 0), r.get("unit", "")))
    for row, place in zip(rows, places([merit(r) for r in rows]), strict=True):
        row["rank"] = place
    return rows


async def _groups(con: asyncpg.Connection, hall: Hall, week: period.Period, by: stats.Grouping,
                  now: Any) -> list[stats.GroupStats]:
    rows = await stats_store.servings_by(con, hall.id, week.first, week.last, by.value,
                                         {s.code: s.department for s in hall.services}, now)
    return [g for g in (stats.group_of(r) for r in rows) if g.served]


@dataclass
class WeeklyReport:
    halls: list[Hall]
    week: period.Period
    windows: list[dict[str, Any]]
    units: list[dict[str, Any]]

    def public(self) -> dict[str, Any]:
        return {"halls": [{"id": h.id, "name": h.name} for h in self.halls], **self.week.public(),
                "windows": self.windows, "units": self.units}

    def tables(self) -> list[Table]:
        return [Table(f"窗口周公示 {self.week.label}", [_RANK, Column("窗口", "Window", Cell.COUNT, field("window")),
                                                      Column("单位", "Unit", Cell.TEXT, field("unit")), *_COLUMNS],
                      self.windows),
                Table(f"单位周公示 {self.week.label}", [_RANK, Column("单位", "Unit", Cell.TEXT, field("unit")),
                                                      *_COLUMNS], self.units)]


_RANK = Column("排名", "Rank", Cell.COUNT, field("rank"))
_COLUMNS = [Column("大厅", "Hall", Cell.TEXT, field("hall_name")),
            Column("满意率", "Satisfaction", Cell.SHARE, field("satisfaction")),
            Column("有效评价数", "Ratings", Cell.COUNT, field("valid")),
            Column("办理时长指数", "Handling index", Cell.POINTS, field("handling_index")),
            Column("平均等候（分钟）", "Mean wait (min)", Cell.MINUTES, field("waiting_mean_s")),
            Column("办结量", "Served", Cell.COUNT, field("served"))]


async def weekly(ctx: HallContext, halls: list[Hall], week: period.Period) -> WeeklyReport:
    now = ctx.clock.now()
    windows, units = [], []
    async with ctx.pool.acquire() as con:
        for hall in halls:
            handled = await store.handling_by_service(con, hall.id, week.first, week.last)
            for group in await _groups(con, hall, week, stats.Grouping.WINDOW, now):
                number = int(group.key or 0)
                window = hall.window(number)
                index = handling_index(hall, (r for r in handled if r["window_no"] == number))
                windows.append({**_shown(hall, group, index), "window": number, "zone": window and window.zone,
                                "unit": unit_of(hall, window) if window else ""})
            for group in await _groups(con, hall, week, stats.Grouping.DEPARTMENT, now):
                mine = [r for r in handled if (s := hall.service(r["service"])) and s.department == group.key]
                units.append({**_shown(hall, group, handling_index(hall, mine)), "unit": group.key})
    return WeeklyReport(halls, week, ranked(windows), ranked(units))
