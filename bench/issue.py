"""Issuing throughput and latency: N kiosks over HTTP keep-alive against one
`hallq serve` process, next to the floor — the very same issuing transaction
(the server's Issuer) run directly on an asyncpg pool, without HTTP.

    .venv/bin/python bench/issue.py [--kiosks 1 16 64] [--seconds 10] [--database-url URL]

Lines: issue_http_N_rate / _p50 / _p99, issue_floor_N_rate / _p50 / _p99,
issue_http_vs_floor_N (HTTP rate as % of the floor), issue_duplicate_numbers.
"""
from __future__ import annotations

import asyncio

from common import (
    arguments,
    bench_database,
    city_roster,
    duplicate_numbers,
    figure,
    floor_load,
    hall_servers,
    kiosk_load,
    raise_file_limit,
)


async def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    args = parser.parse_args()
    raise_file_limit()
    hall, roster = city_roster()
    async with bench_database(args.database_url) as database:
        async with hall_servers(database) as (server,):
            for kiosks in args.kiosks:
                http = await kiosk_load([server.url], kiosks, args.seconds, roster.kiosk_token, hall)
                http.report(f"issue_http_{kiosks}", "tickets")
                floor = await floor_load(database, hall, kiosks, args.seconds)
                floor.report(f"issue_floor_{kiosks}", "tickets")
                figure(f"issue_http_vs_floor_{kiosks}", 100 * http.rate / floor.rate, "%")
        figure("issue_duplicate_numbers", await duplicate_numbers(database), "tickets")


if __name__ == "__main__":
    asyncio.run(main())
