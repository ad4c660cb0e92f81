"""The staffing search against what queueing theory and a hand count say (server/twin/staffing.py)."""
from __future__ import annotations

import math
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from server.calendar import HallCalendar
from server.config import load_hall
from server.hall import Hall, Priority, StaffingTarget
from server.twin.durations import TypicalDurations
from server.twin.forecast import SLOTS, Forecast, Source, expected, from_history, from_profile
from server.twin.staffing import advise

DAY = date(2026, 11, 23)  # a Monday
HALL = """
[hall]
id = "one"
name = "一区大厅"

[hours]
sessions = [["09:00", "17:00"]]

[[zones]]
code = "A"
name = "综合受理区"
floor = 1
prefix = "A"

[[services]]
code = "A01"
name = "综合业务"
zone = "A"
department = "综合科"
typical_minutes = {minutes}

[[windows]]
numbers = "1-12"
zone = "A"
"""


def one_zone(tmp_path: Path, minutes: float) -> Hall:
    path = tmp_path / "one.toml"
    path.write_text(HALL.format(minutes=minutes), encoding="utf-8")
    return load_hall(path)


def steady(hall: Hall, per_hour: float) -> Forecast:
    """`per_hour` walk-ins of A01 from 09:00 to 17:00."""
    rates = tuple(per_hour / 4 if 9 * 4 <= slot < 17 * 4 else 0.0 for slot in range(SLOTS))
    return Forecast(DAY, Source.PROFILE, {("A01", Priority.NORMAL): rates})


def opening(hall: Hall) -> list[tuple[datetime, datetime]]:
    return [(datetime(2026, 11, 23, 9, tzinfo=hall.timezone), datetime(2026, 11, 23, 17, tzinfo=hall.timezone))]


class Exponential:
    """Handling times of an M/M/c queue: exponential, `mean` minutes."""

    def __init__(self, mean: float) -> None:
        self.seconds = mean * 60

    def cycle(self, service: str, staff_id: str | None, at: datetime, rng: random.Random | None) -> float:
        return self.seconds if rng is None else rng.expovariate(1 / self.seconds)


def erlang_c_service_level(servers: int, rate: float, mean: float, within: float) -> float:
    """P(wait <= within) in a steady M/M/c queue, from the textbook formula (rates per minute)."""
    load = rate * mean
    if servers <= load:
        return 0.0
    top = load ** servers / math.factorial(servers) * servers / (servers - load)
    waits = top / (sum(load ** k / math.factorial(k) for k in range(servers)) + top)
    return 1 - waits * math.exp(-(servers - load) * within / mean)


def test_a_poisson_zone_with_exponential_handling_needs_what_erlang_c_says(tmp_path):
    # 60 an hour, 5 minutes each (5 Erlangs); 85% called within a minute. Erlang C: 7 windows call
    # 78%, 8 call 91%: 8 are needed, with room either side for the sampled days' spread.
    hall, rate, mean, target = one_zone(tmp_path, 5), 1.0, 5.0, StaffingTarget(0.85, 1)
    levels = {c: erlang_c_service_level(c, rate, mean, target.minutes) for c in range(1, 13)}
    needed = min(c for c, level in levels.items() if level >= target.share)
    assert needed == 8 and levels[7] < target.share - 0.05 and levels[8] > target.share + 0.05

    advice = advise(hall, steady(hall, 60), Exponential(mean), target, spans=opening(hall), samples=60, seed="erlang")
    rows = advice.zones
    assert [row.hour for row in rows] == list(range(9, 17))
    assert all(row.zone == "A" and row.windows == 12 and row.enough for row in rows)
    assert all(row.arrivals == pytest.approx(60) for row in rows)
    # The first hour starts with nobody waiting, so it may do with fewer; from then on the queue is steady.
    assert rows[0].needed <= needed
    assert [row.needed for row in rows[1:]] == [needed] * 7
    shares = [row.share for row in rows[1:]]
    assert all(share is not None and share >= target.share for share in shares)
    assert sum(shares) / len(shares) == pytest.approx(levels[needed], abs=0.04)
    # No universal window in the hall: none is advised.
    assert [(u.needed, u.windows, u.enough) for u in advice.universal] == [(0, 0, True)] * 8


