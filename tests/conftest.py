"""Shared fixtures: one real PostgreSQL (embedded) per test session, a fresh
database per test cloned from a migrated template, and the reference hall."""
from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from server.app import Settings, create_app
from server.clock import ManualClock
from server.config import DEFAULT_CONFIG_DIR, load_hall, load_halls
from server.hall import Hall
from server.store.embedded import start_embedded, stop_embedded
from server.store.migrate import migrate

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from tests.browser_support import Tabs

from tests.processes import HallServers, hall_servers

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
TEMPLATE = "hallq_template"
_databases = itertools.count(1)


def with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A real PostgreSQL for the session, with a migrated template database.

    Its data folder is our own, not pytest's tmp_path: pytest prunes old
    temp folders of concurrent sessions, and PostgreSQL runs as its own user.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="hallq-test-pg-"))
    url = os.environ.get("HALLQ_TEST_DATABASE_URL") or start_embedded(data_dir, delete_on_exit=True)

    async def prepare() -> None:
        con = await asyncpg.connect(url)
        try:
            await con.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            await con.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await con.close()
        template = await asyncpg.connect(with_database(url, TEMPLATE))
        try:
            await migrate(template)
        finally:
            await template.close()

    asyncio.run(prepare())
    yield url
    if "HALLQ_TEST_DATABASE_URL" not in os.environ:
        stop_embedded(data_dir)


@pytest.fixture
async def database_url(pg_url: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    name = f"hallq_test_{os.getpid()}_{next(_databases)}"
    con = await asyncpg.connect(pg_url)
    try:
        await con.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    finally:
        await con.close()
    yield with_database(pg_url, name)
    con = await asyncpg.connect(pg_url)
    try:
        await con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await con.close()


@pytest.fixture(scope="session")
def city() -> Hall:
    return load_hall(DEFAULT_CONFIG_DIR / "city.toml")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_10AM)


@pytest.fixture
def settings(city: Hall, database_url: str, clock: ManualClock) -> Settings:
    return Settings(halls={city.id: city}, database_url=database_url, identity_key=b"k" * 32, clock=clock, pool_size=5)


@pytest.fixture
async def client(settings: Settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


def config_path(name: str) -> Path:
    return DEFAULT_CONFIG_DIR / name


@pytest.fixture
async def servers(database_url: str, tmp_path: Path) -> AsyncIterator[HallServers]:
    """Two real `hallq serve` processes on one fresh database, with 20 extra clerks (clerk01…clerk20)."""
    async with hall_servers(database_url, tmp_path, count=2, clerks=20) as running:
        yield running


@pytest.fixture
def all_settings(database_url: str, clock: ManualClock) -> Settings:
    """The shipped halls (city, district, township) on one database."""
    return Settings(halls=load_halls(DEFAULT_CONFIG_DIR), database_url=database_url, identity_key=b"k" * 32,
                    clock=clock, pool_size=5)


@pytest.fixture
async def all_halls(all_settings: Settings, aiohttp_client):
    return await aiohttp_client(create_app(all_settings))


@pytest.fixture
async def live_server(settings: Settings, aiohttp_server):
    """The app on a real localhost socket, for browsers and websocket clients.

    `settings` (and so the database) comes first: fixtures end in reverse
    order, so the server stops before its database is dropped."""
    return await aiohttp_server(create_app(settings))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=10_000)  # a loaded 2-core CI machine renders slowly; speed is benchmarked elsewhere
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def tabs(browser: Browser, live_server) -> AsyncIterator[Tabs]:
    """Pages on the live server, closed before it stops."""
    from tests.browser_support import Tabs, base_url

    opened = Tabs(browser, base_url(live_server))
    yield opened
    await opened.close()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots are kept for people to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
