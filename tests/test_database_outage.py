"""PostgreSQL stopped, or frozen, for 10 s under light load — three kiosks issuing, a window
calling, a screen listening, a monitor asking /health and /ready — on one real `hallq serve`.

Every answer comes within 2 s: 503 (database_unavailable, or outcome_unknown when a commit
broke) with Retry-After while the database is away, liveness 200 throughout. Nothing
acknowledged is lost; the API and the screen are back within 5 s of the database; the
screen receives every hall event, without a gap; the log says it in a few JSON lines.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from server import events as contract
from server.clock import SystemClock
from server.context import HallContext
from server.database_health import OUTAGE_ERRORS
from server.errors import OutcomeUnknown
from server.store import events as event_store
from server.store.pool import create_pool
from tests.faults import ControlledPostgres
from tests.processes import Remote, hall_config, hallq_serve
from tests.support import KIOSK, signed_in

OUTAGE = 10.0  # seconds without the database
ANSWER_WITHIN = 2.0  # seconds any answer may take, also during the outage
RECOVER_WITHIN = 5.0  # seconds after the database returns
MAX_OUTAGE_LINES = 20  # log lines for the whole outage and recovery, at the default WARNING level
PAUSE = 0.3  # seconds between one client's requests
SCREEN = {"token": "demo-screen-hall", "topics": "hall"}
FAULTS: dict[str, tuple[Callable[[ControlledPostgres], None], Callable[[ControlledPostgres], None]]] = {
    "stopped": (ControlledPostgres.stop, ControlledPostgres.start),
    "frozen": (ControlledPostgres.freeze, ControlledPostgres.thaw),
}


@dataclass(frozen=True)
class Answer:
    what: str
    started: float
    seconds: float
    status: int | None  # None: no answer before the client gave up
    code: str | None
    retry_after: str | None


@dataclass
class Load:
    """The clients, recording every answer, every acknowledged ticket and what the screen saw."""

    session: aiohttp.ClientSession
    base: str
    clerk: dict[str, str]
    answers: list[Answer] = field(default_factory=list)
    acknowledged: set[int] = field(default_factory=set)  # ids of tickets answered 201
    seen: list[tuple[int, float]] = field(default_factory=list)  # (seq, when) of each event on the screen
    snapshots: list[int] = field(default_factory=list)  # seqs of the snapshots the screen got

    async def ask(self, what: str, method: str, path: str, **kw: Any) -> tuple[Answer, dict[str, Any]]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, body, retry_after = None, {}, None
        try:
            async with self.session.request(method, self.base + path, timeout=aiohttp.ClientTimeout(total=5),
                                            **kw) as response:
                status, body, retry_after = response.status, await response.json(), response.headers.get(
                    "Retry-After")
        except (aiohttp.ClientError, TimeoutError):
            pass
        error = body.get("error") if isinstance(body, dict) else None
        answer = Answer(what, started, loop.time() - started, status, error and error.get("code"), retry_after)
        self.answers.append(answer)
        return answer, body

    async def kiosk(self, n: int) -> None:
        """Issue, retrying each ticket with its own idempotency key until it is acknowledged."""
        for count in itertools.count():
            key = f"outage-{n}-{count}"
            while True:
                answer, body = await self.ask("issue", "POST", "/api/v1/tickets", headers=KIOSK,
                                              json={"service": "B01", "idempotency_key": key})
                await asyncio.sleep(PAUSE)
                if answer.status == 201:
                    self.acknowledged.add(body["ticket"]["id"])
                    break

    async def window(self) -> None:
        while True:
            await self.ask("call-next", "POST", "/api/v1/windows/41/call-next", headers=self.clerk)
            await asyncio.sleep(PAUSE)

    async def monitor(self) -> None:
        while True:
            await self.ask("health", "GET", "/api/v1/health")
            await self.ask("ready", "GET", "/api/v1/ready")
            await asyncio.sleep(PAUSE)

    async def screen(self) -> None:
        """A hall screen: resumes from its last seq whenever its socket ends."""
        last: int | None = None
        while True:
            params = {**SCREEN, **({"since": str(last)} if last is not None else {})}
            try:
                async with self.session.ws_connect(self.base + "/api/v1/live", params=params) as ws:
                    async for msg in ws:
                        if msg.type is not aiohttp.WSMsgType.TEXT:
                            break
                        last = self._saw(json.loads(msg.data), last)
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(PAUSE)

    def _saw(self, message: dict[str, Any], last: int | None) -> int | None:
        if message["type"] == "snapshot":
            self.snapshots.append(message["seq"])
            return int(message["seq"])
        if message["type"] == "event":
            self.seen.append((message["seq"], asyncio.get_running_loop().time()))
            return int(message["seq"])
        return last

    def during(self, start: float, end: float, *whats: str) -> list[Answer]:
        return [a for a in self.answers if start <= a.started <= end and a.what in whats]


@pytest.fixture
def postgres() -> Iterator[ControlledPostgres]:
    controlled = ControlledPostgres()
    yield controlled
    controlled.close()


async def _hall_events_after(url: str, seq: int) -> tuple[list[int], set[int]]:
    """Seqs of the events a hall screen gets after `seq`, and the ids of all tickets."""
    pool = await create_pool(url, max_size=1)  # with the server's JSON codecs
    try:
        async with pool.acquire() as con:
            events = await event_store.since(con, "city", seq, 100_000)
            tickets = {r["id"] for r in await con.fetch("SELECT id FROM tickets")}
    finally:
        await pool.close()
    return [e.seq for e in events if "hall" in contract.topics(e, {})], tickets


async def _last_seq(url: str) -> int:
    con = await asyncpg.connect(url)
    try:
        return await event_store.last_seq(con, "city")
    finally:
        await con.close()


def _lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines()


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_the_hall_rides_out_a_database_outage(fault: str, postgres: ControlledPostgres, tmp_path: Path):
    take_away, give_back = FAULTS[fault]
    server = hallq_serve("outage", hall_config(tmp_path, clerks=1), tmp_path, database_url=postgres.url)
    server.start()
    loop = asyncio.get_running_loop()
    try:
        await server.ready()
        async with aiohttp.ClientSession() as session:
            clerk = await signed_in(Remote(session, server.url), "clerk01", 41)
            load = Load(session, server.url, clerk.headers)
            tasks = [asyncio.create_task(c) for c in (*(load.kiosk(n) for n in range(3)), load.window(),
                                                      load.monitor(), load.screen())]
            try:
                await _until(lambda: bool(load.snapshots) and len(load.acknowledged) >= 3)
                lines_before = len(_lines(server.log_path))
                went = loop.time()
                await asyncio.to_thread(take_away, postgres)
                await asyncio.sleep(OUTAGE)
                returning = loop.time()
                await asyncio.to_thread(give_back, postgres)
                back = loop.time()
                seq_at_return = await _last_seq(postgres.url)
                await asyncio.sleep(RECOVER_WITHIN)
                outage_lines = _lines(server.log_path)[lines_before:]
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        server.stop()
    log = _lines(server.log_path)

    slow = [a for a in load.answers if a.status is None or a.seconds >= ANSWER_WITHIN]
    assert not slow, f"answers slower than {ANSWER_WITHIN} s: {slow[:5]}"
    away = [a for a in load.during(went + ANSWER_WITHIN, returning, "issue", "call-next", "ready")
            if a.started + a.seconds < returning]  # answered while the database was still away
    assert away and all(a.status == 503 for a in away), [a for a in away if a.status != 503][:5]
    unavailable = [a for a in load.answers if a.status == 503]
    assert all(a.code in ("database_unavailable", "outcome_unknown") and a.retry_after for a in unavailable)
    assert {a.status for a in load.answers if a.status != 503} <= {200, 201, 409}
    assert all(a.status == 200 for a in load.during(went, back + RECOVER_WITHIN, "health"))

    issued_again = [a for a in load.during(back, back + RECOVER_WITHIN, "issue") if a.status == 201]
    assert issued_again and issued_again[0].started + issued_again[0].seconds <= back + RECOVER_WITHIN
    assert any(seq > seq_at_return and when <= back + RECOVER_WITHIN for seq, when in load.seen), \
        "the screen got no event committed after the database returned"

    expected, tickets = await _hall_events_after(postgres.url, load.snapshots[0])
    assert load.snapshots == load.snapshots[:1], "the screen needed a second snapshot"
    assert [seq for seq, _ in load.seen] == expected[:len(load.seen)]
    assert len(load.seen) >= len(expected) - 3, "the screen missed events"  # the last ones may be in flight
    assert load.acknowledged <= tickets, f"acknowledged tickets lost: {load.acknowledged - tickets}"

    assert len(outage_lines) < MAX_OUTAGE_LINES, "\n".join(outage_lines)
    records = [json.loads(line) for line in log]
    assert not [r for r in records if "exc_info" in r or r["level"] == "ERROR"], log


# A COMMIT the server takes a second over (a deferred trigger sleeping), so the connection dies during it.
SLOW_COMMIT = """
CREATE TEMP TABLE slow_commit (x int) ON COMMIT DROP;
CREATE FUNCTION pg_temp.sleep_a_second() RETURNS trigger LANGUAGE plpgsql AS
    'BEGIN PERFORM pg_sleep(1); RETURN NULL; END';
CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON slow_commit DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pg_temp.sleep_a_second();
INSERT INTO slow_commit VALUES (1);
"""


async def _terminate(killer: asyncpg.Connection, con: Any) -> None:
    """End `con`'s backend and wait until the client has noticed (the pool lets the connection go)."""
    gone = asyncio.Event()
    con.add_termination_listener(lambda _con: gone.set())
    await killer.execute("SELECT pg_terminate_backend($1)", con.get_server_pid())
    await asyncio.wait_for(gone.wait(), 5)


async def test_a_connection_lost_at_commit_is_outcome_unknown_and_before_it_unavailable(database_url: str, city):
    pool = await create_pool(database_url, max_size=2)
    ctx = HallContext(pool, {city.id: city}, SystemClock(), b"k" * 32)
    killer = await asyncpg.connect(database_url)
    try:
        with pytest.raises(OutcomeUnknown):
            async with ctx.transaction() as con:
                await con.execute(SLOW_COMMIT)
                asyncio.get_running_loop().call_later(0.5, asyncio.ensure_future, killer.execute(
                    "SELECT pg_terminate_backend($1)", con.get_server_pid()))
        with pytest.raises(OUTAGE_ERRORS) as noticed_before_commit:
            async with ctx.transaction() as con:
                await con.execute("UPDATE windows SET state = state")
                await _terminate(killer, con)
        assert not isinstance(noticed_before_commit.value, OutcomeUnknown)
        with pytest.raises(OUTAGE_ERRORS) as before_commit:
            async with ctx.transaction() as con:
                await killer.execute("SELECT pg_terminate_backend($1)", con.get_server_pid())
                await con.execute("UPDATE windows SET state = state")
        assert not isinstance(before_commit.value, OutcomeUnknown)
        with pytest.raises(OUTAGE_ERRORS) as between_statements:
            async with ctx.transaction() as con:
                await _terminate(killer, con)
                await con.execute("UPDATE windows SET state = state")
        assert not isinstance(between_statements.value, OutcomeUnknown)
        async with ctx.transaction() as con:  # the pool replaced both connections
            assert await con.fetchval("SELECT 1") == 1
    finally:
        await killer.close()
        await pool.close()