def test_evenly_spaced_arrivals_and_fixed_handling_need_the_windows_counted_by_hand(tmp_path):
    # One every 5 minutes (at 2.5, 7.5, ... minutes past each hour), 12 minutes each, 80% called within 4.
    # One window: ticket i waits 7i minutes, only the first is on time. Two: calls at 2.5, 7.5, 14.5,
    # 19.5, 26.5, 31.5, 38.5, 43.5 ... waits 0, 0, 2, 2, 4, 4, 6, 6 ...: 6 of 12 on time. Three call one
    # every 4 minutes, more than come: nobody waits. So three, every hour.
    hall = one_zone(tmp_path, 12)
    forecast = steady(hall, 12)
    arrivals = expected(forecast, None)
    assert [a.at for a in arrivals[:3]] == pytest.approx([9 * 3600 + 150, 9 * 3600 + 450, 9 * 3600 + 750])
    assert len(arrivals) == 96 and all(a.priority is Priority.NORMAL for a in arrivals)

    advice = advise(hall, forecast, TypicalDurations(hall), StaffingTarget(0.8, 4), spans=opening(hall), samples=None)
    assert [(row.hour, row.needed, row.share) for row in advice.zones] == [(h, 3, 1.0) for h in range(9, 17)]
    two = advise(hall, forecast, TypicalDurations(hall), StaffingTarget(0.5, 4), spans=opening(hall), samples=None)
    assert (two.zones[0].needed, two.zones[0].share) == (2, 0.5)


def test_a_zone_its_windows_cannot_bring_to_the_target_says_so_and_asks_for_universal_windows(tmp_path):
    text = HALL.format(minutes=12).replace('numbers = "1-12"', 'numbers = "1-2"')
    text += '\n[[windows]]\nnumbers = "3-6"\nuniversal = true\nfloor = 1\n'
    path = tmp_path / "short.toml"
    path.write_text(text, encoding="utf-8")
    hall = load_hall(path)
    advice = advise(hall, steady(hall, 12), TypicalDurations(hall), StaffingTarget(0.8, 4), spans=opening(hall),
                    samples=None)
    first = advice.zones[0]
    assert (first.needed, first.windows, first.enough) == (2, 2, False)  # 6 of 12 on time: see above
    # Two zone windows and one universal window call one every 4 minutes: everyone on time.
    assert [(u.hour, u.needed, u.windows, u.enough) for u in advice.universal] == [
        (h, 1, 4, True) for h in range(9, 17)]


def test_the_same_question_gets_the_same_answer(tmp_path):
    hall = one_zone(tmp_path, 5)
    ask = lambda seed: advise(hall, steady(hall, 40), Exponential(5), StaffingTarget(0.9, 5), spans=opening(hall),  # noqa: E731
                              samples=3, seed=seed)
    assert ask("x") == ask("x")
    assert any(a.share != b.share for a, b in zip(ask("x").zones, ask("y").zones, strict=True))


def test_the_forecast_averages_the_days_of_history_or_follows_the_profile(city):
    monday, earlier = date(2026, 11, 16), date(2026, 11, 9)
    rows = [(monday, "B01", Priority.NORMAL, 40, 3), (earlier, "B01", Priority.NORMAL, 40, 1),
            (earlier, "A01", Priority.GREEN, 41, 2)]
    forecast = from_history(DAY, rows)
    assert forecast is not None and (forecast.source, forecast.days) == (Source.HISTORY, (earlier, monday))
    assert forecast.count({"B01"}, 10 * 3600, 11 * 3600) == 2.0 and forecast.count({"A01"}, 0, 86400) == 1.0
    assert from_history(DAY, []) is None
    # Open days only: the profile's Monday has ~52 a window, a Sunday none.
    profile = from_profile(city, DAY, HallCalendar(city).is_open)
    assert profile.count({s.code for s in city.services}, 0, 86400) == pytest.approx(52 * 192)
    sunday = from_profile(city, date(2026, 11, 22), HallCalendar(city).is_open)
    assert sunday.count({s.code for s in city.services}, 0, 86400) == 0
    # Appointments play as walk-ins: the forecast knows no slots.
    assert {a.priority for a in expected(profile, random.Random(1))} == {Priority.GREEN, Priority.NORMAL}
