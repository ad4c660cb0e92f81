"""A restarted server's twin learns the day's pauses and latencies again from what is stored: its
pause lengths, share of paused time and clerks' latency between tickets are those the running server
had learnt from the live events."""
from __future__ import annotations

from datetime import timedelta

import asyncpg

from server.hall import Hall
from server.services import SERVICES
from server.twin.learning import DurationModel
from server.wait_estimates import HallNow
from tests.conftest import MONDAY_10AM
from tests.support import issue, signed_in


async def model_now(client, database_url: str, now) -> DurationModel:
    """The twin's model once the mirror has every event stored so far."""
    con = await asyncpg.connect(database_url)
    try:
        seq = await con.fetchval("SELECT max(seq) FROM events WHERE hall = 'city'")
    finally:
        await con.close()
    queue = await client.server.app[SERVICES].hub.reach("city", seq)
    return HallNow.of([], queue.watch.windows, queue.watch.learning, now, queue.seq).model


async def test_a_reloaded_hall_keeps_the_pauses_of_its_day(client, clock, database_url, city: Hall) -> None:
    clock.set(MONDAY_10AM)
    zhangwei, liyang = await signed_in(client, "zhangwei", 41), await signed_in(client, "liyang", 42)
    waiting = [(await issue(client, "B01"))["ticket"] for _ in range(2)]
    for minutes, ticket in [(1, None), (5, waiting[0]), (6, None), (8, waiting[1])]:
        clock.set(MONDAY_10AM + timedelta(minutes=minutes))
        if ticket is None:
            await zhangwei.call_next()
        else:
            await zhangwei.ticket_action(ticket["id"], "finish")
    for minutes, clerk, action, body in [(10, zhangwei, "pause", {"reason": "meeting"}),
                                         (40, zhangwei, "resume", {}),
                                         (50, liyang, "pause", {"reason": "break"}),
                                         (62, liyang, "resume", {}),
                                         (70, liyang, "pause", {"reason": "break"})]:  # still going
        clock.set(MONDAY_10AM + timedelta(minutes=minutes))
        await clerk.window_action(action, **body)
    now = MONDAY_10AM + timedelta(minutes=80)
    live = await model_now(client, database_url, now)
    assert live.pauses["meeting"] == (30 * 60.0,) and live.pauses["break"] == (12 * 60.0,)
    assert live.latency == 60.0  # the second ticket called a minute after the first left

    await client.server.app[SERVICES].hub.rehall(city)  # read from the database as at a start
    reloaded = await model_now(client, database_url, now)
    assert reloaded.pauses == live.pauses
    assert reloaded.latency == live.latency
    assert reloaded.paused_share == live.paused_share
