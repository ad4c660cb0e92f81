"""The shape of a hall's working day: when visitors come, and for what.

The day simulator (simulator/plan.py) draws its visitors from it, and the staffing
advice forecasts with it while a hall has no history of its own (server.twin.forecast):

  * arrivals follow a working day: a rush in the first minutes after opening,
    a 9–11 peak, a lunch dip (or no arrivals while the hall is closed), an
    afternoon session that tapers off before closing;
  * services get visitors in proportion to the windows that serve them: each
    window spends its time on its profile's services (more on the first
    levels), and a service draws as many visitors as that time can handle
    at its typical_minutes;
  * ~5% come by the green channel, ~10% with an appointment.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from server.hall import Hall, Service

VISITORS_PER_WINDOW = 52  # ~10,000 visitors a day for the 192 windows of the reference hall
GREEN_SHARE, APPOINTMENT_SHARE = 0.05, 0.10

# Relative arrival rate by local time of day, applied while the hall is open.
DAY_SHAPE = ((time(11, 0), 1.6), (time(12, 0), 1.1), (time(13, 0), 0.5), (time(14, 30), 1.0),
             (time(16, 0), 1.2), (time(23, 59, 59), 0.7))
RUSH_MINUTES, RUSH_WEIGHT = 15, 3.0  # the crowd waiting at the door when the hall opens
TAPER_MINUTES, TAPER_WEIGHT = 30, 0.3  # few come just before closing


def minutes(moment: time) -> float:
    """Minutes after midnight."""
    return moment.hour * 60 + moment.minute + moment.second / 60


def known_service(hall: Hall, code: str) -> Service:
    service = hall.service(code)
    assert service is not None  # codes come from the hall itself
    return service


def service_mix(hall: Hall) -> dict[str, float]:
    """Share of the day's visitors per service (sums to 1).

    Each zone window spends its time on the services of its profile, more on
    the higher levels (weight 1 / (1 + level)); a service draws as many
    visitors as that time lets its windows handle (time / typical_minutes).
    Universal windows are left out: they are the hall's slack for peaks.
    """
    demand: dict[str, float] = {}
    for window in hall.windows:
        if window.universal:
            continue
        weights = {r.service: 1 / (1 + r.level) for r in window.profile}
        spread = sum(weights.values())
        for code, weight in weights.items():
            demand[code] = demand.get(code, 0.0) + weight / spread / known_service(hall, code).typical_minutes
    total = sum(demand.values()) or 1.0
    return {s.code: demand[s.code] / total for s in hall.services if demand.get(s.code)}


def arrival_weights(hall: Hall, day: date, open_at: Callable[[datetime], bool] | None = None) -> list[float]:
    """Relative arrival rate for each minute of the day (0 while the hall is closed).

    `open_at` says when the hall is open; by default its weekly hours (the simulator's
    days), the staffing forecast gives the hall calendar's (holidays and 调休 days).
    """
    is_open = open_at or hall.hours.is_open
    midnight = datetime.combine(day, time(), hall.timezone)
    close = minutes(hall.hours.sessions[-1].end)
    rushes = rush_starts(hall)
    weights = []
    for minute in range(24 * 60):
        local = midnight + timedelta(minutes=minute)
        if not is_open(local):
            weights.append(0.0)
        elif any(start <= minute < start + RUSH_MINUTES for start in rushes):
            weights.append(RUSH_WEIGHT)
        elif minute >= close - TAPER_MINUTES:
            weights.append(TAPER_WEIGHT)
        else:
            weights.append(next(w for until, w in DAY_SHAPE if local.time() < until))
    return weights


def rush_starts(hall: Hall) -> list[float]:
    """Minutes of the day when a crowd waits at the door: opening, and reopening after a closed lunch."""
    starts = [minutes(s.start) for s in hall.hours.sessions]
    return starts if not hall.hours.lunch_service else starts[:1]
