"""A business day's course for the dashboard's charts: per zone, people waiting and the
longest wait every ten minutes, and per hour tickets issued against tickets served.

Everything is computed from the tickets' and stays' own times (server.store.stats), so
it survives a restart and needs no table of samples. docs/statistics.md defines it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from server import stats
from server.context import HallContext
from server.hall import Hall
from server.store import stats as store

BUCKET = timedelta(minutes=10)


@dataclass(frozen=True)
class ZoneCourse:
    zone: str
    waiting: list[int]  # one figure per sample
    longest_wait_s: list[float]

    def public(self) -> dict[str, Any]:
        return {"zone": self.zone, "waiting": self.waiting, "longest_wait_s": self.longest_wait_s}


@dataclass(frozen=True)
class HourFlow:
    at: datetime  # the hour's start, hall time
    arrivals: int
    served: int

    def public(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "arrivals": self.arrivals, "served": self.served}


@dataclass(frozen=True)
class DayCourse:
    hall: Hall
    day: date
    samples: list[datetime]
    zones: list[ZoneCourse]
    hours: list[HourFlow]

    def public(self) -> dict[str, Any]:
        return {"hall": self.hall.id, "day": self.day.isoformat(), "timezone": self.hall.timezone.key,
                "bucket_minutes": int(BUCKET.total_seconds() // 60),
                "samples": [s.isoformat() for s in self.samples],
                "zones": [z.public() for z in self.zones], "hours": [h.public() for h in self.hours]}


def parse_day(raw: str | None, today: date) -> date:
    """`day` as YYYY-MM-DD, today when absent."""
    return today if raw is None else stats.parse_day("day", raw)


def _at(hall: Hall, day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=hall.timezone)


def _opening(hall: Hall, day: date) -> tuple[datetime, datetime] | None:
    sessions = hall.hours.sessions
    return (_at(hall, day, sessions[0].start), _at(hall, day, sessions[-1].end)) if sessions else None


def sample_times(hall: Hall, day: date, span: tuple[datetime | None, datetime | None], now: datetime) -> list[datetime]:
    """Every BUCKET from the opening (or the first ticket, if earlier) to now on the day itself,
    to the closing (or the last ticket's step, if later) on a day gone by; today ends on `now`."""
    first_ticket, last_ticket = span
    opening = _opening(hall, day)
    starts = [m for m in (opening and opening[0], first_ticket) if m is not None]
    if not starts:
        return []
    day_start = _at(hall, day, time())
    start = day_start + BUCKET * ((min(starts) - day_start) // BUCKET)
    today = hall.local(now).date() == day
    ends = [m for m in (opening and opening[1], last_ticket) if m is not None]
    end = now if today else min(max(ends), day_start + timedelta(days=1))
    samples = []
    moment = start
    while moment <= end:
        samples.append(moment)
        moment += BUCKET
    if today and samples and samples[-1] < now:
        samples.append(now)  # where the queue stands now, not ten minutes ago
    return samples


def _hours(hall: Hall, day: date, rows: list[Any]) -> list[HourFlow]:
    """Each hour from the opening to the closing, and any other hour that saw a ticket."""
    counts = {r["hour"]: (r["arrivals"], r["served"]) for r in rows}
    opening = _opening(hall, day)
    hours = set(counts)
    if opening:
        last = opening[1].hour - (1 if opening[1].minute == 0 else 0)
        hours.update(range(opening[0].hour, last + 1))
    return [HourFlow(_at(hall, day, time(hour)), *counts.get(hour, (0, 0))) for hour in sorted(hours)]


async def day_course(ctx: HallContext, hall: Hall, day: date) -> DayCourse:
    now = ctx.clock.now()
    async with ctx.pool.acquire() as con:
        span = await store.day_span(con, hall.id, day)
        samples = sample_times(hall, day, (span["first"], span["last"]), now) if day <= ctx.today(hall, now) else []
        rows = await store.waiting_samples(con, hall.id, day, samples) if samples else []
        flow = await store.hourly_flow(con, hall.id, day, hall.timezone.key)
    index = {moment: i for i, moment in enumerate(samples)}
    zones = {z.code: ZoneCourse(z.code, [0] * len(samples), [0.0] * len(samples)) for z in hall.zones}
    for row in rows:
        zone = zones.get(row["zone"])
        if zone is None:  # a zone since removed from the hall file
            continue
        i = index[row["at"]]
        zone.waiting[i], zone.longest_wait_s[i] = row["waiting"], round(row["longest"], 1)
    return DayCourse(hall, day, samples, list(zones.values()), _hours(hall, day, flow))
