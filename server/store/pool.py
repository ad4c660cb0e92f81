"""Connection pool set-up shared by the server, the CLI and the tests.

Every wait on the database is bounded, so that an unreachable or frozen
PostgreSQL turns into a quick 503 instead of requests hanging: connecting,
each command (client side), each statement (server side, so a slow statement
is cancelled cleanly and its connection stays usable) and giving a
connection back.
"""
from __future__ import annotations

import json
from typing import Any

import asyncpg
from asyncpg.pool import Pool

CONNECT_TIMEOUT = 1.0  # seconds to open a connection (TCP or socket, then start-up)
COMMAND_TIMEOUT = 1.2  # seconds a command may take before the client gives up on it
STATEMENT_TIMEOUT_MS = 1000  # the server cancels a slow statement first: below COMMAND_TIMEOUT
RELEASE_TIMEOUT = 0.3  # a connection not reset by then (its server hung) is closed instead


async def _init_connection(con: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await con.set_type_codec(
            type_name, encoder=lambda v: json.dumps(v, ensure_ascii=False), decoder=json.loads,
            schema="pg_catalog",
        )


async def _end_open_transaction(con: asyncpg.Connection) -> None:
    """Reset on release without asyncpg's default `RESET ALL; UNLISTEN *; …` round trip.

    Pooled connections never change session settings or LISTEN (the hub has
    its own connection), so the only state worth clearing is a transaction
    left open by a cancelled request.
    """
    if con.is_in_transaction():
        await con.execute("ROLLBACK")


class BoundedPool(Pool):
    """asyncpg's pool, except that releasing a connection never waits long: after a command
    timed out on a frozen server, asyncpg would otherwise wait for its cancel request."""

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:
        await super().release(connection, timeout=RELEASE_TIMEOUT if timeout is None else timeout)


def connect_options() -> dict[str, Any]:
    """asyncpg connect arguments for every connection of the server, pooled or not."""
    return {"timeout": CONNECT_TIMEOUT, "command_timeout": COMMAND_TIMEOUT,
            "server_settings": {"statement_timeout": str(STATEMENT_TIMEOUT_MS)}}


async def create_pool(dsn: str, *, min_size: int = 0, max_size: int = 10) -> asyncpg.Pool:
    """Connections are opened when needed and kept while used. No floor (min_size 0): asyncpg
    keeps a floor with a task that logs a traceback per failed attempt during an outage, and
    DatabaseHealth already says once that the database is away."""
    # What asyncpg.create_pool does, with this pool class (create_pool takes none).
    pool = BoundedPool(dsn, min_size=min_size, max_size=max_size, init=_init_connection,
                       reset=_end_open_transaction, max_queries=50000, max_inactive_connection_lifetime=300.0,
                       loop=None, connection_class=asyncpg.Connection, record_class=asyncpg.Record,
                       **connect_options())
    return await pool
