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


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection)
