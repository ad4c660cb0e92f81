"""The reference city centre's whole day — ten zones, 192 windows, ~10,000
visitors with all their actions — played through the API of one `hallq serve`
on a stepped clock, as fast as the server answers.

    .venv/bin/python bench/full_day.py [--seed 1] [--visitors N] [--tick 10] [--sequential] [--database-url URL]

Lines: full_day_visitors, full_day_actions, full_day_requests (HTTP requests
while playing, clock steps included), full_day_wall (s), full_day_rate
(requests/s), full_day_staff_sign_in (s, 193 password checks, not in the wall
time), full_day_server_cpu (s of CPU the server process used, sign-in included:
near the wall time means the one server process is the limit), full_day_served,
full_day_wait_mean (min, the day's mean wait: a sanity check, not a speed),
full_day_duplicate_numbers, full_day_double_calls.

The actions of one moment go out concurrently unless --sequential, and the
clock moves in steps of --tick simulated seconds.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from common import (
    arguments,
    bench_database,
    city_roster,
    cpu_s,
    double_calls,
    duplicate_numbers,
    figure,
    hall_servers,
    raise_file_limit,
)
from simulator.driver import drive
from simulator.plan import PlanSettings, make_plan
from simulator.server_process import clock_options


async def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--visitors", type=int, help="default: the plan's ~10,000 for the city hall")
    parser.add_argument("--tick", type=int, default=10, help="clock step in simulated seconds")
    parser.add_argument("--sequential", action="store_true", help="one action at a time (deterministic)")
    parser.add_argument("--log", type=Path, help="also write the action log here")
    args = parser.parse_args()
    raise_file_limit()
    hall, roster = city_roster()
    plan = make_plan(hall, PlanSettings(seed=args.seed, visitors=args.visitors))
    start = plan.at(plan.actions()[0].at)
    async with bench_database(args.database_url) as database:
        async with hall_servers(database, clock=clock_options(start, None)) as (server,):
            cpu_before = cpu_s(server.pid)
            outcome = await drive(plan, hall, roster, server.url, tick=args.tick, parallel=not args.sequential,
                                  log_path=args.log)
            server_cpu = cpu_s(server.pid) - cpu_before
        figure("full_day_visitors", len(plan.visits), "visitors")
        figure("full_day_actions", outcome.actions, "actions")
        figure("full_day_requests", outcome.requests, "requests")
        figure("full_day_wall", outcome.wall_s, "s")
        figure("full_day_rate", outcome.requests_per_s, "requests/s")
        figure("full_day_staff_sign_in", outcome.setup_s, "s")
        figure("full_day_server_cpu", server_cpu, "s")
        figure("full_day_served", outcome.report.total.served, "tickets")
        wait = outcome.report.total.waiting_mean_s
        figure("full_day_wait_mean", None if wait is None else wait / 60, "min")
        figure("full_day_duplicate_numbers", await duplicate_numbers(database), "tickets")
        figure("full_day_double_calls", await double_calls(database), "calls")


if __name__ == "__main__":
    asyncio.run(main())
