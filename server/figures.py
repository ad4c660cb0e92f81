"""The figures pages show, pushed over the live sockets: no page refetches after an event.

At most once a second per hall, when tickets or windows changed, and every 30 s
regardless (waits grow and estimates change with time alone), each socket of
the hall gets:

- `{"type": "queues", "as_of", "at", "full", "services", "zones"}`: waiting
  figures per service and zone (a socket that follows only zones gets only those
  zones). A socket's first push and the 30 s refresh are `full`; the others carry
  only the entries that changed since the hall's last push (a longest wait that
  grew with time alone is not a change: pages count it from `waiting_since` on
  the hall's clock, `at`), so 2,000 lobby screens are not sent the whole hall
  every second;
- a ticket link's follower, instead, `{"type": "ticket_status", ...}`: its own
  ticket with its people ahead, when that changed.

All computed from the live queues in memory (server.queue_state): no query.
"""
from __future__ import annotations

import asyncio
import logging
import time
from functools import lru_cache
from typing import Any

from server.clock import Clock
from server.frames import Delivery
from server.hall import Hall
from server.hub import Hub, Subscription
from server.public_ticket import public_status
from server.queue_state import HallQueue

log = logging.getLogger(__name__)

PUSH_EVERY = 1.0  # seconds: the most often a hall's figures go out
REFRESH_EVERY = 30.0  # seconds: figures go out this often even when nothing changed


_FIGURE_TOPICS = frozenset({"hall", "zone", "managers", "staff", "kiosk"})  # pages that show figures


@lru_cache(maxsize=4096)  # sockets of one kind share their topics
def wants_figures(topics: frozenset[str]) -> bool:
    return any(t.partition(":")[0] in _FIGURE_TOPICS for t in topics)


@lru_cache(maxsize=4096)
def zones_followed(topics: frozenset[str]) -> frozenset[str] | None:
    """The zones a zone screen follows; None when it follows more than zones."""
    zones = {t.partition(":")[2] for t in topics if t.startswith("zone:")}
    return frozenset(zones) if len(zones) == len(topics) else None


def queues_message(figures: dict[str, Any], as_of: int, zones: frozenset[str] | None,
                   full: bool) -> dict[str, Any]:
    if zones is not None:
        figures = {"at": figures["at"], "services": [s for s in figures["services"] if s["zone"] in zones],
                   "zones": [z for z in figures["zones"] if z["zone"] in zones]}
    return {"type": "queues", "as_of": as_of, "full": full, **figures}


def _lasting(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry without what grows with time alone (pages count it from `waiting_since`)."""
    return {k: v for k, v in entry.items() if k != "longest_wait_seconds"}


def _changes(figures: dict[str, Any], before: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """The entries of `figures` that differ from `before` (updated to `figures`), keyed by list and code."""
    changed: dict[str, Any] = {"at": figures["at"], "services": [], "zones": []}
    for kind, code in (("services", "service"), ("zones", "zone")):
        for entry in figures[kind]:
            lasting = _lasting(entry)
            if before.get((kind, entry[code])) != lasting:
                before[(kind, entry[code])] = lasting
                changed[kind].append(entry)
    return changed


class _Messages:
    """One push's messages, each built once for every socket that gets it."""

    def __init__(self, figures: dict[str, Any], changed: dict[str, Any], as_of: int) -> None:
        self._figures, self._changed, self._as_of = figures, changed, as_of
        self._built: dict[tuple[frozenset[str] | None, bool], Delivery] = {}

    def to(self, zones: frozenset[str] | None, *, whole: bool) -> Delivery:
        """The message for sockets following `zones` (None: all). One whose entries are all
        unchanged still goes: its `at` keeps the pages' hall clock right."""
        if (zones, whole) not in self._built:
            message = queues_message(self._figures if whole else self._changed, self._as_of, zones, whole)
            self._built[(zones, whole)] = Delivery.of(message)
        return self._built[(zones, whole)]


class FiguresPush:
    def __init__(self, hub: Hub, halls: dict[str, Hall], clock: Clock) -> None:
        self._hub, self._halls, self._clock = hub, halls, clock
        self._pushed: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}  # per hall, as last pushed

    async def run(self) -> None:
        refreshed = time.monotonic()
        while True:
            await asyncio.sleep(PUSH_EVERY)
            due = await self._estimated() | self._hub.take_changed()
            full = False
            if time.monotonic() - refreshed >= REFRESH_EVERY:
                due, full, refreshed = set(self._halls), True, time.monotonic()
            for hall_id in due:
                try:
                    self.push(hall_id, full=full)
                except Exception:  # one hall's failure must not stop the others' figures
                    log.exception("could not push the figures of hall %s", hall_id)

    async def _estimated(self) -> set[str]:
        """Halls whose wait estimates were run again (off the event loop) since the last push."""
        estimated = set()
        for hall_id in self._halls:
            try:
                if await self._hub.queue(hall_id).refresh_estimates(self._clock.now()):
                    estimated.add(hall_id)
            except Exception:  # an estimate's failure must not stop the figures
                log.exception("could not estimate the waits of hall %s", hall_id)
        return estimated

    def push(self, hall_id: str, *, full: bool = False) -> None:
        subscribers = list(self._hub.subscribers(hall_id))
        if not subscribers:
            return
        queue = self._hub.queue(hall_id)
        now = self._clock.now()
        figures = queue.figures(now)
        messages = _Messages(figures, _changes(figures, self._pushed.setdefault(hall_id, {})), queue.seq)
        for sub in subscribers:
            if sub.follows is not None:
                self._push_status(sub, self._halls[hall_id], queue)
            elif wants_figures(sub.topics):
                sub.offer(messages.to(zones_followed(sub.topics), whole=full or not sub.figures_sent))
                sub.figures_sent = True

    def _push_status(self, sub: Subscription, hall: Hall, queue: HallQueue) -> None:
        if sub.ticket is None:
            return
        status = public_status(hall, sub.ticket, queue, self._clock.now())
        if status != sub.sent_status:
            sub.sent_status = status
            sub.offer(Delivery.of({"type": "ticket_status", **status}))
