"""What the benchmark scripts share: a database, `hallq serve` processes, timed
load loops, percentiles and the database checks that prove nothing repeated.

Every script prints one line per figure, `name: value unit` (see
docs/benchmarks.md). Run them from the repository root with the project's
virtualenv, e.g. `.venv/bin/python bench/issue.py`.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import resource
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import psutil

from display.voice import Voice
from server.app import Settings
from server.auth import Principal
from server.clock import ScaledClock
from server.config import DEFAULT_CONFIG_DIR, load_hall
from server.context import HallContext
from server.directory import Directory
from server.hall import DeviceKind, Hall
from server.hub import Hub
from server.issuing import IssueRequest
from server.services import Services
from server.store.embedded import start_embedded
from server.store.pool import create_pool
from server.twin.day_profile import service_mix
from simulator import DEMO_PASSWORD
from simulator.driver import HallClient, call_next
from simulator.plan import Roster
from simulator.report import percentile
from simulator.server_process import ServerProcess, clock_options

CITY = DEFAULT_CONFIG_DIR / "city.toml"
# A Monday at opening: on a clock at real speed the hall stays open for the next eight hours.
OPENING = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
IDENTITY_KEY = "b7" * 32  # shared by all processes, so identity hashes agree


def figure(name: str, value: float | int | None, unit: str) -> None:
    """One result line: `name: value unit`."""
    shown = "n/a" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))
    print(f"{name}: {shown} {unit}", flush=True)


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", help="a PostgreSQL server to create the benchmark database on "
                                               "(default: an embedded one in a temporary folder)")
    return parser


def raise_file_limit() -> int:
    """Raise this process's open-file limit to the hard limit (server processes inherit it)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2 ** 20


