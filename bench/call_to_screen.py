"""Call-to-screen latency: M lobby screens on the live websocket (topic `hall`)
while K windows call, start and finish tickets; for every call and every
screen, the time from sending the call request to that screen receiving the
`ticket.called` event. Also the server process's memory (RSS).

    .venv/bin/python bench/call_to_screen.py [--screens 100 2000] [--windows 8] [--interval 0.5] [--seconds 20]

Lines per M: call_to_screen_M_p50 / _p99 / _max (ms), call_to_screen_M_deliveries
(events received of those due), call_to_screen_M_rss (MB, the largest seen).

The screens are spread over --clients processes (default: one per core), each
reading its share of the sockets with a minimal websocket reader (`Screen`). Their
reading of each message still shares the cores with the server and is part of
the measured time, so the figures are an upper bound of what the server alone adds.
"""
from __future__ import annotations

import asyncio
import base64
import multiprocessing
import os
import re
import time
from collections import defaultdict
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from urllib.parse import urlsplit

import aiohttp

from common import (
    Clerks,
    arguments,
    bench_database,
    city_roster,
    figure,
    hall_servers,
    percentile,
    raise_file_limit,
    rss_mb,
    ticket_requests,
)
from server.hall import Hall
from simulator.driver import HallClient

CALLED = b'"kind": "ticket.called"'
_WINDOW = re.compile(rb'"window": (\d+)')  # the first is the event's own window: it precedes the ticket
_CONNECTING = 100  # screens connecting at once (each first gets a snapshot)


class Calls:
    """When each window sent each call that got a ticket, in order: a screen's k-th call
    event for a window answers that window's k-th call."""

    def __init__(self) -> None:
        self.sent: dict[int, list[float]] = defaultdict(list)

    def sending(self, window: int) -> None:
        self.sent[window].append(time.perf_counter())

    def latencies_ms(self, arrivals: list[dict[int, list[float]]]) -> list[float]:
        """From each screen's arrival times of the call events, by window. perf_counter is the
        system-wide monotonic clock on Linux, so times from the screens' processes compare."""
        return [(arrived - self.sent[window][k]) * 1000
                for screen in arrivals for window, times in screen.items() for k, arrived in enumerate(times)]


class Screen(asyncio.Protocol):
    """A lobby screen cut down to what is measured: the websocket upgrade, then each frame
    parsed just enough to stamp the call events and answer the server's pings. It reads a
    message for about half the CPU aiohttp's client takes, and the screens' reading
    shares the machine's cores with the server."""

    def __init__(self, url: str) -> None:
        where = urlsplit(url)
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (f"GET {where.path}?{where.query} HTTP/1.1\r\nHost: {where.netloc}\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        self.buffer = bytearray()
        self.upgraded = False
        self.texts = 0
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()  # hello and snapshot read
        self.arrivals: dict[int, list[float]] = defaultdict(list)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"screen connection lost: {exc}"))

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        if not self.upgraded:
            head, upgraded, rest = self.buffer.partition(b"\r\n\r\n")
            if not upgraded:
                return
            if not head.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(head.decode(errors="replace")))
                return
            self.upgraded, self.buffer = True, bytearray(rest)
        while (frame := self._frame()) is not None:
            self._received(*frame, now)

    def _frame(self) -> tuple[int, bytes] | None:
        """The next whole frame (opcode, payload) from the buffer; servers send them unmasked."""
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        size, start = buffer[1] & 0x7F, 2
        if size >= 126:
            start = 4 if size == 126 else 10
            if len(buffer) < start:
                return None
            size = int.from_bytes(buffer[2:start], "big")
        if len(buffer) < start + size:
            return None
        frame = buffer[0] & 0x0F, bytes(buffer[start:start + size])
        del buffer[:start + size]
        return frame

    def _received(self, opcode: int, payload: bytes, now: float) -> None:
        if opcode == 0x9:  # ping: pong, masked as a client must (with a zero mask)
            self.transport.write(bytes((0x8A, 0x80 | len(payload))) + bytes(4) + payload)
        elif opcode == 0x1:
            self.texts += 1
            if self.texts == 2:  # the hello, then the snapshot a new screen starts from
                self.ready.set_result(None)
            elif payload.startswith(b'{"type": "event"') and CALLED in payload:
                self.arrivals[int(_WINDOW.search(payload).group(1))].append(now)  # type: ignore[union-attr]

    def close(self) -> None:
        self.transport.write(b"\x88\x80" + bytes(4))  # a close frame, masked
        self.transport.close()


