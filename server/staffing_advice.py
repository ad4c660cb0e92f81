"""人员配置建议: the windows each zone needs in each hour of a day, beside those open or rostered.

The need comes from the hall's twin (server.twin.staffing) playing the day's arrival forecast
(server.twin.forecast) with the hall's handling times. Beside it stands what the hall had or
has: hallq keeps no roster, so

- an hour begun (of a day gone by, or today's up to now) shows the windows open in it, from
  their duty history (server.window_hours);
- today's hours to come show the windows signed in now (open or paused: the pause ends);
- the hours to come of a later day, and today's while nobody is signed in yet, show the same
  weekday of the latest of the last four weeks the hall was open and its windows were used.

An answer takes a core for a second or more on a large hall: it is worked out off the event
loop, one at a time, and kept five minutes (CACHE, on the hall's clock) for its hall, day and
target. docs/staffing.md says more.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Annotated, Any

import asyncpg
from pydantic import Field

from server.calendar import HallCalendar
from server.context import HallContext
from server.errors import StillWorking, Unprocessable
from server.hall import Hall, Priority, StaffingTarget
from server.hub import Hub
from server.model import WindowStateName
from server.store import staffing as store
from server.store import windows as window_store
from server.twin import forecast as forecasts
from server.twin.staffing import DEFAULT_SAMPLES, Advice, advise
from server.window_hours import open_per_hour

log = logging.getLogger(__name__)

CACHE = timedelta(minutes=5)
WAIT = timedelta(seconds=5)  # a request waits this long for its advice, then is told to come back
RETRY_AFTER = 3  # seconds
MAX_PENDING = 4  # advices asked for and not worked out yet: more are refused until these are done
DAYS_BACK, DAYS_AHEAD = 366, 31  # the days an advice may be asked for, around today

# The request's own target, beside the hall file's [staffing] one.
TargetShare = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
TargetMinutes = Annotated[int, Field(ge=1, le=240)]


class OpenFrom(str, Enum):
    OBSERVED = "observed"  # the hour has begun: the windows open in it
    SIGNED_IN = "signed_in"  # today's hours to come: the windows signed in now
    LAST_WEEK = "last_week"  # as on the same weekday of the latest week the windows were used


Shares = dict[int, dict[int, float]]  # hour -> window -> share of the hour it was open


@dataclass(frozen=True)
class _Roster:
    """What the hall had or has open, as the answer sets it beside the need."""

    observed: Shares  # the hours begun
    signed_in: frozenset[int]  # today: the windows signed in now
    last_week: Shares | None

    def open(self, windows: list[int], hour: int, today: bool) -> tuple[float | None, OpenFrom | None]:
        if hour in self.observed:
            return round(sum(self.observed[hour].get(w, 0.0) for w in windows), 1), OpenFrom.OBSERVED
        if today and self.signed_in:
            return float(sum(w in self.signed_in for w in windows)), OpenFrom.SIGNED_IN
        if self.last_week is not None:
            return round(sum(self.last_week.get(hour, {}).get(w, 0.0) for w in windows), 1), OpenFrom.LAST_WEEK
        return None, None


class StaffingAdvice:
    def __init__(self, ctx: HallContext, hub: Hub) -> None:
        self.ctx = ctx
        self.hub = hub  # its live queues hold what each hall has measured (server.twin.learning)
        self._cache: dict[tuple[str, date, float, float], tuple[datetime, dict[str, Any]]] = {}  # worked out at
        self._working = asyncio.Lock()  # one advice at a time: each keeps a core busy
        self._work: dict[tuple[str, date, float, float], asyncio.Task[dict[str, Any]]] = {}  # asked, not done

    async def advice(self, hall_id: str, day: date, share: float | None, minutes: int | None) -> dict[str, Any]:
        """The day's advice; the target is the request's where it gives one, else the hall file's."""
        hall = self.ctx.hall(hall_id)
        now = self.ctx.clock.now()
        today = self.ctx.today(hall, now)
        if not today - timedelta(days=DAYS_BACK) <= day <= today + timedelta(days=DAYS_AHEAD):
            raise Unprocessable(f"day: {day} is not within {DAYS_BACK} days before and {DAYS_AHEAD} days after"
                                f" today ({today})", code="bad_range")
        target = StaffingTarget(share if share is not None else hall.staffing.share,
                                minutes if minutes is not None else hall.staffing.minutes)
        key = (hall.id, day, target.share, target.minutes)
        if (kept := self._kept(key, now)) is not None:
            return kept
        work = self._work.get(key)
        if work is None:
            if len(self._work) >= MAX_PENDING:
                raise StillWorking(f"人员配置建议正在计算中，请 {RETRY_AFTER} 秒后再试 (staffing advice is being"
                                   f" worked out for other requests; try again in {RETRY_AFTER} s)",
                                   retry_after=RETRY_AFTER)
            work = self._work[key] = asyncio.create_task(self._one(key, hall, day, target, now, today))
            work.add_done_callback(lambda done: self._done(key, done))
        try:  # the work goes on when the request stops waiting: its answer is kept for the next one
            return await asyncio.wait_for(asyncio.shield(work), WAIT.total_seconds())
        except TimeoutError:
            raise StillWorking(f"人员配置建议正在计算中，请 {RETRY_AFTER} 秒后再试 (staffing advice is being"
                               f" worked out; try again in {RETRY_AFTER} s)", retry_after=RETRY_AFTER) from None

    def _done(self, key: tuple[str, date, float, float], work: asyncio.Task[dict[str, Any]]) -> None:
        self._work.pop(key, None)
        if not work.cancelled() and work.exception() is not None:  # seen here even when no request waits
            log.error("staffing advice of %s failed", key, exc_info=work.exception())

    async def _one(self, key: tuple[str, date, float, float], hall: Hall, day: date, target: StaffingTarget,
                   now: datetime, today: date) -> dict[str, Any]:
        async with self._working:
            answer = await self._worked_out(hall, day, target, now, today)
            self._cache = {k: v for k, v in self._cache.items() if self._kept(k, now) is not None}
            self._cache[key] = (now, answer)
            return answer

    def _kept(self, key: tuple[str, date, float, float], now: datetime) -> dict[str, Any] | None:
        """A cached answer worked out less than CACHE ago on the hall's clock."""
        cached = self._cache.get(key)
        return cached[1] if cached is not None and cached[0] <= now < cached[0] + CACHE else None

    async def _worked_out(self, hall: Hall, day: date, target: StaffingTarget, now: datetime,
                          today: date) -> dict[str, Any]:
        calendar = HallCalendar(hall)
        forecast = await self._forecast(hall, calendar, day, now, today)
        roster = await self._roster(hall, calendar, day, now, today)
        spans = [(_at(hall, day, s.start), _at(hall, day, s.end)) for s in calendar.day(day).spans]
        measured = self.hub.queue(hall.id).watch.learning.model()  # typical_minutes until the hall has stays
        advice = await asyncio.to_thread(advise, hall, forecast, measured, target, spans=spans,
                                         samples=DEFAULT_SAMPLES, seed=f"{hall.id}/{day.isoformat()}")
        return _answer(hall, day, target, forecast, advice, roster, day == today, now)

    async def _forecast(self, hall: Hall, calendar: HallCalendar, day: date, now: datetime,
                        today: date) -> forecasts.Forecast:
        days = forecasts.history_days(day, today, calendar.is_open_day)
        async with self.ctx.pool.acquire() as con:
            rows = await store.issued_by_slot(con, hall.id, days, hall.timezone.key, forecasts.SLOT_SECONDS)
            arrived = await store.issued_on(con, hall.id, day) if day == today else 0
        known = [(r["day"], r["service"], Priority(r["priority"]), r["slot"], r["tickets"])
                 for r in rows if hall.service(r["service"]) is not None]  # a service since removed plays no part
        return forecasts.from_history(day, known) or forecasts.from_profile(
            hall, day, calendar.is_open, (arrived, now) if arrived else None)

    async def _roster(self, hall: Hall, calendar: HallCalendar, day: date, now: datetime, today: date) -> _Roster:
        numbers = [w.number for w in hall.windows]
        hours = range(24)
        async with self.ctx.pool.acquire() as con:
            observed: Shares = {}
            if day <= today:
                end = min(now, _at(hall, day, time()) + timedelta(days=1))
                observed = await _open_shares(con, hall, numbers, day, end, hours)
            signed_in = frozenset(w.number for w in await window_store.list_all(con, hall.id)
                                  if w.state is not WindowStateName.CLOSED) if day == today else frozenset()
            last_week = None
            if day > today or not signed_in:
                last_week = await _last_week(con, hall, numbers, day, today, calendar.is_open_day, hours)
        return _Roster(observed, signed_in, last_week)


