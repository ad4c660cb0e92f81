"""Live events: from PostgreSQL NOTIFY to every subscribed websocket of this process.

Events are committed by any server process; each process LISTENs and fans the
events out to its own subscribers by topic. Sequence numbers are gap-free per
hall (see store.events), so a gap in what this process heard means a lost
notification, and the missing events are read back from the table: a
subscriber never silently misses one.

In the same order, each event is applied to the hall's live queues
(server.queue_state): the figures pages show and every ticket's place come
from there, as of exactly the events this process has seen.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from server import events as contract
from server.database_health import OUTAGE_ERRORS, DatabaseHealth
from server.frames import Delivery
from server.hall import Hall
from server.model import Event
from server.queue_state import HallQueue, Waiting
from server.store import events as event_store
from server.store import measurements, tickets, windows
from server.store.pool import connect_options
from server.twin.learning import HallLearning
from server.twin.watch import WindowWatch

log = logging.getLogger(__name__)

_CATCH_UP_BATCH = 500
MAX_BACKLOG = 1000  # beyond this a snapshot is cheaper than replaying
_NOTIFY_WAIT = 0.2  # seconds to wait for a notification before reading the table instead
_LISTENER_PROBE_EVERY = 2.0  # seconds; a listener whose server stopped answering is replaced
_RETRY_EVERY = 0.5  # seconds between attempts to listen (or read back) again while the database is away


@dataclass(eq=False)
class Subscription:
    hall: str
    topics: frozenset[str]
    follows: int | None = None  # the one ticket an anonymous ticket link follows
    # None wakes the reader to say the client has gone.
    queue: asyncio.Queue[Delivery | None] = field(default_factory=lambda: asyncio.Queue(maxsize=5000))
    overflowed: bool = False  # the client is too slow; it must resume from its last seq
    # When set, deliveries go to it during the fan-out instead of to the queue: a
    # subscriber that can take them at once then needs no task wake-up per event.
    sink: Callable[[Delivery], bool] | None = None
    ticket: dict[str, Any] | None = None  # a follower's ticket as its last event showed it
    sent_status: dict[str, Any] | None = None  # the last ticket status pushed to a follower
    figures_sent: bool = False  # it has had the hall's full figures pushed: changes are enough now
    holder: tuple[str, str] | None = None  # ("device" or "staff", id) whose socket this is
    ended: str | None = None  # why the server ended it (its device or staff member was revoked)

    def offer(self, delivery: Delivery) -> None:
        if self.sink is not None:
            if not self.sink(delivery):
                self.close()
            return
        try:
            self.queue.put_nowait(delivery)
        except asyncio.QueueFull:
            self.overflowed = True

    def close(self) -> None:
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            self.overflowed = True  # the reader checks this on its next item


def _serving(hall: Hall) -> dict[str, tuple[int, ...]]:
    return {s.code: tuple(w.number for w in hall.windows_serving(s.code)) for s in hall.services}


class EventObserver(Protocol):
    def event_fanned_out(self, event: Event, seconds: float) -> None:
        """Once per event, in sequence order: `seconds` since its notification (or read-back) arrived."""


class Hub:
    def __init__(self, pool: asyncpg.Pool, dsn: str, halls: dict[str, Hall], key: bytes,
                 observer: EventObserver | None = None, health: DatabaseHealth | None = None) -> None:
        self._pool = pool
        self._observer = observer
        self._dsn = dsn
        self.health = health or DatabaseHealth()  # says once that the database went, once that it is back
        self._halls = halls
        self._key = key  # makes the card-read tokens of kiosk.identity messages
        self._queues: dict[str, HallQueue] = {}
        self._changed: set[str] = set()  # halls whose waiting figures changed since last asked
        self._waiters: dict[str, list[tuple[int, asyncio.Future[None]]]] = {}
        # per hall: each service's windows, for the topics of its queue's events
        self._serving = {hall_id: _serving(hall) for hall_id, hall in halls.items()}
        self._last: dict[str, int] = {}
        self._by_topic: dict[tuple[str, str], set[Subscription]] = {}
        # Notifications with when they arrived (time.perf_counter); None: read back what was missed.
        self._incoming: asyncio.Queue[tuple[str | None, float]] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._listening = asyncio.Event()
        self._watchers: list[tuple[frozenset[str], Callable[[Event], None]]] = []

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        async with self._pool.acquire() as con:
            for hall in self._halls.values():
                self._queues[hall.id] = await self._load(con, hall)
                self._last[hall.id] = self._queues[hall.id].seq
        self._tasks = [asyncio.create_task(self._listen_forever()), asyncio.create_task(self._dispatch_forever())]
        await asyncio.wait_for(self._listening.wait(), timeout=30)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @staticmethod
    async def _load(con: asyncpg.Connection, hall: Hall) -> HallQueue:
        """The hall's waiting tickets and windows with the seq they match, read in one snapshot."""
        async with con.transaction(isolation="repeatable_read", readonly=True):
            seq = await event_store.last_seq(con, hall.id)
            waiting = await tickets.waiting(con, hall.id)
            listed = await windows.list_all(con, hall.id)
            learning = HallLearning.seeded(hall, await measurements.stays(con, hall.id),
                                           await measurements.latest_issues(con, hall.id),
                                           await measurements.latencies(con, hall.id))
            watch = WindowWatch.seeded(learning, listed, await measurements.open_stays(con, hall.id),
                                       await measurements.duty_of_latest_day(con, hall))
        states = {s.number: s.state.value for s in listed}
        shut_since = {s.number: s.changed_at for s in listed if s.changed_at is not None}
        return HallQueue(hall, seq, [Waiting.of(t) for t in waiting], states, shut_since, watch)

    async def rehall(self, hall: Hall) -> None:
        """Take a reloaded hall definition (server/reload.py): its live queues are read again with it.
        Events the new mirror already includes are still delivered to subscribers, not applied twice."""
        self._serving[hall.id] = _serving(hall)
        async with self._pool.acquire() as con:
            self._queues[hall.id] = await self._load(con, hall)
        self._changed.add(hall.id)

    def last_seq(self, hall: str) -> int:
        return self._last.get(hall, 0)

    def queue(self, hall: str) -> HallQueue:
        """The hall's live queues as of the events this process has seen."""
        return self._queues[hall]

    async def reach(self, hall: str, seq: int) -> HallQueue:
        """The hall's live queues once they include event `seq`: the notification is
        usually here within a millisecond; if it is late, the table is read instead."""
        if self._last.get(hall, 0) < seq:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(hall, []).append((seq, waiter))
            try:
                await asyncio.wait_for(asyncio.shield(waiter), _NOTIFY_WAIT)
            except TimeoutError:
                await self._catch_up(hall, time.perf_counter())
        return self._queues[hall]

    async def reach_within(self, con: asyncpg.Connection, hall: str, seq: int) -> HallQueue:
        """The hall's live queues once they include event `seq`, from a transaction that holds the
        hall's event counter: `seq` and all before it are committed, so what this process has not
        heard yet is read on the transaction's own connection (never past `seq`: its own event is
        visible there), not awaited from a notification while every other action of the hall waits."""
        last = self._last.get(hall, 0)
        if last < seq:
            for event in await event_store.since(con, hall, last, seq - last):
                self._fan_out(event, time.perf_counter())
        return self._queues[hall]

    async def current(self, hall: str) -> HallQueue:
        """The hall's live queues including everything committed before this call."""
        async with self._pool.acquire() as con:
            seq = await event_store.last_seq(con, hall)
        return await self.reach(hall, seq)

    def take_changed(self) -> set[str]:
        """Halls whose waiting figures changed since the last call."""
        changed, self._changed = self._changed, set()
        return changed

    async def replay(self, hall: str, since: int, topics: frozenset[str]) -> list[Delivery] | None:
        """The events after `since` for these topics, None when a snapshot is cheaper (or
        `since` lies ahead of the hall's sequence, or before its oldest live event)."""
        async with self._pool.acquire() as con:
            latest = await event_store.last_seq(con, hall)
            if since > latest:
                return None
            backlog = await event_store.since(con, hall, since, MAX_BACKLOG + 1)
        if len(backlog) > MAX_BACKLOG or since < latest and (not backlog or backlog[0].seq != since + 1):
            return None  # too far behind, or behind events since archived (server/archive.py)
        return [self._delivery(e) for e in backlog if self.matches(e, topics)]

    def _delivery(self, event: Event) -> Delivery:
        return Delivery.of(contract.message(event, self._key), event.seq)

    # -- subscribers ---------------------------------------------------------

    def subscribe(self, hall: str, topics: frozenset[str], follows: int | None = None,
                  holder: tuple[str, str] | None = None) -> Subscription:
        sub = Subscription(hall, topics, follows, holder=holder)
        for topic in topics:
            self._by_topic.setdefault((hall, topic), set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        for topic in sub.topics:
            subs = self._by_topic.get((sub.hall, topic))
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_topic[(sub.hall, topic)]

    def end(self, hall: str, holder: tuple[str, str], reason: str) -> None:
        """End every subscription of `holder` in the hall: its socket is closed with `reason`."""
        for sub in list(self.subscribers(hall)):
            if sub.holder == holder:
                sub.ended = reason
                sub.close()

    def watch(self, kinds: frozenset[str], heard: Callable[[Event], None]) -> None:
        """Call `heard` with each event of these kinds, in sequence order, as it is fanned out."""
        self._watchers.append((kinds, heard))

    def subscribers(self, hall: str) -> Iterator[Subscription]:
        """Every subscription of the hall, once each."""
        seen: set[Subscription] = set()
        for (sub_hall, _topic), subs in list(self._by_topic.items()):
            if sub_hall == hall:
                for sub in subs - seen:
                    seen.add(sub)
                    yield sub

    def matches(self, event: Event, topics: frozenset[str]) -> bool:
        return not topics.isdisjoint(contract.topics(event, self._serving.get(event.hall, {})))

    # -- receiving -----------------------------------------------------------

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen_once()
            except OUTAGE_ERRORS + (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.health.failed(exc)
            self._listening.clear()
            await asyncio.sleep(_RETRY_EVERY)

    async def _listen_once(self) -> None:
        con = await asyncpg.connect(self._dsn, **connect_options())
        try:
            await con.add_listener(event_store.CHANNEL,
                                   lambda *args: self._incoming.put_nowait((args[3], time.perf_counter())))
            # Anything committed while we were not listening is read back from the table.
            self._incoming.put_nowait((None, time.perf_counter()))
            self._listening.set()
            self.health.answered()
            await self._until_lost(con)
        finally:
            con.terminate()  # never a goodbye that waits on a server which may not answer

    @staticmethod
    async def _until_lost(con: asyncpg.Connection) -> None:
        """Return only by raising: when the connection closes (the server stopped) or stops
        answering (a frozen server or a dead link would otherwise leave us listening to nothing)."""
        closed = asyncio.Event()
        con.add_termination_listener(lambda _con: closed.set())
        while not closed.is_set():
            try:
                await asyncio.wait_for(closed.wait(), _LISTENER_PROBE_EVERY)
            except TimeoutError:
                await con.fetchval("SELECT 1")
        raise ConnectionResetError("the event listener's connection closed")

    async def _dispatch_forever(self) -> None:
        while True:
            payload, received = await self._incoming.get()
            try:
                await self._dispatch(payload, received)
            except OUTAGE_ERRORS + (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.health.failed(exc)
                await asyncio.sleep(_RETRY_EVERY)
                self._incoming.put_nowait((None, received))  # read back what was missed once the database answers

    async def _dispatch(self, payload: str | None, received: float) -> None:
        if payload is None:
            for hall_id in self._serving:
                await self._catch_up(hall_id, received)
            return
        parsed = event_store.from_notification(payload)
        hall, seq = (parsed.hall, parsed.seq) if isinstance(parsed, Event) else parsed
        last = self._last.get(hall, 0)
        if seq <= last:
            return
        if isinstance(parsed, Event) and seq == last + 1:
            self._fan_out(parsed, received)
        else:
            await self._catch_up(hall, received)

    async def _catch_up(self, hall: str, since: float) -> None:
        """Read back and fan out what was missed; `since`: when the need to was noticed."""
        if hall not in self._serving:
            return
        while True:
            async with self._pool.acquire() as con:
                missed = await event_store.since(con, hall, self._last.get(hall, 0), _CATCH_UP_BATCH)
            for event in missed:
                self._fan_out(event, since)
            if len(missed) < _CATCH_UP_BATCH:
                return

    def _fan_out(self, event: Event, received: float) -> None:
        if event.seq <= self._last.get(event.hall, 0):
            return
        self._send(event)
        if self._observer is not None:
            self._observer.event_fanned_out(event, time.perf_counter() - received)

    def _send(self, event: Event) -> None:
        """Apply the event to the live queues, then write it to every subscriber of its topics."""
        self._last[event.hall] = event.seq
        queue = self._queues[event.hall]
        if event.seq > queue.seq and queue.apply(event):  # a mirror read after a reload has it already
            self._changed.add(event.hall)
        self._wake_waiters(event.hall, event.seq)
        for kinds, heard in self._watchers:
            if event.kind in kinds:
                heard(event)
        ended = contract.revoked(event)
        if ended is not None:
            self.end(event.hall, *ended)
        targets: set[Subscription] = set()
        for topic in contract.topics(event, self._serving.get(event.hall, {})):
            targets.update(self._by_topic.get((event.hall, topic), ()))
        if not targets:
            return
        delivery = self._delivery(event)
        for sub in targets:
            if sub.follows is not None and sub.follows == event.ticket_id and "ticket" in event.payload:
                sub.ticket = event.payload["ticket"]
            sub.offer(delivery)

    def _wake_waiters(self, hall: str, seq: int) -> None:
        waiters = self._waiters.get(hall)
        if not waiters:
            return
        still = []
        for wanted, waiter in waiters:
            if wanted <= seq:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                still.append((wanted, waiter))
        self._waiters[hall] = still
