"""How long the staffing advice takes for the reference city centre's day: 192 windows, the day
profile's 9,984 arrivals, the advice's three sampled days, in this process (no server).

    .venv/bin/python bench/staffing.py [--scale 1.0]

Lines: staffing_arrivals (the day's expected arrivals), staffing_wall (s), staffing_cpu (s).
--scale multiplies the typical handling times: 1 is what the server plays for a hall without
history (at the shipped times the profile's day is more than the windows can handle, and
every count is soon found short); 0.489, the day simulator's factor for that day, keeps the
windows about 85% busy, where the search has the most to do.
"""
from __future__ import annotations

import argparse
import time
from datetime import date, datetime

from common import CITY, figure
from server.calendar import HallCalendar
from server.config import load_hall
from server.twin.durations import TypicalDurations
from server.twin.forecast import from_profile
from server.twin.staffing import DEFAULT_SAMPLES, advise

DAY = date(2026, 11, 23)  # a Monday


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="handling times: this times typical_minutes")
    args = parser.parse_args()
    hall = load_hall(CITY)
    calendar = HallCalendar(hall)
    forecast = from_profile(hall, DAY, calendar.is_open)
    spans = [(datetime.combine(DAY, s.start, hall.timezone), datetime.combine(DAY, s.end, hall.timezone))
             for s in calendar.day(DAY).spans]
    started, cpu = time.perf_counter(), time.process_time()
    advise(hall, forecast, TypicalDurations(hall, args.scale), hall.staffing, spans=spans, samples=DEFAULT_SAMPLES,
           seed="bench")
    figure("staffing_arrivals", forecast.count({s.code for s in hall.services}, 0, 86400), "arrivals")
    figure("staffing_wall", time.perf_counter() - started, "s")
    figure("staffing_cpu", time.process_time() - cpu, "s")


if __name__ == "__main__":
    main()
