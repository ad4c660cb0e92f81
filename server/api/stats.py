"""Waiting and handling statistics for managers (see server/stats.py for the definitions)."""
from __future__ import annotations

from enum import Enum
from typing import Any

from server import day_stats, estimate_accuracy, stats
from server.api.answers import DayCourseAnswer, EstimateAccuracyAnswer
from server.api.endpoint import Api, Call, Query
from server.auth import Access

api = Api("stats")


def day_range(call: Call) -> stats.DayRange:
    ctx = call.services.ctx
    return stats.DayRange.parse(call.query("from"), call.query("to"), ctx.today(ctx.hall(call.hall_id)))


_DAY = {"format": "date"}  # stats.DayRange parses it, with its own messages
RANGE = {"from": Query("first business day, YYYY-MM-DD (default: to)", schema=_DAY),
         "to": Query("last business day (default: today)", schema=_DAY)}


def by_and_range(default: Enum) -> dict[str, Query]:
    """A report's `by` (its grouping's values; `default` when not given) and its days."""
    choices = [g.value for g in type(default)]
    return {"by": Query(f"{' | '.join(choices)} (default {default.value})", schema={"enum": choices}), **RANGE}


@api.get("/api/v1/stats", access=Access.MANAGER, query=by_and_range(stats.Grouping.WINDOW),
         summary="Served, transferred and no-show counts with mean/p90 waiting and handling seconds, mean walk-up"
                 " seconds and 好差评 (valid ratings, their rate, satisfaction, bad ratings),"
                 " ?by=window|staff|service|zone|department|hall&from=YYYY-MM-DD&to=YYYY-MM-DD (default today)")
async def get_stats(call: Call) -> dict[str, Any]:
    by = stats.Grouping.parse(call.query("by"))
    days = day_range(call)
    return (await stats.report(call.services.ctx, call.services.ctx.hall(call.hall_id), by, days)).public()


@api.get("/api/v1/stats/ranking", access=Access.MANAGER, query=RANGE,
         summary="Windows ranked by served count, then mean handling time (周公示月通报季评比),"
                 " ?from=YYYY-MM-DD&to=YYYY-MM-DD (default today)")
async def get_ranking(call: Call) -> dict[str, Any]:
    days = day_range(call)
    return (await stats.ranking(call.services.ctx, call.services.ctx.hall(call.hall_id), days)).public()


@api.get("/api/v1/stats/day", access=Access.MANAGER, answer=DayCourseAnswer,
         query={"day": Query("business day, YYYY-MM-DD (default: today)", schema=_DAY),
                "hall": Query("the hall, for a manager of several halls (default: their own)")},
         summary="The day's course for charts: per zone people waiting and the longest wait every"
                 " 10 minutes, tickets issued and served per hour, ?day=YYYY-MM-DD (default today)")
async def get_day(call: Call) -> dict[str, Any]:
    ctx = call.services.ctx
    hall = ctx.hall(call.hall_id)
    day = day_stats.parse_day(call.query("day"), ctx.today(hall))
    return (await day_stats.day_course(ctx, hall, day)).public()


@api.get("/api/v1/stats/summons", access=Access.MANAGER, query=RANGE,
         summary="事进人不进 per department: summons, mean and p90 minutes to arrive, share on time, and the"
                 " month's count flagged at 10 (事进人进), ?from=YYYY-MM-DD&to=YYYY-MM-DD (default today)")
async def get_summons(call: Call) -> dict[str, Any]:
    return await call.services.summons.figures(call.hall_id, day_range(call))


@api.get("/api/v1/stats/estimates", access=Access.MANAGER, answer=EstimateAccuracyAnswer,
         query=by_and_range(estimate_accuracy.Grouping.ZONE),
         summary="How close the wait told at issue came to the wait until the first call: per group the"
                 " tickets measured, mean absolute error, bias and p90 of the absolute error in minutes and the"
                 " share within ±5 minutes, ?by=zone|service|day|hall&from=YYYY-MM-DD&to=YYYY-MM-DD (default today)")
async def get_estimates(call: Call) -> dict[str, Any]:
    by = estimate_accuracy.Grouping.parse(call.query("by"))
    ctx = call.services.ctx
    return (await estimate_accuracy.report(ctx, ctx.hall(call.hall_id), by, day_range(call))).public()
