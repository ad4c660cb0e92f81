"""Two server processes on one database, 20 windows calling concurrently over
a few thousand tickets: no ticket is called twice, none is lost, no number repeats.

Tickets are issued through both processes while the windows already call;
every console sends its requests to the two processes in turn, so a ticket
is typically called on one process and started or finished on the other.
The verdict is read from the database itself.
"""
from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

import aiohttp
import asyncpg

from tests.processes import HallServers, Remote, extra_clerks
from tests.support import Clerk, issue

TICKETS = 2000
# Zone B windows (41-46 whole zone, 47-48 loans first), universal windows, and zone A intake windows.
WINDOWS = [*range(41, 49), *range(89, 97), 1, 2, 3, 4]
# Zone B and zone A services, and C01 which only the universal windows here may serve.
SERVICES = ["B01", "B02", "B03", "B04", "B01", "B02", "A01", "A02", "A05", "C01"]
ISSUERS = 24  # kiosk requests in flight at once
DEADLINE = 150.0  # seconds for issuing and serving everything; normally a fraction
RETRIES = 5  # sendings of one request answered database_unavailable


class PatientRemote(Remote):
    """A client that sends again what was answered 503 `database_unavailable` (nothing was
    done, as docs/api.md says), after its Retry-After: two processes, PostgreSQL and this
    load on two cores may keep a statement past the server's one-second bound."""

    async def post(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:  # type: ignore[override]
        for _attempt in range(RETRIES):
            response = await super().post(path, **kwargs)
            if response.status != 503 or (await response.json())["error"]["code"] != "database_unavailable":
                return response
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        return response


class Arrivals:
    """How many tickets have been issued so far, and whether issuing is over."""

    def __init__(self) -> None:
        self.count = 0
        self.done = False
        self._changed = asyncio.Condition()

    async def add(self) -> None:
        async with self._changed:
            self.count += 1
            self._changed.notify_all()

    async def finish(self) -> None:
        async with self._changed:
            self.done = True
            self._changed.notify_all()

    async def beyond(self, seen: int) -> None:
        """Until a ticket after the first `seen` has been issued, or issuing is over."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.count > seen or self.done)


async def issue_all(session: aiohttp.ClientSession, servers: HallServers, arrivals: Arrivals) -> list[dict[str, Any]]:
    """Every ticket through a kiosk, alternating processes, each with its own idempotency key."""
    kiosks = [PatientRemote(session, url) for url in servers.urls]
    gate = asyncio.Semaphore(ISSUERS)

    async def one(n: int) -> dict[str, Any]:
        async with gate:
            body = await issue(kiosks[n % len(kiosks)], SERVICES[n % len(SERVICES)],
                               idempotency_key=f"multiprocess-{n:05d}")
        assert body["created"], f"ticket {n} was answered as a retry: {body}"
        await arrivals.add()
        return body["ticket"]

    try:
        return await asyncio.gather(*(one(n) for n in range(TICKETS)))
    finally:
        await arrivals.finish()


async def serve_until_empty(clerk: Clerk, arrivals: Arrivals) -> list[int]:
    """call-next → start → finish until nothing is left for this window; the ids it served."""
    served: list[int] = []
    while True:
        seen, issuing_over = arrivals.count, arrivals.done
        response = await clerk.client.post(f"/api/v1/windows/{clerk.window}/call-next", headers=clerk.headers)
        body = await response.json()
        if response.status == 409 and body["error"]["code"] == "busy":
            continue  # other windows held every head it tried: ask again
        assert response.status == 200, f"window {clerk.window}: call-next answered {response.status}: {body}"
        ticket = body["ticket"]
        if ticket is None:
            if issuing_over:
                return served
            await arrivals.beyond(seen)
            continue
        assert ticket["window"] == clerk.window and ticket["status"] == "called", ticket
        await clerk.ticket_action(ticket["id"], "start")
        finished = (await clerk.ticket_action(ticket["id"], "finish"))["ticket"]
        assert finished["status"] == "done", finished
        served.append(ticket["id"])


async def test_two_processes_twenty_windows_call_every_ticket_exactly_once(servers: HallServers, database_url: str):
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        clerks = [
            Clerk(PatientRemote(session, *servers.urls[i % 2:], *servers.urls[:i % 2]), staff_id, window)
            for i, (staff_id, window) in enumerate(zip(extra_clerks(len(WINDOWS)), WINDOWS, strict=False))
        ]
        await asyncio.gather(*(clerk.login() for clerk in clerks))
        for clerk in clerks:
            await clerk.sign_in()
        arrivals = Arrivals()
        try:
            async with asyncio.timeout(DEADLINE), asyncio.TaskGroup() as group:  # one failure stops all
                issuing = group.create_task(issue_all(session, servers, arrivals))
                windows = [group.create_task(serve_until_empty(clerk, arrivals)) for clerk in clerks]
        except TimeoutError:
            raise AssertionError(f"not done within {DEADLINE:.0f} s: {arrivals.count} of {TICKETS} issued;"
                                 f"\n{servers.logs()}") from None
        issued, served = issuing.result(), [window.result() for window in windows]
        for clerk in clerks:  # every window is idle again: signing out succeeds
            await clerk.window_action("sign-out")

    issued_ids = [t["id"] for t in issued]
    assert len(set(issued_ids)) == TICKETS
    served_ids = list(itertools.chain.from_iterable(served))
    twice = [ticket for ticket, n in Counter(served_ids).items() if n > 1]
    assert not twice, f"called twice, by the windows' own account: {twice[:10]}"
    assert set(served_ids) == set(issued_ids), f"{len(set(issued_ids) - set(served_ids))} tickets never served"
    assert sum(1 for ids in served if ids) >= 16, f"most windows should have served: {[len(s) for s in served]}"

    con = await asyncpg.connect(database_url)
    try:
        await assert_consistent(con, issued_ids)
    finally:
        await con.close()


async def assert_consistent(con: asyncpg.Connection, issued_ids: list[int]) -> None:
    statuses = dict(await con.fetch("SELECT status, count(*) FROM tickets GROUP BY status"))
    assert statuses == {"done": TICKETS}, f"ticket statuses: {statuses}"
    assert {r["id"] for r in await con.fetch("SELECT id FROM tickets")} == set(issued_ids)

    calls = await con.fetch(
        "SELECT ticket_id, count(*) AS n FROM events WHERE kind = 'ticket.called' GROUP BY ticket_id")
    assert {r["ticket_id"] for r in calls} == set(issued_ids), "a ticket has no ticket.called event"
    assert [r for r in calls if r["n"] != 1] == [], "a ticket was called more than once"
    for kind in ("ticket.issued", "ticket.started", "ticket.finished"):
        counts = await con.fetchrow(
            "SELECT count(*) AS events, count(DISTINCT ticket_id) AS tickets FROM events WHERE kind = $1", kind)
        assert dict(counts) == {"events": TICKETS, "tickets": TICKETS}, f"{kind}: {dict(counts)}"

    servings = await con.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT ticket_id) AS tickets,"
        " count(*) FILTER (WHERE outcome = 'done' AND started_at IS NOT NULL AND ended_at IS NOT NULL) AS done"
        " FROM servings")
    assert dict(servings) == {"n": TICKETS, "tickets": TICKETS, "done": TICKETS}, dict(servings)
    mismatched = await con.fetchval(
        "SELECT count(*) FROM servings s JOIN tickets t ON t.id = s.ticket_id"
        " WHERE s.window_no <> t.window_no OR s.staff_id IS DISTINCT FROM t.staff_id")
    assert mismatched == 0, "a serving row disagrees with its ticket about the window or the clerk"

    repeated = await con.fetch("SELECT day, number FROM tickets GROUP BY day, number HAVING count(*) > 1")
    assert repeated == [], f"numbers issued twice: {[tuple(r) for r in repeated[:10]]}"
    prefixes = "SELECT prefix, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM tickets GROUP BY prefix"
    for row in await con.fetch(prefixes):
        assert (row["lo"], row["hi"]) == (1, row["n"]), f"prefix {row['prefix']}: numbers skip: {dict(row)}"
    counters = dict(await con.fetch("SELECT prefix, last_value FROM ticket_counters"))
    per_prefix = dict(await con.fetch("SELECT prefix, count(*) FROM tickets GROUP BY prefix"))
    assert counters == per_prefix, f"number counters {counters} disagree with tickets {per_prefix}"

    events = await con.fetchrow(
        "SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, count(DISTINCT seq) AS distinct_seqs"
        " FROM events WHERE hall = 'city'")
    expected = TICKETS * 4 + 2 * len(WINDOWS)  # issued, called, started, finished; sign-in and -out
    assert dict(events) == {"n": expected, "lo": 1, "hi": expected, "distinct_seqs": expected}, dict(events)
    assert await con.fetchval("SELECT last_seq FROM event_counters WHERE hall = 'city'") == expected
    windows = await con.fetch("SELECT number FROM windows WHERE current_ticket IS NOT NULL OR state <> 'closed'")
    assert windows == [], f"windows left open or holding a ticket: {[r['number'] for r in windows]}"
