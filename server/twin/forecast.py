"""Arrivals a day is expected to bring: per service and priority, every 15 minutes.

From the hall's own history when it has some: the tickets issued on the same weekday of
the last HISTORY_WEEKS weeks, averaged over those of them the hall was open and issued
tickets (a closed day, or one before the hall used hallq, would only dilute the figure).
Without history, from the day profile (server.twin.day_profile) the day simulator
follows: VISITORS_PER_WINDOW for each window, or, on the day itself once some of its
profile has passed, as many as the day's arrivals so far make it.

`expected` turns a forecast into arrivals the twin plays (server.twin.engine.Expected):
evenly spaced for one run by expected values, or drawn as a Poisson process for
sampled runs. An appointment plays as a walk-in: the forecast knows no slot times.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from server.hall import Hall, Priority
from server.twin.day_profile import APPOINTMENT_SHARE, GREEN_SHARE, VISITORS_PER_WINDOW, arrival_weights, service_mix
from server.twin.engine import Expected

SLOT_MINUTES = 15
SLOT_SECONDS = SLOT_MINUTES * 60
SLOTS = 24 * 60 // SLOT_MINUTES
HISTORY_WEEKS = 4
# The day's arrivals so far scale the profile once this share of the day's profile has passed:
# a handful of tickets in the first minutes says little about the whole day.
SCALE_FROM_SHARE = 0.05
_SHARES = ((Priority.GREEN, GREEN_SHARE), (Priority.APPOINTMENT, APPOINTMENT_SHARE),
           (Priority.NORMAL, 1 - GREEN_SHARE - APPOINTMENT_SHARE))

Rates = tuple[float, ...]  # expected arrivals in each slot of the day, from local midnight


class Source(str, Enum):
    HISTORY = "history"  # the same weekday of the last weeks
    PROFILE = "profile"  # the day profile, with no history to go by


@dataclass(frozen=True)
class Forecast:
    day: date
    source: Source
    rates: Mapping[tuple[str, Priority], Rates]
    days: tuple[date, ...] = field(default=())  # the days of history averaged

    def count(self, services: Collection[str], first: float, last: float) -> float:
        """Expected arrivals for `services` from `first` until `last` (seconds after midnight, on slot edges)."""
        slots = range(int(first // SLOT_SECONDS), min(SLOTS, int(last // SLOT_SECONDS)))
        return sum(rates[i] for (service, _), rates in self.rates.items() if service in services for i in slots)


def history_days(day: date, today: date, open_day: Callable[[date], bool]) -> list[date]:
    """The same weekday of the HISTORY_WEEKS weeks before `day` that are gone by and were open."""
    weeks = (day - timedelta(weeks=n) for n in range(1, HISTORY_WEEKS + 1))
    return [d for d in weeks if d < today and open_day(d)]


def from_history(day: date, counts: Iterable[tuple[date, str, Priority, int, int]]) -> Forecast | None:
    """The mean of the days' tickets, from (day, service, priority, slot, tickets) rows; None without any."""
    rows = list(counts)
    days = sorted({row[0] for row in rows})
    if not days:
        return None
    rates: dict[tuple[str, Priority], list[float]] = {}
    for _, service, priority, slot, tickets in rows:
        rates.setdefault((service, priority), [0.0] * SLOTS)[slot] += tickets / len(days)
    return Forecast(day, Source.HISTORY, {key: tuple(values) for key, values in sorted(rates.items())}, tuple(days))


def from_profile(hall: Hall, day: date, open_at: Callable[[datetime], bool],
                 arrived: tuple[int, datetime] | None = None) -> Forecast:
    """The day profile's arrivals: VISITORS_PER_WINDOW per window, or on the day itself as many
    as `arrived` (its tickets so far, and now) make it once SCALE_FROM_SHARE of it has passed."""
    minutes = arrival_weights(hall, day, open_at)
    weight = sum(minutes) or 1.0
    visitors = float(VISITORS_PER_WINDOW * len(hall.windows))
    if arrived is not None and arrived[0]:
        now = hall.local(arrived[1])
        passed = sum(minutes[:now.hour * 60 + now.minute]) / weight
        if passed >= SCALE_FROM_SHARE:
            visitors = arrived[0] / passed
    slots = [sum(minutes[i:i + SLOT_MINUTES]) / weight * visitors for i in range(0, 24 * 60, SLOT_MINUTES)]
    rates = {(code, priority): tuple(n * mix * share for n in slots)
             for code, mix in service_mix(hall).items() for priority, share in _SHARES}
    return Forecast(day, Source.PROFILE, rates)


def expected(forecast: Forecast, rng: random.Random | None) -> list[Expected]:
    """The forecast's arrivals in time order, `at` in seconds after the day's midnight, ids -1, -2, ...:
    evenly spaced by the expected counts when `rng` is None, else drawn from `rng`."""
    arrivals: list[tuple[float, str, Priority]] = []
    for (service, priority), rates in forecast.rates.items():
        queued = Priority.NORMAL if priority is Priority.APPOINTMENT else priority
        times = _spaced(rates) if rng is None else _drawn(rates, rng)
        arrivals.extend((at, service, queued) for at in times)
    arrivals.sort(key=lambda a: (a[0], a[1], a[2].value))
    return [Expected(-n, at, service, priority) for n, (at, service, priority) in enumerate(arrivals, start=1)]


def _spaced(rates: Rates) -> list[float]:
    """An arrival where the expected count so far passes each k + 0.5: rate 3 in a slot makes
    arrivals at its 1/6, 3/6 and 5/6."""
    times, before, k = [], 0.0, 0
    for slot, rate in enumerate(rates):
        while rate > 0 and k + 0.5 < before + rate:
            times.append((slot + (k + 0.5 - before) / rate) * SLOT_SECONDS)
            k += 1
        before += rate
    return times


def _drawn(rates: Rates, rng: random.Random) -> list[float]:
    """A Poisson process at each slot's rate."""
    times = []
    for slot, rate in enumerate(rates):
        at = 0.0
        while rate > 0:
            at += rng.expovariate(rate / SLOT_SECONDS)
            if at >= SLOT_SECONDS:
                break
            times.append(slot * SLOT_SECONDS + at)
    return times