def cpu_s(pid: int) -> float:
    """CPU seconds (user and system) a process has used so far."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


# --- a database and servers ---------------------------------------------------------


@asynccontextmanager
async def bench_database(server_url: str | None) -> AsyncIterator[str]:
    """A fresh database (dropped afterwards) on `server_url`, or on an embedded PostgreSQL."""
    if server_url is None:
        # pgserver removes the data folder when this process exits, after PostgreSQL has stopped.
        server_url = start_embedded(Path(tempfile.mkdtemp(prefix="hallq-bench-pg-")), delete_on_exit=True)
    name = f"hallq_bench_{os.getpid()}"
    await _admin(server_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    base, _, query = server_url.partition("?")
    try:
        yield f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
    finally:
        await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _admin(server_url: str, *statements: str) -> None:
    con = await asyncpg.connect(server_url)
    try:
        for statement in statements:
            await con.execute(statement)
    finally:
        await con.close()


def city_roster() -> tuple[Hall, Roster]:
    return load_hall(CITY), Roster("city", DEMO_PASSWORD)


@asynccontextmanager
async def hall_servers(database_url: str, count: int = 1,
                       clock: Sequence[str] = tuple(clock_options(OPENING, 1.0))) -> AsyncIterator[list[ServerProcess]]:
    """`count` `hallq serve` processes of the city hall (with the simulation roster) on one database."""
    hall, roster = city_roster()
    directory = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    config = roster.write_config(hall, CITY, directory)
    processes = [ServerProcess(config, directory, database_url=database_url, options=clock, name=f"server{n}",
                               env={"HALLQ_IDENTITY_KEY": IDENTITY_KEY}) for n in range(1, count + 1)]
    try:
        for process in processes:
            process.start()
        await asyncio.gather(*(p.ready() for p in processes))
        yield processes
    finally:
        for process in processes:
            process.stop()
        shutil.rmtree(directory, ignore_errors=True)


# --- timed load -----------------------------------------------------------------------


@dataclass
class Load:
    """Latencies (ms) of the requests one timed load made, and how long it ran."""

    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def p(self, fraction: float) -> float | None:
        return percentile(self.latencies_ms, fraction)

    def report(self, name: str, unit: str) -> None:
        figure(f"{name}_rate", self.rate, f"{unit}/s")
        figure(f"{name}_p50", self.p(0.5), "ms")
        figure(f"{name}_p99", self.p(0.99), "ms")


async def timed_loop(workers: int, seconds: float, act: Callable[[int], Awaitable[bool]]) -> Load:
    """`workers` tasks calling act(worker) back to back for `seconds`; act returns False to stop its worker."""
    load = Load()
    started = time.perf_counter()
    deadline = started + seconds

    async def worker(n: int) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            if not await act(n):
                return
            load.latencies_ms.append((time.perf_counter() - sent) * 1000)

    await asyncio.gather(*(worker(n) for n in range(workers)))
    load.seconds = time.perf_counter() - started
    return load


def ticket_requests(hall: Hall) -> Callable[[], dict]:
    """Issue bodies over the hall's services as a day's visitors ask for them, each with its own key."""
    mix = service_mix(hall)
    services = [code for code, share in mix.items() for _ in range(max(1, round(share * 200)))]
    run, numbers = secrets.token_hex(4), itertools.count()

    def body() -> dict:
        n = next(numbers)
        return {"service": services[n % len(services)], "idempotency_key": f"bench-{run}-{n:08d}"}
    return body


async def kiosk_load(urls: Sequence[str], kiosks: int, seconds: float, token: str, hall: Hall) -> Load:
    """`kiosks` kiosks issuing back to back, each on its own keep-alive connection, spread over `urls`."""
    bodies = ticket_requests(hall)
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) for _ in range(kiosks)]
    headers = {"Authorization": f"Bearer {token}"}

    async def issue(n: int) -> bool:
        async with sessions[n].post(f"{urls[n % len(urls)]}/api/v1/tickets", json=bodies(), headers=headers) as r:
            await r.read()
            if r.status != 201:
                raise RuntimeError(f"issuing answered {r.status}: {await r.text()}")
        return True

    try:
        return await timed_loop(kiosks, seconds, issue)
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


async def floor_load(database_url: str, hall: Hall, workers: int, seconds: float) -> Load:
    """The same issuing use case without HTTP: the server's own services on a pool of the server's size."""
    pool = await create_pool(database_url, max_size=Settings.pool_size)
    key = bytes.fromhex(IDENTITY_KEY)
    ctx = HallContext(pool, {hall.id: hall}, ScaledClock(OPENING, 1.0), key)
    hub = Hub(pool, database_url, {hall.id: hall}, key)
    await hub.start()  # issuing answers once the live queues hold the new ticket
    issuer, bodies = Services.build(ctx, hub, Directory(ctx), Voice()).issuer, ticket_requests(hall)
    kiosk = Principal(hall.id, "device", "bench-floor", DeviceKind.KIOSK)

    async def issue(_n: int) -> bool:
        body = bodies()
        await issuer.issue(kiosk, IssueRequest(service=body["service"], idempotency_key=body["idempotency_key"]),
                           "http://bench")
        return True

    try:
        return await timed_loop(workers, seconds, issue)
    finally:
        await hub.stop()
        await pool.close()


class Clerks:
    """Clerks signed in at windows, each sending its requests to the servers in turn."""

    def __init__(self, session: aiohttp.ClientSession, urls: Sequence[str], hall: Hall, roster: Roster) -> None:
        self.clients = [HallClient(session, url) for url in urls]
        self.hall, self.roster = hall, roster
        self.tokens: dict[int, str] = {}
        self._turn = itertools.count()

    def client(self) -> HallClient:
        return self.clients[next(self._turn) % len(self.clients)]

    async def sign_in(self, windows: Sequence[int]) -> None:
        async def one(window: int) -> None:
            login = {"hall": self.hall.id, "staff_id": self.roster.clerk(window), "password": self.roster.password}
            self.tokens[window] = (await self.client().request("POST", "/api/v1/staff/login", body=login))["token"]
            await self.client().request("POST", f"/api/v1/windows/{window}/sign-in", self.tokens[window],
                                        {"post": self.hall.window(window).posts[0]})  # type: ignore[union-attr]
        await asyncio.gather(*(one(w) for w in windows))

    async def serve_one(self, window: int, before_call: Callable[[int], None] | None = None) -> bool:
        """call-next, start, finish; False when nobody waits for this window."""
        token = self.tokens[window]
        if before_call:
            before_call(window)
        ticket = await call_next(self.client(), window, token)
        if ticket is None:
            return False
        for action in ("start", "finish"):
            await self.client().request("POST", f"/api/v1/tickets/{ticket['id']}/{action}", token)
        return True


# --- what the database says -------------------------------------------------------------


async def duplicate_numbers(database_url: str) -> int:
    """Ticket numbers given out twice on one day in one hall."""
    return await _count(database_url, "SELECT count(*) FROM (SELECT 1 FROM tickets"
                                      " GROUP BY hall, day, number HAVING count(*) > 1) AS repeated")


# The events of calls and of the ends of stays at windows. In commit order (the gap-free
# seq, not the clocks: each server process runs a simulated clock of its own) a ticket, and
# a window, must alternate between them: a call after a call is a double call.
_STAYS = ("'ticket.called', 'ticket.finished', 'ticket.no_show', 'ticket.transferred', 'ticket.cancelled'")


async def double_calls(database_url: str) -> int:
    """Calls of a ticket already at a window, plus calls at a window that already had a ticket."""
    per_ticket = await _count(database_url, _calls_after_calls("ticket_id"))
    per_window = await _count(database_url, _calls_after_calls("window_no"))
    return per_ticket + per_window


def _calls_after_calls(column: str) -> str:
    return ("SELECT count(*) FROM (SELECT kind, lag(kind) OVER (PARTITION BY hall, " + column + " ORDER BY seq)"
            " AS before FROM events WHERE " + column + " IS NOT NULL AND kind IN (" + _STAYS + ")) AS e"
            " WHERE kind = 'ticket.called' AND before = 'ticket.called'")


async def _count(database_url: str, sql: str) -> int:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetchval(sql)
    finally:
        await con.close()
