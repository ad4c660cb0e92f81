"""The whole-hall wait estimate update: the twin run for the reference hall (192 windows) with
N waiting tickets, as the server runs it (server.wait_estimates), on one core, no database.

    .venv/bin/python bench/estimates.py [--waiting 500 2000] [--runs 30]

The hall at 10:30 on a busy Monday: every window signed in, most busy with a ticket called some
minutes ago, a few paused; an hour of issues behind it (~32 a minute, the reference hall's peak)
and the day's stays learnt. Waiting tickets follow the simulator's service mix, 5 % green channel,
8 % appointments around their slot. Lines: estimate_update_N_p50 / _p90 / _max (the central
run, what every page's figures come from), estimate_sampled_N_p50 (one sampled run, for the range),
estimate_last_ticket_N (the last waiting ticket's estimate and range, to see the run is real).
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta

from common import figure
from config import SHIPPED_HALLS
from server.config import load_hall
from server.hall import Hall, Priority
from server.model import WindowStateName
from server.queue_state import Waiting
from server.twin.learning import HallLearning, Issue, Stay
from server.twin.watch import AtWindow, WindowNow
from server.wait_estimates import HallNow, WaitEstimates
from simulator.plan import service_mix

NOW = datetime.fromisoformat("2026-11-23T10:30:00+08:00")


def busy_hall(hall: Hall, waiting_count: int, rng: random.Random) -> HallNow:
    mix = service_mix(hall)
    codes, weights = list(mix), list(mix.values())
    learning = HallLearning(hall)
    for minute in range(60 * 24):  # a day's worth of stays and the last hour's issues, by the minute
        service = rng.choices(codes, weights)[0]
        called = NOW - timedelta(minutes=minute / 16)
        typical = hall.service(service).typical_minutes  # type: ignore[union-attr]
        learning.stay(Stay(service, 1 + minute % len(hall.windows), None, called,
                           called + timedelta(minutes=typical * rng.uniform(0.5, 1.2))))
        if minute < 60 * 32:
            learning.issue(Issue(service, Priority.NORMAL, NOW - timedelta(seconds=minute * 60 / 32)))
    waiting = []
    for ticket_id in range(1, waiting_count + 1):
        service = rng.choices(codes, weights)[0]
        zone = hall.service(service).zone  # type: ignore[union-attr]
        queued = NOW - timedelta(seconds=rng.randrange(90 * 60))
        roll = rng.random()
        priority = Priority.GREEN if roll < 0.05 else Priority.APPOINTMENT if roll < 0.13 else Priority.NORMAL
        arrival = queued + timedelta(minutes=rng.randrange(-10, 30)) if priority is Priority.APPOINTMENT else queued
        waiting.append(Waiting(ticket_id, NOW.date(), service, zone, priority, arrival, queued, None))
    windows = {}
    for window in hall.windows:
        roll = rng.random()
        if roll < 0.07:
            windows[window.number] = WindowNow(window.number, WindowStateName.PAUSED, f"clerk{window.number}",
                                               "break", NOW - timedelta(minutes=rng.randrange(15)))
            continue
        service = window.profile[0].service if window.profile else codes[0]
        ticket = AtWindow(-window.number, service, NOW - timedelta(seconds=rng.randrange(900))) if roll < 0.9 else None
        windows[window.number] = WindowNow(window.number, WindowStateName.OPEN, f"clerk{window.number}", None,
                                           NOW - timedelta(hours=2), ticket)
    return HallNow.of(waiting, windows, learning, NOW, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    hall = load_hall(SHIPPED_HALLS / "city.toml")
    for count in args.waiting:
        hall_now = busy_hall(hall, count, random.Random(count))
        central, sampled = [], []
        for _ in range(args.runs):
            estimates = WaitEstimates(hall)
            started = time.perf_counter()
            estimates.refresh(hall_now)  # the central run, then the first sampled run
            total = time.perf_counter() - started
            central.append(estimates.cost * 1000)
            sampled.append((total - estimates.cost) * 1000)
        central.sort()
        figure(f"estimate_update_{count}_p50", statistics.median(central), "ms")
        figure(f"estimate_update_{count}_p90", central[int(0.9 * (len(central) - 1))], "ms")
        figure(f"estimate_update_{count}_max", central[-1], "ms")
        figure(f"estimate_sampled_{count}_p50", statistics.median(sampled), "ms")
        estimate = estimates.of(hall_now.waiting[-1], NOW)
        figure(f"estimate_last_ticket_{count}", estimate.minutes, f"min (range {estimate.low}-{estimate.high})")


if __name__ == "__main__":
    main()
