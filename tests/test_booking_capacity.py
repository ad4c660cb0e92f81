"""Capacity is never exceeded: 50 citizens book one slot of 5 places at once through two server
processes; exactly 5 get it, the 45 others a clear 409, and the database holds 5 bookings."""
from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import asyncpg

from tests.bookings_support import booking_body
from tests.processes import HallServers, hall_config

SLOT = "2026-11-24T10:00:00+08:00"  # the servers' clock starts on Monday 2026-11-23 09:00
CITIZENS = 50
PLACES = 5


async def test_fifty_concurrent_bookings_through_two_processes_fill_five_places_exactly(database_url, tmp_path):
    config = hall_config(tmp_path, clerks=0)
    config.write_text(config.read_text(encoding="utf-8") + f"\n[bookings.capacity]\nB01 = {PLACES}\n",
                      encoding="utf-8")
    servers = HallServers(database_url, config, tmp_path, 2)
    try:
        await servers.start()
        async with aiohttp.ClientSession() as session:
            async def one(n: int) -> tuple[int, str | None]:
                url = servers.urls[n % 2]
                async with session.post(f"{url}/api/v1/bookings", json=booking_body(n, SLOT)) as answer:
                    body = await answer.json()
                    return answer.status, body.get("error", {}).get("code")

            outcomes = await asyncio.gather(*(one(n) for n in range(CITIZENS)))
            async with session.get(f"{servers.urls[0]}/api/v1/slots?service=B01&day=2026-11-24") as answer:
                slot = next(s for s in (await answer.json())["slots"] if s["start"] == SLOT)
    finally:
        await servers.stop()
    assert Counter(outcomes) == Counter({(201, None): PLACES, (409, "slot_full"): CITIZENS - PLACES}), servers.logs()
    assert (slot["free"], slot["bookable"]) == (0, False)
    con = await asyncpg.connect(database_url)
    try:
        booked = await con.fetchval("SELECT booked FROM booking_slots WHERE service = 'B01'")
        rows = await con.fetchval("SELECT count(*) FROM bookings WHERE cancelled_at IS NULL")
    finally:
        await con.close()
    assert (booked, rows) == (PLACES, PLACES)
