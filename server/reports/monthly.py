"""月通报: the monthly report of the halls a manager covers, per window and unit: services, waiting
and handling (mean, p90), no-shows, transfers, 好差评 and 差评整改, summons, attendance and the
100-point assessment, ranked, with 红旗窗口, 优秀服务标兵, the bottom flagged and the accountability
rule tracked over the twelve months up to it (docs/reports.md)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from server import stats
from server.context import HallContext
from server.hall import AssessmentRules, Hall
from server.reports import period
from server.reports.scores import WindowScore, month_scores, places, rank
from server.reports.tables import Cell, Column, Table, field
from server.store import assessment as assessment_store
from server.store import stats as stats_store
from server.summons import Summons

HISTORY_MONTHS = 12  # "three times in the bottom three within a year"


def figures(group: stats.GroupStats) -> dict[str, Any]:
    """Services, waiting, handling and 好差评 of a window or unit, as the stats report gives them."""
    shown = group.public()
    shown.pop("key")
    return shown


def window_row(item: WindowScore) -> dict[str, Any]:
    return {"hall": item.hall.id, "hall_name": item.hall.name, "window": item.window.number,
            "label": item.window.label, "unit": item.unit, "zone": item.window.zone, **figures(item.figures),
            "late_follow_ups": item.late_follow_ups, "attendance": item.attendance.public(), "entered": item.entered,
            "points": item.points.public(), "rank": item.rank, "red_flag": item.red_flag, "bottom": item.bottom,
            "accountability": item.history}


def accountability(key: tuple[str, int], months: list[list[WindowScore]], rules: AssessmentRules) -> dict[str, Any]:
    """How often the window was flagged in the months (oldest first, the report's last), and how many
    months in a row up to the last it stayed below bottom_below."""
    rows = [{s.key: s for s in month}.get(key) for month in months]
    times = sum(1 for s in rows if s is not None and s.bottom)
    in_a_row = 0
    for s in reversed(rows):
        if s is None or s.points.total >= rules.bottom_below:
            break
        in_a_row += 1
    return {"bottom_times": times, "below_in_a_row": in_a_row,
            "due": times >= rules.bottom_times or in_a_row >= rules.below_in_a_row}


async def ranked_month(con: asyncpg.Connection, halls: list[Hall], month: period.Period,
                       now: datetime) -> list[WindowScore]:
    """The windows of all the halls in one ranking, by the first hall's rules."""
    scores = [s for hall in halls for s in await month_scores(con, hall, month, now)]
    return rank(scores, halls[0].assessment)


async def history(con: asyncpg.Connection, halls: list[Hall], month: period.Period,
                  now: datetime) -> list[list[WindowScore]]:
    """The rankings of the twelve months up to `month` (oldest first), none before the halls' first duty."""
    first_duty = min((at for at in [await assessment_store.first_duty(con, h.id) for h in halls] if at), default=None)
    months: list[period.Period] = []
    current = month
    for _ in range(HISTORY_MONTHS):
        months.insert(0, current)
        current = current.previous()
    start = halls[0].local(first_duty).date() if first_duty else month.first
    return [await ranked_month(con, halls, m, now) if m.last >= start or m == month else [] for m in months]


@dataclass
class MonthlyReport:
    halls: list[Hall]
    month: period.Period
    windows: list[WindowScore]
    units: list[dict[str, Any]]
    summons: list[dict[str, Any]]

    def public(self) -> dict[str, Any]:
        rules = self.halls[0].assessment
        windows = [window_row(w) for w in self.windows]
        top = [w for w in self.windows if w.red_flag]
        return {"halls": [h.id for h in self.halls], **self.month.public(), "windows": windows, "units": self.units,
                "summons": self.summons,
                "red_flag_windows": [{"hall": w.hall.id, "window": w.window.number} for w in top],
                "model_staff": model_staff(self.windows, rules),
                "bottom": [{"hall": w.hall.id, "window": w.window.number, "points": w.points.total}
                           for w in self.windows if w.bottom],
                "accountability": [{"hall": w.hall.id, "window": w.window.number, **w.history}
                                   for w in self.windows if w.history.get("due")]}

    def tables(self) -> list[Table]:
        answer = self.public()
        return [Table(f"窗口考核 {self.month.label}", WINDOW_COLUMNS, answer["windows"]),
                Table(f"窗口办件 {self.month.label}", WINDOW_FIGURES, answer["windows"]),
                Table(f"单位排名 {self.month.label}", UNIT_COLUMNS, answer["units"]),
                Table(f"事进人不进 {self.month.label}", SUMMONS_COLUMNS, answer["summons"])]


async def monthly(ctx: HallContext, summons: Summons, halls: list[Hall], month: period.Period) -> MonthlyReport:
    now, rules = ctx.clock.now(), halls[0].assessment
    async with ctx.pool.acquire() as con:
        months = await history(con, halls, month, now)
        units = []
        for hall in halls:
            rows = await stats_store.servings_by(con, hall.id, month.first, month.last,
                                                 stats.Grouping.DEPARTMENT.value,
                                                 {s.code: s.department for s in hall.services}, now)
            units += unit_rows(hall, [stats.group_of(r) for r in rows], months[-1])
    for item in months[-1]:
        item.history = accountability(item.key, months, rules)
    figures_of = [{"hall": hall.id, "hall_name": hall.name, **department} for hall in halls
                  for department in (await summons.figures(hall.id, month.days))["departments"]]
    return MonthlyReport(halls, month, months[-1], rank_units(units), figures_of)


def model_staff(windows: list[WindowScore], rules: AssessmentRules) -> list[dict[str, Any]]:
    """优秀服务标兵: who held each of the top model_staff windows longest in the month."""
    found = []
    for item in windows[:rules.model_staff]:
        staff_id = item.attendance.longest_holder()
        member = item.hall.staff_member(staff_id) if staff_id else None
        if member is not None:
            found.append({"hall": item.hall.id, "window": item.window.number, "staff_id": member.id,
                          "name": member.name, "points": item.points.total})
    return found


def unit_rows(hall: Hall, groups: list[stats.GroupStats], windows: list[WindowScore]) -> list[dict[str, Any]]:
    """Each unit of the hall: its services' figures (the department of each stay's service) and the mean
    points of its windows."""
    points: dict[str, list[float]] = {}
    for w in windows:
        if w.hall is hall:
            points.setdefault(w.unit, []).append(w.points.total)
    by_unit = {g.key or "": g for g in groups}
    return [{"hall": hall.id, "hall_name": hall.name, "unit": unit, "windows": len(points.get(unit, [])),
             "points": round(sum(points[unit]) / len(points[unit]), 2) if unit in points else None,
             **figures(by_unit.get(unit) or stats.GroupStats.empty(unit))}
            for unit in sorted(set(points) | set(by_unit))]


def rank_units(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units by mean points (units without an assessed window last), then services finished."""
    ordered = sorted(units, key=lambda u: (u["points"] is None, -(u["points"] or 0), -u["served"], u["hall"],
                                           u["unit"]))
    for unit, place in zip(ordered, places([(u["points"], u["served"]) for u in ordered]), strict=True):
        unit["rank"] = place
    return ordered


_FIGURES = [
    Column("办结量", "Served", Cell.COUNT, field("served")),
    Column("转办", "Transferred", Cell.COUNT, field("transferred")),
    Column("过号", "No-shows", Cell.COUNT, field("no_shows")),
    Column("平均等候（分钟）", "Mean wait (min)", Cell.MINUTES, field("waiting", "mean_s")),
    Column("等候P90（分钟）", "Wait p90 (min)", Cell.MINUTES, field("waiting", "p90_s")),
    Column("平均办理（分钟）", "Mean handling (min)", Cell.MINUTES, field("handling", "mean_s")),
    Column("办理P90（分钟）", "Handling p90 (min)", Cell.MINUTES, field("handling", "p90_s")),
    Column("有效评价数", "Ratings", Cell.COUNT, field("ratings", "valid")),
    Column("有效评价率", "Rated share", Cell.SHARE, field("ratings", "valid_rate")),
    Column("满意率", "Satisfaction", Cell.SHARE, field("ratings", "satisfaction")),
    Column("差评数", "Bad ratings", Cell.COUNT, field("ratings", "bad")),
    Column("整改到期", "Follow-ups due", Cell.COUNT, field("ratings", "follow_up_due")),
    Column("按时整改", "Followed up on time", Cell.COUNT, field("ratings", "follow_up_on_time")),
    Column("差评按时回访整改率", "On-time follow-up rate", Cell.SHARE, field("ratings", "follow_up_rate")),
]
_WHERE = [Column("大厅", "Hall", Cell.TEXT, field("hall_name")), Column("窗口", "Window", Cell.COUNT, field("window")),
          Column("单位", "Unit", Cell.TEXT, field("unit"))]
WINDOW_COLUMNS = [
    *_WHERE, Column("排名", "Rank", Cell.COUNT, field("rank")),
    Column("总分", "Points", Cell.POINTS, field("points", "total")),
    Column("纪律考勤", "Discipline", Cell.POINTS, field("points", "parts", "discipline")),
    Column("业务办理", "Business", Cell.POINTS, field("points", "parts", "business")),
    Column("现场管理", "Leadership", Cell.POINTS, field("points", "parts", "leadership")),
    Column("卫生", "Hygiene", Cell.POINTS, field("points", "parts", "hygiene")),
    Column("信息化", "IT discipline", Cell.POINTS, field("points", "parts", "it_discipline")),
    Column("奖励", "Rewards", Cell.POINTS, field("points", "rewards")),
    Column("逾期整改", "Late follow-ups", Cell.COUNT, field("late_follow_ups")),
    Column("迟到", "Late", Cell.COUNT, field("attendance", "late")),
    Column("早退", "Early leaves", Cell.COUNT, field("attendance", "early_leaves")),
    Column("脱岗", "Away", Cell.COUNT, field("attendance", "away")),
    Column("脱岗时长（分钟）", "Away (min)", Cell.POINTS, field("attendance", "away_minutes")),
    Column("缺勤半天", "Half days absent", Cell.COUNT, field("attendance", "half_days_absent")),
    Column("红旗窗口", "Red flag", Cell.FLAG, field("red_flag")), Column("末位", "Bottom", Cell.FLAG, field("bottom")),
    Column("启动问责", "Accountability", Cell.FLAG, field("accountability", "due")),
]
WINDOW_FIGURES = [*_WHERE, *_FIGURES]
UNIT_COLUMNS = [Column("大厅", "Hall", Cell.TEXT, field("hall_name")), Column("单位", "Unit", Cell.TEXT, field("unit")),
                Column("排名", "Rank", Cell.COUNT, field("rank")),
                Column("平均分", "Mean points", Cell.POINTS, field("points")),
                Column("考核窗口数", "Windows assessed", Cell.COUNT, field("windows")), *_FIGURES]
SUMMONS_COLUMNS = [
    Column("大厅", "Hall", Cell.TEXT, field("hall_name")), Column("部门", "Department", Cell.TEXT, field("name")),
    Column("通知次数", "Summons", Cell.COUNT, field("summons")),
    Column("到达", "Arrived", Cell.COUNT, field("arrived")),
    Column("平均到达（分钟）", "Mean arrival (min)", Cell.POINTS, field("mean_minutes")),
    Column("到达P90（分钟）", "Arrival p90 (min)", Cell.POINTS, field("p90_minutes")),
    Column("按时到达", "On time", Cell.COUNT, field("on_time")),
    Column("应到", "Due", Cell.COUNT, field("due")),
    Column("按时率", "On-time share", Cell.SHARE, field("on_time_share")),
    Column("本月通知", "This month", Cell.COUNT, field("month_count")),
    Column("应事进人进", "Must move in", Cell.FLAG, field("move_in")),
]