async def connect(url: str, gate: asyncio.Semaphore) -> Screen:
    where = urlsplit(url)
    async with gate:
        _, screen = await asyncio.get_running_loop().create_connection(lambda: Screen(url), where.hostname, where.port)
        await screen.ready
    return screen


def screens_process(url: str, screens: int, pipe: Connection) -> None:
    """One client process: connects its screens, says how many, reads them until told to
    stop, then sends back each screen's arrival times."""
    asyncio.run(_screens(url, screens, pipe))


async def _screens(url: str, screens: int, pipe: Connection) -> None:
    gate = asyncio.Semaphore(_CONNECTING)
    connected = await asyncio.gather(*(connect(url, gate) for _ in range(screens)))
    pipe.send(len(connected))
    await asyncio.to_thread(pipe.recv)  # stop
    for screen in connected:
        screen.close()
    pipe.send([dict(screen.arrivals) for screen in connected])


async def screen_clients(url: str, screens: int, clients: int) -> tuple[list[Connection], list[BaseProcess]]:
    """`screens` screens connected from `clients` processes; their pipes and processes."""
    context = multiprocessing.get_context("spawn")  # not fork: this process runs an event loop
    pipes: list[Connection] = []
    processes: list[BaseProcess] = []
    for n in range(clients):
        mine, theirs = context.Pipe()
        process = context.Process(target=screens_process, args=(url, screens // clients + (n < screens % clients),
                                                                 theirs), daemon=True)
        process.start()
        theirs.close()  # so a client process that fails ends our recv with EOFError
        pipes.append(mine)
        processes.append(process)
    for pipe in pipes:
        await asyncio.to_thread(pipe.recv)  # its screens are connected
    return pipes, processes


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
        except TimeoutError:
            pass


async def measure(base: str, pid: int, clerks: Clerks, screens: int, args, token: str) -> None:
    calls = Calls()
    live = f"{base.replace('http', 'ws', 1)}/api/v1/live?token={token}&topics=hall"
    pipes, processes = await screen_clients(live, screens, args.clients)
    peak, stop = [rss_mb(pid)], asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, peak, stop))
    deadline = time.perf_counter() + args.seconds
    await asyncio.gather(*(window_calls(clerks, w, calls, args.interval, deadline) for w in clerks.tokens))
    await asyncio.sleep(1.0)  # the last events on their way to the slowest screens
    stop.set()
    await sampler
    for pipe in pipes:
        pipe.send("stop")
    arrivals = [screen for pipe in pipes for screen in await asyncio.to_thread(pipe.recv)]
    for process in processes:
        process.join()
    latencies = calls.latencies_ms(arrivals)
    due = sum(len(sent) for sent in calls.sent.values()) * screens
    figure(f"call_to_screen_{screens}_p50", percentile(latencies, 0.5), "ms")
    figure(f"call_to_screen_{screens}_p99", percentile(latencies, 0.99), "ms")
    figure(f"call_to_screen_{screens}_max", max(latencies, default=None), "ms")
    figure(f"call_to_screen_{screens}_deliveries", len(latencies), f"of {due}")
    figure(f"call_to_screen_{screens}_rss", peak[0], "MB")


async def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--windows", type=int, default=8, help="calling windows (zone A intake, 1..30)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds each window waits between calls")
    parser.add_argument("--seconds", type=float, default=20.0, help="calling time per measurement")
    parser.add_argument("--clients", type=int, default=os.cpu_count() or 1,
                        help="processes the screens are spread over (default: one per core)")
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
