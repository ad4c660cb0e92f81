"""Connection pool set-up shared by the server, the CLI and the tests."""
from __future__ import annotations

import json

import asyncpg


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


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection,
                                     reset=_end_open_transaction)
