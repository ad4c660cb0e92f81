"""Helpers for device agent tests: a running agent, a live-events feed, the database as text."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from hardware.agent import AgentSettings, DeviceAgent

KIOSK_ID = "kiosk-entrance"
KIOSK_TOKEN = "demo-kiosk-entrance"
Event = dict[str, Any]


def agent_settings(server: str, state_dir: Path, *, reader: str | None = None,
                   printer: str | None = None) -> AgentSettings:
    """Fast polling and short backoff, so tests do not wait on timers meant for a hall."""
    return AgentSettings(server=server, token=KIOSK_TOKEN, state_dir=state_dir, reader=reader, printer=printer,
                         status_interval=0.3, backoff=(0.05, 0.5), reader_poll=0.1, printer_status_timeout=0.2)


@asynccontextmanager
async def running_agent(settings: AgentSettings, **options: Any) -> AsyncIterator[DeviceAgent]:
    """The agent running in this event loop, welcomed by the server; cancelled on exit."""
    agent = DeviceAgent(settings, **options)
    task = asyncio.create_task(agent.run())
    try:
        waiting = asyncio.create_task(agent.connected.wait())
        done, _ = await asyncio.wait({waiting, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # the agent crashed: show why
        assert waiting in done, "the agent did not connect within 15 s"
        yield agent
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class Feed:
    """A live-events websocket; its events collected in the background and taken in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[Event] = []
        self._taken = 0
        self._new = asyncio.Event()
        self._task = asyncio.create_task(self._collect())

    @classmethod
    async def open(cls, session: aiohttp.ClientSession, base_url: str, token: str, topics: str) -> Feed:
        ws = await session.ws_connect(f"{base_url}/api/v1/live?token={token}&topics={topics}")
        return cls(ws)

    async def _collect(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                if data.get("type") == "event":
                    self.events.append(data)
                    self._new.set()

    async def next(self, kind: str, match: Callable[[Event], bool] = lambda e: True,
                   timeout: float = 10.0) -> Event:
        """The first event of `kind` after the last one taken that matches."""
        async with asyncio.timeout(timeout):
            while True:
                for index in range(self._taken, len(self.events)):
                    event = self.events[index]
                    if event["kind"] == kind and match(event):
                        self._taken = index + 1
                        return event
                self._new.clear()
                await self._new.wait()

    async def close(self) -> None:
        await self.ws.close()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def database_text(database_url: str) -> str:
    """Every row of every table, as PostgreSQL prints it."""
    con = await asyncpg.connect(database_url)
    try:
        tables = await con.fetch("SELECT table_name FROM information_schema.tables"
                                 " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        rows = []
        for table in tables:
            rows += [r[0] for r in await con.fetch(f'SELECT t::text FROM "{table["table_name"]}" t')]
        return "\n".join(rows)
    finally:
        await con.close()


async def job_rows(database_url: str) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch("SELECT id, ticket_id, status, attempts, error FROM print_jobs ORDER BY id")
    finally:
        await con.close()
