"""`hallq backup FILE` and `hallq restore FILE`: the whole database in one pg_dump archive.

The PostgreSQL client tools come with pgserver (its `pginstall/bin`), so the embedded database
needs nothing installed; for an external database (`--database-url`) the same tools are used,
and they must not be older than its server. The archive is pg_dump's custom format: compressed,
and restored with pg_restore. The identity key (`identity.key` or HALLQ_IDENTITY_KEY) is kept
apart from the database on purpose and is not in the archive: keep it with the backup, or the
restored ID-number hashes cannot be matched again.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import asyncpg

from server.store.pool import connect_options


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why."""


def tool(name: str) -> Path:
    """pg_dump or pg_restore as pgserver ships them."""
    import pgserver._commands  # its bin folder; imported here: an external database may not need pgserver

    return Path(pgserver._commands.POSTGRES_BIN_PATH) / name


def backup(url: str, target: Path) -> None:
    _run([str(tool("pg_dump")), "--format=custom", "--no-owner", f"--file={target}", f"--dbname={url}"])


async def user_tables(url: str) -> int:
    """How many tables the database holds outside PostgreSQL's own schemas."""
    con = await asyncpg.connect(url, **connect_options())
    try:
        return await con.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    finally:
        await con.close()


def restore(url: str, source: Path, *, tables: int, replace: bool) -> None:
    """Restore `source` into the database at `url`, which holds `tables` tables: only an empty
    database, unless `replace` says its objects are to be dropped and made again from the archive."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if tables and not replace:
        raise BackupError(f"the database is not empty ({tables} tables): restore into a fresh data folder"
                          " or database, or pass --replace to drop what it holds")
    clean = ["--clean", "--if-exists"] if tables else []
    _run([str(tool("pg_restore")), "--no-owner", "--exit-on-error", "--single-transaction", *clean,
          f"--dbname={url}", str(source)])


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # The database URL is an argument, never part of what is shown: the tools print no arguments.
        raise BackupError(done.stderr.strip() or f"{Path(command[0]).name} exited {done.returncode}")
