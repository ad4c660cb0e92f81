"""Four `hallq serve` processes sharing one database: kiosks issue through all
of them, then windows spread over the city hall call, start and finish
tickets as fast as they can, each console's requests going to the processes
in turn. The verdict — no number given twice, no ticket called twice — is
read from the database.

    .venv/bin/python bench/multiprocess.py [--processes 4] [--kiosks 64] [--windows 48] [--seconds 10]
                                           [--database-url URL]

Lines: mp_issue_rate / _p50 / _p99 (tickets), mp_serve_rate / _p50 / _p99
(tickets called, started and finished; latency of the three requests),
mp_duplicate_numbers, mp_double_calls.
"""
from __future__ import annotations

import asyncio

import aiohttp

from common import (
    Clerks,
    arguments,
    bench_database,
    city_roster,
    double_calls,
    duplicate_numbers,
    figure,
    hall_servers,
    kiosk_load,
    raise_file_limit,
    timed_loop,
)


async def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--kiosks", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0, help="issuing time, and at most the calling time")
    parser.add_argument("--windows", type=int, default=48, help="calling windows, spread over the hall")
    args = parser.parse_args()
    raise_file_limit()
    hall, roster = city_roster()
    async with bench_database(args.database_url) as database:
        async with hall_servers(database, count=args.processes) as servers:
            urls = [s.url for s in servers]
            issued = await kiosk_load(urls, args.kiosks, args.seconds, roster.kiosk_token, hall)
            issued.report("mp_issue", "tickets")
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                clerks = Clerks(session, urls, hall, roster)
                numbers = sorted(w.number for w in hall.windows)
                windows = numbers[::max(1, len(numbers) // args.windows)][:args.windows]
                await clerks.sign_in(windows)
                served = await timed_loop(len(windows), args.seconds, lambda n: clerks.serve_one(windows[n]))
                served.report("mp_serve", "tickets")
        figure("mp_duplicate_numbers", await duplicate_numbers(database), "tickets")
        figure("mp_double_calls", await double_calls(database), "calls")


if __name__ == "__main__":
    asyncio.run(main())
