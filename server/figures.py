"""The figures pages show, pushed over the live sockets: no page refetches after an event.

At most once a second per hall, when tickets or windows changed, and every 30 s
regardless (waits grow and estimates change with time alone), each socket of
the hall gets:

- `{"type": "queues", "as_of", "at", "services", "zones"}`: waiting figures per
  service and zone (a socket that follows only zones gets only those zones);
- a ticket link's follower, instead, `{"type": "ticket_status", ...}`: its own
  ticket with its people ahead, when that changed.

All computed from the live queues in memory (server.queue_state): no query.
"""
from __future__ import annotations

import asyncio
import logging
import time
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


def wants_figures(topics: frozenset[str]) -> bool:
    return any(t.partition(":")[0] in _FIGURE_TOPICS for t in topics)


def zones_followed(topics: frozenset[str]) -> frozenset[str] | None:
    """The zones a zone screen follows; None when it follows more than zones."""
    zones = {t.partition(":")[2] for t in topics if t.startswith("zone:")}
    return frozenset(zones) if len(zones) == len(topics) else None


def queues_message(figures: dict[str, Any], as_of: int, at: str, zones: frozenset[str] | None) -> dict[str, Any]:
    if zones is not None:
        figures = {"services": [s for s in figures["services"] if s["zone"] in zones],
                   "zones": [z for z in figures["zones"] if z["zone"] in zones]}
    return {"type": "queues", "as_of": as_of, "at": at, **figures}


class FiguresPush:
    def __init__(self, hub: Hub, halls: dict[str, Hall], clock: Clock) -> None:
        self._hub, self._halls, self._clock = hub, halls, clock

    async def run(self) -> None:
        refreshed = time.monotonic()
        while True:
            await asyncio.sleep(PUSH_EVERY)
            due = self._hub.take_changed()
            if time.monotonic() - refreshed >= REFRESH_EVERY:
                due, refreshed = set(self._halls), time.monotonic()
            for hall_id in due:
                try:
                    self.push(hall_id)
                except Exception:  # one hall's failure must not stop the others' figures
                    log.exception("could not push the figures of hall %s", hall_id)

    def push(self, hall_id: str) -> None:
        subscribers = list(self._hub.subscribers(hall_id))
        if not subscribers:
            return
        queue = self._hub.queue(hall_id)
        now = self._clock.now()
        figures = queue.figures(now)
        by_zones: dict[frozenset[str] | None, Delivery] = {}
        for sub in subscribers:
            if sub.follows is not None:
                self._push_status(sub, self._halls[hall_id], queue)
                continue
            if not wants_figures(sub.topics):
                continue
            zones = zones_followed(sub.topics)
            if zones not in by_zones:
                by_zones[zones] = Delivery.of(queues_message(figures, queue.seq, now.isoformat(), zones))
            sub.offer(by_zones[zones])

    def _push_status(self, sub: Subscription, hall: Hall, queue: HallQueue) -> None:
        if sub.ticket is None:
            return
        status = public_status(hall, sub.ticket, queue, self._clock.now())
        if status != sub.sent_status:
            sub.sent_status = status
            sub.offer(Delivery.of({"type": "ticket_status", **status}))
