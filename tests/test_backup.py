"""`hallq backup` of an embedded database and `hallq restore` into a fresh data folder: the same
tickets and events, a server that starts on them, and a second restore refused."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import aiohttp
import asyncpg
import pgserver

from server.config import DEFAULT_CONFIG_DIR
from server.store.embedded import stop_embedded
from tests.processes import HALLQ, hallq_serve
from tests.support import KIOSK, expect


def hallq(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HALLQ), *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "HALLQ_LOG": "WARNING"})


async def rows(data_dir: Path) -> tuple[list, list]:
    server = pgserver.get_server(data_dir / "pg", cleanup_mode="stop")
    try:
        con = await asyncpg.connect(server.get_uri())
        try:
            tickets = [tuple(r) for r in await con.fetch("SELECT * FROM tickets ORDER BY id")]
            events = [tuple(r) for r in await con.fetch("SELECT * FROM events ORDER BY hall, seq")]
        finally:
            await con.close()
    finally:
        stop_embedded(data_dir / "pg")
    return tickets, events


async def test_backup_then_restore_into_a_fresh_data_folder_gives_the_same_tickets_and_events(tmp_path):
    tmp_path.chmod(0o755)  # the embedded PostgreSQL runs as its own system user
    source, fresh, archive = tmp_path / "source", tmp_path / "fresh", tmp_path / "hall.dump"
    for folder in (source, fresh):
        folder.mkdir()
        folder.chmod(0o755)
    server = hallq_serve("source", DEFAULT_CONFIG_DIR, source)
    server.start()
    try:
        await server.ready()
        async with aiohttp.ClientSession() as http:
            for service in ("B01", "B01", "C01"):
                await expect(await http.post(f"{server.url}/api/v1/tickets", json={"service": service},
                                             headers=KIOSK), 201)
    finally:
        server.stop()

    saved = hallq("backup", str(archive), "--data-dir", str(source))
    assert saved.returncode == 0, saved.stderr
    restored = hallq("restore", str(archive), "--data-dir", str(fresh))
    assert restored.returncode == 0, restored.stderr
    again = hallq("restore", str(archive), "--data-dir", str(fresh))
    assert again.returncode == 1 and "the database is not empty" in again.stderr

    before, after = await rows(source), await rows(fresh)
    assert len(before[0]) == 3 and len(before[1]) >= 3
    assert after == before

    server = hallq_serve("restored", DEFAULT_CONFIG_DIR, fresh)
    server.start()
    try:
        await server.ready()
        async with aiohttp.ClientSession() as http:
            ticket = (await expect(await http.post(f"{server.url}/api/v1/tickets", json={"service": "B01"},
                                                   headers=KIOSK), 201))["ticket"]
        assert ticket["number"] == "B003"  # numbering goes on from the restored counters
    finally:
        server.stop()
