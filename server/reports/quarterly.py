"""季评比: the quarter's ranking from its months' assessments. A window's quarter points are the mean
of the months it was assessed in (a month it was not staffed neither helps nor hurts it); its
services are the quarter's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server import stats
from server.context import HallContext
from server.hall import Hall
from server.reports import period
from server.reports.monthly import figures, ranked_month
from server.reports.scores import WindowScore, places, unit_of
from server.reports.tables import Cell, Column, Table, field
from server.store import stats as stats_store


@dataclass
class QuarterlyReport:
    halls: list[Hall]
    quarter: period.Period
    months: list[period.Period]
    windows: list[dict[str, Any]]

    def public(self) -> dict[str, Any]:
        return {"halls": [h.id for h in self.halls], **self.quarter.public(),
                "months": [m.label for m in self.months], "windows": self.windows}

    def tables(self) -> list[Table]:
        columns = [Column("大厅", "Hall", Cell.TEXT, field("hall_name")),
                   Column("窗口", "Window", Cell.COUNT, field("window")),
                   Column("单位", "Unit", Cell.TEXT, field("unit")), Column("排名", "Rank", Cell.COUNT, field("rank")),
                   Column("季度得分", "Quarter points", Cell.POINTS, field("points")),
                   *[Column(f"{m.label} 得分", f"{m.label} points", Cell.POINTS, field("months", m.label))
                     for m in self.months],
                   Column("办结量", "Served", Cell.COUNT, field("served")),
                   Column("满意率", "Satisfaction", Cell.SHARE, field("ratings", "satisfaction")),
                   Column("红旗窗口", "Red flag", Cell.FLAG, field("red_flag"))]
        return [Table(f"季度评比 {self.quarter.label}", columns, self.public()["windows"])]


def _row(key: tuple[str, int], monthly: list[tuple[str, WindowScore]], services: stats.GroupStats) -> dict[str, Any]:
    hall, window = monthly[0][1].hall, monthly[0][1].window
    totals = {label: item.points.total for label, item in monthly}
    return {"hall": key[0], "hall_name": hall.name, "window": key[1], "unit": unit_of(hall, window),
            "zone": window.zone, "months": totals, "points": round(sum(totals.values()) / len(totals), 2),
            **figures(services)}


async def quarterly(ctx: HallContext, halls: list[Hall], quarter: period.Period) -> QuarterlyReport:
    now = ctx.clock.now()
    today = ctx.today(halls[0], now)
    months = [m for m in quarter.months() if m.first <= today]
    scored: dict[tuple[str, int], list[tuple[str, WindowScore]]] = {}
    services: dict[tuple[str, int], stats.GroupStats] = {}
    async with ctx.pool.acquire() as con:
        for month in months:
            for item in await ranked_month(con, halls, month, now):
                scored.setdefault(item.key, []).append((month.label, item))
        for hall in halls:
            rows = await stats_store.servings_by(con, hall.id, quarter.first, quarter.last,
                                                 stats.Grouping.WINDOW.value,
                                                 {s.code: s.department for s in hall.services}, now)
            services.update({(hall.id, int(r["key"])): stats.group_of(r) for r in rows})
    rows = [_row(key, items, services.get(key) or stats.GroupStats.empty(str(key[1])))
            for key, items in scored.items()]
    rows.sort(key=lambda r: (-r["points"], r["hall"], r["window"]))
    rules = halls[0].assessment
    for row, place in zip(rows, places([r["points"] for r in rows]), strict=True):
        row["rank"], row["red_flag"] = place, place <= rules.red_flag_windows
    return QuarterlyReport(halls, quarter, months, rows)
