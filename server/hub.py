"""Live events: from PostgreSQL NOTIFY to every subscribed websocket of this process.

Events are committed by any server process; each process LISTENs and fans the
events out to its own subscribers by topic. Sequence numbers are gap-free per
hall (see store.events), so a gap in what this process heard means a lost
notification, and the missing events are read back from the table: a
subscriber never silently misses one.
"""
from __future__ import annotations

import asyncio
import json
import logging
import struct
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import asyncpg

from server.hall import Hall
from server.model import Event
from server.store import events as event_store

log = logging.getLogger(__name__)

PUBLIC_TOPICS = ("hall", "zone", "window")  # may be shown on any screen
_CATCH_UP_BATCH = 500


def device_topics(kind: str, device: str) -> set[str] | None:
    """Topics of a kiosk hardware event (None for any other kind): never a public one.

    `print.*` goes to the kiosk's device agent, `kiosk.*` to the kiosk's own
    screen, `device.*` (agent, reader and printer status) to the kiosk and the managers.
    """
    family = kind.partition(".")[0]
    if family == "print":
        return {f"agent:{device}"}
    if family == "kiosk":
        return {f"kiosk:{device}"}
    if family == "device":
        return {f"kiosk:{device}", "managers"}
    return None


def event_topics(event: Event, serving: dict[str, tuple[int, ...]]) -> set[str]:
    """Topics an event belongs to; `serving` maps a service to the windows that may serve it."""
    only_device = device_topics(event.kind, str(event.payload.get("device", "")))
    if only_device is not None:
        return only_device
    topics = {"hall", "managers"}
    if event.zone:
        topics.add(f"zone:{event.zone}")
    if event.window_no is not None:
        topics.update((f"window:{event.window_no}", f"staff:{event.window_no}"))
    if event.ticket_id is not None:
        topics.add(f"ticket:{event.ticket_id}")
        ticket = event.payload.get("ticket") or {}
        if ticket.get("status") == "waiting":  # its queue changed: the consoles that may call it
            target = ticket.get("target_window")
            windows = (target,) if target else serving.get(ticket.get("service"), ())
            topics.update(f"staff:{n}" for n in windows)
    return topics


@dataclass(frozen=True)
class Delivery:
    """An event with its websocket message serialised once for all subscribers."""

    event: Event
    text: str

    @property
    def seq(self) -> int:
        return self.event.seq

    @cached_property
    def frame(self) -> bytes:
        """The message as a websocket frame, built once: the same bytes go to every socket."""
        return text_frame(self.text)


def text_frame(text: str) -> bytes:
    """`text` as one final, unmasked websocket text frame, as a server sends it (RFC 6455, 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


@dataclass(eq=False)
class Subscription:
    hall: str
    topics: frozenset[str]
    # None wakes the reader to say the client has gone.
    queue: asyncio.Queue[Delivery | None] = field(default_factory=lambda: asyncio.Queue(maxsize=5000))
    overflowed: bool = False  # the client is too slow; it must resume from its last seq
    # When set, deliveries go to it during the fan-out instead of to the queue: a
    # subscriber that can take them at once then needs no task wake-up per event.
    sink: Callable[[Delivery], None] | None = None

    def offer(self, delivery: Delivery) -> None:
        if self.sink is not None:
            self.sink(delivery)
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


class Hub:
    def __init__(self, pool: asyncpg.Pool, dsn: str, halls: dict[str, Hall]) -> None:
        self._pool = pool
        self._dsn = dsn
        self._serving = {
            hall_id: {s.code: tuple(w.number for w in hall.windows if w.level_of(s.code) is not None)
                      for s in hall.services}
            for hall_id, hall in halls.items()
        }
        self._last: dict[str, int] = {}
        self._by_topic: dict[tuple[str, str], set[Subscription]] = {}
        self._incoming: asyncio.Queue[str | None] = asyncio.Queue()  # None: read back what was missed
        self._tasks: list[asyncio.Task] = []
        self._listening = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        async with self._pool.acquire() as con:
            for hall_id in self._serving:
                self._last[hall_id] = await event_store.last_seq(con, hall_id)
        self._tasks = [asyncio.create_task(self._listen_forever()), asyncio.create_task(self._dispatch_forever())]
        await asyncio.wait_for(self._listening.wait(), timeout=30)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def last_seq(self, hall: str) -> int:
        return self._last.get(hall, 0)

    # -- subscribers ---------------------------------------------------------

    def subscribe(self, hall: str, topics: frozenset[str]) -> Subscription:
        sub = Subscription(hall, topics)
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

    def matches(self, event: Event, topics: frozenset[str]) -> bool:
        return not topics.isdisjoint(event_topics(event, self._serving.get(event.hall, {})))

    # -- receiving -----------------------------------------------------------

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("event listener lost its connection (%s); reconnecting", exc)
            self._listening.clear()
            await asyncio.sleep(0.5)

    async def _listen_once(self) -> None:
        con = await asyncpg.connect(self._dsn)
        closed = asyncio.Event()
        con.add_termination_listener(lambda _con: closed.set())
        try:
            await con.add_listener(event_store.CHANNEL, lambda *args: self._incoming.put_nowait(args[3]))
            # Anything committed while we were not listening is read back from the table.
            self._incoming.put_nowait(None)
            self._listening.set()
            await closed.wait()
        finally:
            if not con.is_closed():
                await con.close()

    async def _dispatch_forever(self) -> None:
        while True:
            payload = await self._incoming.get()
            try:
                await self._dispatch(payload)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("could not read missed events (%s); retrying", exc)
                await asyncio.sleep(0.2)
                self._incoming.put_nowait(None)

    async def _dispatch(self, payload: str | None) -> None:
        if payload is None:
            for hall_id in self._serving:
                await self._catch_up(hall_id)
            return
        parsed = event_store.from_notification(payload)
        hall, seq = (parsed.hall, parsed.seq) if isinstance(parsed, Event) else parsed
        last = self._last.get(hall, 0)
        if seq <= last:
            return
        if isinstance(parsed, Event) and seq == last + 1:
            self._fan_out(parsed)
        else:
            await self._catch_up(hall)

    async def _catch_up(self, hall: str) -> None:
        if hall not in self._serving:
            return
        while True:
            async with self._pool.acquire() as con:
                missed = await event_store.since(con, hall, self._last.get(hall, 0), _CATCH_UP_BATCH)
            for event in missed:
                self._fan_out(event)
            if len(missed) < _CATCH_UP_BATCH:
                return

    def _fan_out(self, event: Event) -> None:
        if event.seq <= self._last.get(event.hall, 0):
            return
        self._last[event.hall] = event.seq
        targets: set[Subscription] = set()
        for topic in event_topics(event, self._serving.get(event.hall, {})):
            targets.update(self._by_topic.get((event.hall, topic), ()))
        if not targets:
            return
        delivery = Delivery(event, json.dumps(event.message(), ensure_ascii=False, default=str))
        for sub in targets:
            sub.offer(delivery)