def _at(hall: Hall, day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, hall.timezone)


async def _open_shares(con: asyncpg.Connection, hall: Hall, numbers: list[int], day: date, until: datetime,
                       hours: range) -> Shares:
    origin = _at(hall, day, time())
    changes = await store.duty_changes(con, hall.id, numbers, origin, until)
    return open_per_hour(((r["window_no"], r["at"], r["state"]) for r in changes), origin, hours, until)


async def _last_week(con: asyncpg.Connection, hall: Hall, numbers: list[int], day: date, today: date,
                     open_day: Callable[[date], bool], hours: range) -> Shares | None:
    """The windows open on the latest of the same weekdays before `day` (within four weeks, before today)
    that the hall was open and had any window open."""
    for earlier in forecasts.history_days(day, today, open_day):
        shares = await _open_shares(con, hall, numbers, earlier, _at(hall, earlier, time()) + timedelta(days=1),
                                    hours)
        if any(shares.values()):
            return shares
    return None


def _answer(hall: Hall, day: date, target: StaffingTarget, forecast: forecasts.Forecast, advice: Advice,
            roster: _Roster, today: bool, now: datetime) -> dict[str, Any]:
    zone_windows = {z.code: [w.number for w in hall.windows if w.zone == z.code] for z in hall.zones}
    universal = [w.number for w in hall.windows if w.universal]
    rows = []
    for row in advice.zones:
        opened, source = roster.open(zone_windows[row.zone], row.hour, today)
        rows.append({"zone": row.zone, "hour": row.hour, "arrivals": row.arrivals, "needed": row.needed,
                     "windows": row.windows, "open": opened, "open_from": source and source.value,
                     "called_within_share": row.share, "enough": row.enough})
    spare = []
    for hour in advice.universal:
        opened, source = roster.open(universal, hour.hour, today)
        spare.append({"hour": hour.hour, "needed": hour.needed, "windows": hour.windows, "open": opened,
                      "open_from": source and source.value, "enough": hour.enough})
    return {
        "hall": hall.id, "day": day.isoformat(), "timezone": hall.timezone.key, "computed_at": now.isoformat(),
        "target": {"share": target.share, "minutes": target.minutes},
        "forecast": {"source": forecast.source.value, "days": [d.isoformat() for d in forecast.days],
                     "arrivals": round(forecast.count({s.code for s in hall.services}, 0, 24 * 3600), 1)},
        "samples": DEFAULT_SAMPLES, "hours": [h.hour for h in advice.universal], "rows": rows, "universal": spare,
    }
