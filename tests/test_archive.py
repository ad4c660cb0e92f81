"""`hallq archive`: a hall's tickets, stays and events older than its [retention] days move to the
archive table; the live period goes on with one unbroken run of event seqs."""
from __future__ import annotations

import os
import subprocess
from datetime import datetime

import asyncpg
import pytest

from server.config import DEFAULT_CONFIG_DIR
from server.services import SERVICES
from tests.conftest import MONDAY_10AM, SHANGHAI
from tests.processes import HALLQ
from tests.support import Clerk, issue, signed_in

LONG_AGO = datetime(2025, 6, 9, 10, 0, tzinfo=SHANGHAI)  # a Monday more than 400 days before any run of this test


async def fetch(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch(sql, *args)
    finally:
        await con.close()


async def test_archive_moves_old_rows_and_the_live_period_goes_on(client, clock, database_url, tmp_path):
    clock.set(LONG_AGO)
    old = [(await issue(client, "B01"))["ticket"] for _ in range(3)]
    clerk = await signed_in(client, "zhangwei", 41)
    await clerk.call_next()
    await clerk.window_action("next")  # the first done, the second called
    await clerk.ticket_action(old[1]["id"], "no-show")
    await clerk.call_next()
    await clerk.ticket_action(old[2]["id"], "cancel")
    clock.set(MONDAY_10AM)
    live = (await issue(client, "B01"))["ticket"]
    before = await fetch(database_url, "SELECT seq, at FROM events WHERE hall = 'city' ORDER BY seq")
    kept_seqs = [r["seq"] for r in before if r["at"].date() >= MONDAY_10AM.date()]

    config = tmp_path / "city.toml"
    config.write_text((DEFAULT_CONFIG_DIR / "city.toml").read_text(encoding="utf-8") + "\n[retention]\ndays = 400\n",
                      encoding="utf-8")
    done = subprocess.run([str(HALLQ), "archive", "--config", str(config), "--database-url", database_url],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "HALLQ_LOG": "WARNING"})
    assert done.returncode == 0, done.stderr
    assert f"city: archived 3 tickets, 3 stays and {len(before) - len(kept_seqs)} events" in done.stdout

    assert [r["id"] for r in await fetch(database_url, "SELECT id FROM tickets ORDER BY id")] == [live["id"]]
    assert not await fetch(database_url, "SELECT 1 FROM servings WHERE day < $1", MONDAY_10AM.date())
    archived = await fetch(database_url, "SELECT source, key, row FROM archive WHERE source = 'tickets' ORDER BY key")
    assert [r["key"] for r in archived] == [t["id"] for t in old]
    live_seqs = [r["seq"] for r in await fetch(database_url, "SELECT seq FROM events WHERE hall = 'city' ORDER BY seq")]
    assert live_seqs == kept_seqs == list(range(kept_seqs[0], kept_seqs[-1] + 1))

    # The live period: calling goes on, its events follow on, and a screen behind the archive gets a snapshot.
    clerk = await Clerk(client, "zhangwei", 41).login()  # a new day's session, at the window still held
    assert (await clerk.call_next())["id"] == live["id"]
    assert (await fetch(database_url, "SELECT max(seq) AS seq FROM events WHERE hall = 'city'"))[0]["seq"] \
        == live_seqs[-1] + 1
    hub = client.server.app[SERVICES].hub
    assert await hub.replay("city", live_seqs[0] - 2, frozenset({"hall"})) is None
    assert await hub.replay("city", live_seqs[-1], frozenset({"hall"}))
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await fetch(database_url, "DELETE FROM events WHERE hall = 'city' AND seq = $1", live_seqs[0])
