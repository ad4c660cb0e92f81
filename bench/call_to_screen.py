"""Call-to-screen latency: M lobby screens on the live websocket (topic `hall`)
while K windows call, start and finish tickets; for every call and every
screen, the time from sending the call request to that screen receiving the
`ticket.called` event. Also the server process's memory (RSS).

    .venv/bin/python bench/call_to_screen.py [--screens 100 2000] [--windows 8] [--interval 0.5] [--seconds 20]

Lines per M: call_to_screen_M_p50 / _p99 / _max (ms), call_to_screen_M_deliveries
(events received of those due), call_to_screen_M_rss (MB, the largest seen).

The screens run in this one client process: at 2,000 screens the client's own
reading of each message is part of the measured time, so the figures are an
upper bound of what the server alone adds.
"""
from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict

import aiohttp

from common import (Clerks, arguments, bench_database, city_roster, figure, hall_servers, percentile,
                    raise_file_limit, rss_mb, ticket_requests)
from server.hall import Hall
from server.simulation.driver import HallClient

CALLED = '"kind": "ticket.called"'
_WINDOW = re.compile(r'"window": (\d+)')  # the first is the event's own window: it precedes the ticket
_CONNECTING = 100  # screens connecting at once (each first gets a snapshot)


class Calls:
    """When each window sent each call that got a ticket, in order: a screen's k-th call
    event for a window answers that window's k-th call."""

    def __init__(self) -> None:
        self.sent: dict[int, list[float]] = defaultdict(list)
        self.latencies_ms: list[float] = []
        self.due = 0

    def sending(self, window: int) -> None:
        self.sent[window].append(time.perf_counter())


async def connect(session: aiohttp.ClientSession, url: str, gate: asyncio.Semaphore) -> aiohttp.ClientWebSocketResponse:
    async with gate:
        ws = await session.ws_connect(url)
        await ws.receive()  # hello
        await ws.receive()  # the snapshot a new screen starts from
    return ws


async def read(ws: aiohttp.ClientWebSocketResponse, calls: Calls) -> None:
    """Stamp each call event as it arrives; everything else is only read."""
    seen: dict[int, int] = defaultdict(int)
    async for message in ws:
        if message.type != aiohttp.WSMsgType.TEXT:
            return
        text = message.data
        if text.startswith('{"type": "event"') and CALLED in text:
            window = int(_WINDOW.search(text).group(1))  # type: ignore[union-attr]
            calls.latencies_ms.append((time.perf_counter() - calls.sent[window][seen[window]]) * 1000)
            seen[window] += 1


async def window_calls(clerks: Clerks, window: int, calls: Calls, interval: float, deadline: float) -> None:
    while time.perf_counter() < deadline:
        if not await clerks.serve_one(window, calls.sending):
            calls.sent[window].pop()  # nobody was called
            return
        await asyncio.sleep(interval)  # a clerk's pace, not a busy loop


async def sample_rss(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pid))
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            pass


async def measure(base: str, pid: int, clerks: Clerks, screens: int, args, token: str) -> None:
    calls = Calls()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        live = f"{base.replace('http', 'ws', 1)}/api/v1/live?token={token}&topics=hall"
        gate = asyncio.Semaphore(_CONNECTING)
        sockets = await asyncio.gather(*(connect(session, live, gate) for _ in range(screens)))
        readers = [asyncio.create_task(read(ws, calls)) for ws in sockets]
        peak, stop = [rss_mb(pid)], asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pid, peak, stop))
        deadline = time.perf_counter() + args.seconds
        await asyncio.gather(*(window_calls(clerks, w, calls, args.interval, deadline) for w in clerks.tokens))
        await asyncio.sleep(1.0)  # the last events on their way to the slowest screens
        stop.set()
        await sampler
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets))
    due = sum(len(sent) for sent in calls.sent.values()) * screens
    figure(f"call_to_screen_{screens}_p50", percentile(calls.latencies_ms, 0.5), "ms")
    figure(f"call_to_screen_{screens}_p99", percentile(calls.latencies_ms, 0.99), "ms")
    figure(f"call_to_screen_{screens}_max", max(calls.latencies_ms, default=None), "ms")
    figure(f"call_to_screen_{screens}_deliveries", len(calls.latencies_ms), f"of {due}")
    figure(f"call_to_screen_{screens}_rss", peak[0], "MB")


async def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--windows", type=int, default=8, help="calling windows (zone A intake, 1..30)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds each window waits between calls")
    parser.add_argument("--seconds", type=float, default=20.0, help="calling time per measurement")
    args = parser.parse_args()
    limit = raise_file_limit()
    if max(args.screens) + 200 > limit:
        raise SystemExit(f"{max(args.screens)} screens need more open files than the limit of {limit}")
    hall, roster = city_roster()
    windows = list(range(1, min(args.windows, 30) + 1))
    tickets = int(len(windows) * len(args.screens) * (args.seconds / args.interval + 5))
    async with bench_database(args.database_url) as database, hall_servers(database) as (server,):
        async with aiohttp.ClientSession() as session:
            await issue_zone_a(HallClient(session, server.url), roster.kiosk_token, hall, tickets)
            clerks = Clerks(session, [server.url], hall, roster)
            await clerks.sign_in(windows)
            for screens in args.screens:
                await measure(server.url, server.pid, clerks, screens, args, roster.screen_token)


async def issue_zone_a(client: HallClient, token: str, hall: Hall, count: int) -> None:
    """Enough zone A tickets for the windows to call throughout."""
    bodies = ticket_requests(hall)
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> None:
        body = {**bodies(), "service": f"A0{n % 7 + 1}"}
        async with gate:
            await client.request("POST", "/api/v1/tickets", token, body)
    await asyncio.gather(*(one(n) for n in range(count)))


if __name__ == "__main__":
    asyncio.run(main())
