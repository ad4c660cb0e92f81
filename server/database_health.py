"""Whether the database answers: what counts as an outage, and one log line per change.

Every request that meets an outage answers 503 on its own; the tracker only
remembers that the database is down, so the log says "database unavailable"
once and "database available again" once, not once per request. While it is
down a probe asks every half second, so "back" is noticed (and logged) even
when no request comes.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging

import asyncpg
from aiohttp import web

log = logging.getLogger(__name__)

# What the database (or the way to it) failing looks like from asyncpg: refused or
# broken connections, server shutdown or start-up (class 57, which includes a
# statement_timeout's cancel), timeouts of connect, acquire and commands, and a
# pooled connection the server closed while it was idle (asyncpg then reports an
# internal state error on its next use).
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.OperatorInterventionError,
    asyncpg.ConnectionDoesNotExistError, asyncpg.TooManyConnectionsError, asyncpg.InternalClientError,
)
PROBE_EVERY = 0.5  # seconds between probes while the database is down
PROBE_TIMEOUT = 1.0


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


class DatabaseHealth:
    def __init__(self) -> None:
        self._pool: asyncpg.Pool | None = None
        self._down_since: float | None = None
        self._watch: asyncio.Task[None] | None = None

    def attach(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, exc: BaseException) -> None:
        """A request (or the event listener) met an outage."""
        if self._down_since is not None:
            return
        self._down_since = asyncio.get_running_loop().time()
        log.warning("database unavailable", extra={"reason": _reason(exc)})
        if self._pool is not None:  # a context of its own: not the request's that noticed
            self._watch = asyncio.create_task(self._until_back(), context=contextvars.Context())

    def answered(self) -> None:
        """The database answered: if it was down, it is back."""
        if self._down_since is None:
            return
        seconds = asyncio.get_running_loop().time() - self._down_since
        self._down_since = None
        # A warning too: whoever was warned that it went should read that it is back.
        log.warning("database available again", extra={"down_seconds": round(seconds, 1)})

    async def ready(self) -> bool:
        """Does the database answer now? Updates the state either way."""
        if self._pool is None:
            return False
        try:
            async with self._pool.acquire(timeout=PROBE_TIMEOUT) as con:
                await con.fetchval("SELECT 1", timeout=PROBE_TIMEOUT)
        except OUTAGE_ERRORS as exc:
            self.failed(exc)
            return False
        self.answered()
        return True

    async def _until_back(self) -> None:
        while self.down:
            await asyncio.sleep(PROBE_EVERY)
            await self.ready()

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


DATABASE_HEALTH = web.AppKey("database_health", DatabaseHealth)
