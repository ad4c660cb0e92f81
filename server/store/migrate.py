"""Versioned schema migrations, applied in order at start-up.

Each file `migrations/NNNN_name.sql` runs once, in its own transaction; an
advisory lock lets several server processes start together safely.
"""
from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x6A6C6C71  # any constant shared by all hallq processes

log = logging.getLogger(__name__)


def available_migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        found.append((int(path.name.split("_", 1)[0]), path))
    return found


async def migrate(con: asyncpg.Connection) -> list[int]:
    """Apply the migrations this database lacks; returns the versions applied."""
    await con.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await con.execute(
            "CREATE TABLE IF NOT EXISTS schema_versions ("
            " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await con.fetch("SELECT version FROM schema_versions")}
        applied = []
        for version, path in available_migrations():
            if version in done:
                continue
            async with con.transaction():
                await con.execute(path.read_text())
                await con.execute("INSERT INTO schema_versions (version) VALUES ($1)", version)
            log.info("applied migration %s", path.name)
            applied.append(version)
        return applied
    finally:
        await con.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
