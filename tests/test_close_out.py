"""Closing-time close-out on a scripted day (stepped clock): walk-ins still waiting at closing are
left unserved exactly once across processes, those at windows are served on, and what returns to
the queue after closing is closed out when the day is over; the statistics count them."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime, timedelta

import asyncpg

from server.app import create_app
from server.close_out import CloseOut
from server.services import SERVICES
from tests.conftest import MONDAY_10AM
from tests.support import KIOSK, Clerk, expect, issue, signed_in

CLOSING = MONDAY_10AM.replace(hour=17)  # the city hall's last session ends at 17:00


async def unserved_events(database_url: str) -> list[tuple[int, str]]:
    con = await asyncpg.connect(database_url)
    try:
        rows = await con.fetch("SELECT ticket_id, payload FROM events WHERE kind = 'ticket.unserved' ORDER BY seq")
    finally:
        await con.close()
    return [(r["ticket_id"], json.loads(r["payload"])["stage"]) for r in rows]


async def test_close_out_leaves_waiting_tickets_unserved_once_and_counts_them_as_abandoned(
        settings, aiohttp_client, clock, database_url):
    # The server's own pass runs at start only (10:00, nothing due): the passes below are the test's.
    client = await aiohttp_client(create_app(replace(settings, close_out_every=3600)))
    ctx = client.server.app[SERVICES].ctx
    processes = [CloseOut(ctx), CloseOut(ctx)]  # two server processes' close-outs on one database
    first, second, third, fourth = [(await issue(client, "B01"))["ticket"] for _ in range(4)]
    clerk = await signed_in(client, "zhangwei", 41)
    assert (await clerk.call_next())["id"] == first["id"]
    clock.set(CLOSING - timedelta(minutes=1))
    assert (await clerk.window_action("next"))["ticket"]["id"] == second["id"]  # at the window at closing
    assert await asyncio.gather(*(p.pass_once() for p in processes)) == [[], []]

    clock.set(CLOSING)
    closed = await asyncio.gather(*(p.pass_once() for p in processes))
    assert sorted(t.id for t in closed[0] + closed[1]) == [third["id"], fourth["id"]]
    assert await unserved_events(database_url) == [(third["id"], "closing"), (fourth["id"], "closing")]
    history = await clerk.get(f"/api/v1/tickets/{third['id']}")
    assert history["ticket"]["status"] == "unserved"
    queues = await expect(await client.get("/api/v1/queues", headers=KIOSK), 200)
    assert next(s for s in queues["services"] if s["service"] == "B01")["waiting"] == 0

    # 延时服务: the one at the window is served on; missed and back in the queue, it still waits.
    clock.advance(minutes=5)
    await clerk.ticket_action(second["id"], "no-show")
    assert (await clerk.ticket_action(second["id"], "rejoin"))["ticket"]["status"] == "waiting"
    clock.advance(minutes=5)
    assert await CloseOut(ctx).pass_once() == []  # closing was closed out already: a restart does not repeat it

    clock.set(CLOSING + timedelta(hours=15))  # Tuesday 08:00: the day is over
    closed = await asyncio.gather(*(p.pass_once() for p in processes))
    assert [t.id for t in closed[0] + closed[1]] == [second["id"]]
    assert (await unserved_events(database_url))[-1] == (second["id"], "day_end")

    boss = await Clerk(client, "wangfang", 0).login()
    day = CLOSING.date().isoformat()
    hall = (await boss.get(f"/api/v1/stats?by=hall&from={day}&to={day}"))["groups"][0]
    assert (hall["tickets"], hall["unserved"], hall["abandonment_rate"]) == (4, 3, 0.75)
    assert (hall["served"], hall["no_shows"]) == (1, 1)
    service = (await boss.get(f"/api/v1/stats?by=service&from={day}&to={day}"))["groups"]
    assert [(g["key"], g["unserved"]) for g in service] == [("B01", 3)]
    course = await boss.get(f"/api/v1/stats/day?day={day}")
    zone_b = next(z for z in course["zones"] if z["zone"] == "B")["waiting"]
    at = {datetime.fromisoformat(moment): i for i, moment in enumerate(course["samples"])}
    assert zone_b[at[CLOSING - timedelta(minutes=10)]] == 3 and zone_b[at[CLOSING]] == 0  # the waits end at closing
    window = (await boss.get(f"/api/v1/stats?by=window&from={day}&to={day}"))["groups"]
    assert [(g["key"], g["unserved"], g["abandonment_rate"]) for g in window] == [("41", None, None)]
