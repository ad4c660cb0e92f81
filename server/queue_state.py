"""Each hall's waiting tickets and window states, mirrored in this process's memory.

The hub applies every event to the mirror in sequence order (the same gap-free
stream the screens get), so the mirror is exactly the hall as of its `seq`.
From it come, without a query, the figures the pages show and each ticket's
place in the queue: people ahead as `routing.people_ahead` defines them,
computed here by counting whole queues at a time (the sort key grows with
arrival inside one queue, so a binary search finds where a ticket falls).
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from server.estimates import estimated_wait_minutes
from server.hall import Hall, Priority, Window
from server.model import Event, Ticket, WindowStateName
from server.routing import Candidate, counted_windows, rank, servable


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the mirror keeps it."""

    id: int
    day: date
    service: str
    zone: str
    priority: Priority
    arrival: datetime  # the slot time for an appointment, else when it (re)joined the queue
    queued_at: datetime
    target_window: int | None

    @classmethod
    def of(cls, ticket: Ticket) -> Waiting:
        return cls(ticket.id, ticket.day, ticket.service, ticket.zone, ticket.priority, ticket.arrival_at,
                   ticket.queued_at, ticket.target_window)

    @classmethod
    def from_public(cls, data: dict[str, Any]) -> Waiting:
        """From a ticket as events carry it (model.Ticket.public)."""
        return cls(data["id"], date.fromisoformat(data["day"]), data["service"], data["zone"],
                   Priority(data["priority"]), datetime.fromisoformat(data["arrival_at"]),
                   datetime.fromisoformat(data["queued_at"]), data["target_window"])

    def candidate(self, now: datetime) -> Candidate:
        return Candidate.waiting(self.id, self.service, self.priority, self.arrival, self.queued_at,
                                 self.target_window, now)

    @property
    def ranks_by_arrival(self) -> bool:
        """True when its sort key depends on `now` only through its own arrival: it can
        sit in a queue kept in arrival order (an appointment may turn from walk-in to
        appointment when its slot begins, and a transfer to one window is counted there)."""
        return self.priority is not Priority.APPOINTMENT and self.target_window is None


@dataclass(frozen=True)
class Place:
    """A waiting ticket's place in the queue now."""

    people_ahead: int
    estimated_wait_minutes: int
    windows: tuple[int, ...]  # the windows that may serve it


def _arrival_order(candidate: Candidate) -> tuple[datetime, int]:
    return candidate.arrival, candidate.ticket_id


class HallQueue:
    """One hall's mirror: apply events in order, ask for places and figures."""

    def __init__(self, hall: Hall, seq: int, waiting: Iterable[Waiting], window_states: dict[int, str]) -> None:
        self.hall = hall
        self.seq = seq
        self._windows = dict(window_states)
        self._tickets: dict[int, Waiting] = {}
        # Queues in arrival order, by service and priority: walk-ins and the green channel.
        self._queues: dict[tuple[str, Priority], list[Candidate]] = {}
        self._one_by_one: dict[int, Waiting] = {}  # appointments and transfers to one window
        self._day: date | None = None
        for ticket in waiting:
            self._add(ticket)

    # -- keeping the mirror ------------------------------------------------------

    def apply(self, event: Event) -> bool:
        """Apply one event (the next in sequence); True when waiting figures may have changed."""
        self.seq = event.seq
        changed = False
        ticket = event.payload.get("ticket")
        if isinstance(ticket, dict) and "queued_at" in ticket:
            self._remove(ticket["id"])
            if ticket["status"] == "waiting":
                self._add(Waiting.from_public(ticket))
            changed = True
        state = event.payload.get("window_state")
        if isinstance(state, dict):
            self._windows[state["number"]] = state["state"]
            changed = True
        return changed

    def _add(self, ticket: Waiting) -> None:
        self._tickets[ticket.id] = ticket
        if ticket.ranks_by_arrival:
            queue = self._queues.setdefault((ticket.service, ticket.priority), [])
            bisect.insort(queue, ticket.candidate(ticket.arrival), key=_arrival_order)
        else:
            self._one_by_one[ticket.id] = ticket

    def _remove(self, ticket_id: int) -> None:
        ticket = self._tickets.pop(ticket_id, None)
        if ticket is None:
            return
        if not ticket.ranks_by_arrival:
            del self._one_by_one[ticket_id]
            return
        queue = self._queues[(ticket.service, ticket.priority)]
        at = bisect.bisect_left(queue, (ticket.arrival, ticket.id), key=_arrival_order)
        del queue[at]

    def _today(self, now: datetime) -> date:
        """The hall's business day; tickets left waiting from an earlier day are dropped."""
        today = self.hall.local(now).date()
        if today != self._day:
            self._day = today
            for old in [t.id for t in self._tickets.values() if t.day != today]:
                self._remove(old)
        return today

    # -- reading -------------------------------------------------------------------

    @property
    def open_windows(self) -> set[int]:
        return {n for n, state in self._windows.items() if state == WindowStateName.OPEN.value}

    def place(self, ticket: Waiting, now: datetime) -> Place:
        """People ahead of a waiting ticket (see routing.people_ahead) and its wait estimate."""
        self._today(now)
        service = self.hall.service(ticket.service)
        serving = tuple(w.number for w in self.hall.windows_serving(ticket.service))
        target = ticket.candidate(now)
        opened = self.open_windows
        counted = counted_windows(self._may_serve(ticket), target, opened)
        shared: dict[tuple[bool, tuple], int] = {}  # windows of one profile see the same queues
        counts = []
        for window in counted:
            key = rank(window, target, now, self.hall.queue.starvation)
            profile = (window.universal, window.profile)
            if profile not in shared or target.target_window is not None:
                shared[profile] = self._ahead_in_queues(window, key, now)
            counts.append(shared[profile] + self._ahead_one_by_one(window, key, now))
        ahead = min(counts, default=0)
        open_serving = sum(1 for n in serving if n in opened)
        typical = service.typical_minutes if service else 0
        return Place(ahead, estimated_wait_minutes(ahead, typical, open_serving or len(serving)), serving)

    def _may_serve(self, ticket: Waiting) -> tuple[Window, ...]:
        """The windows that may serve it: its target window only, once transferred to one."""
        if ticket.target_window is not None:
            window = self.hall.window(ticket.target_window)
            return (window,) if window else ()
        return self.hall.windows_serving(ticket.service)

    def _ahead_in_queues(self, window: Window, key: tuple, now: datetime) -> int:
        starvation = self.hall.queue.starvation
        services = self._services_at(window)
        ahead = 0
        for (service, _priority), queue in self._queues.items():
            if not queue or service not in services:
                continue
            ahead += bisect.bisect_left(queue, key, key=lambda c: rank(window, c, now, starvation))
        return ahead

    def _services_at(self, window: Window) -> set[str] | frozenset[str]:
        if window.universal:
            return {service for service, _ in self._queues}
        return frozenset(r.service for r in window.profile)

    def _ahead_one_by_one(self, window: Window, key: tuple, now: datetime) -> int:
        starvation: timedelta = self.hall.queue.starvation
        ahead = 0
        for ticket in self._one_by_one.values():
            candidate = ticket.candidate(now)
            if servable(window, candidate) and rank(window, candidate, now, starvation) < key:
                ahead += 1
        return ahead

    def figures(self, now: datetime) -> dict[str, Any]:
        """Waiting count, longest wait and a rough wait estimate per service and per zone."""
        self._today(now)
        opened = self.open_windows
        waiting: dict[str, int] = {}
        oldest: dict[str, datetime] = {}
        for ticket in self._tickets.values():
            waiting[ticket.service] = waiting.get(ticket.service, 0) + 1
            if ticket.service not in oldest or ticket.queued_at < oldest[ticket.service]:
                oldest[ticket.service] = ticket.queued_at
        zones: dict[str, dict[str, Any]] = {
            z.code: {"zone": z.code, "waiting": 0, "open_windows": 0, "estimated_wait_minutes": 0}
            for z in self.hall.zones
        }
        services = []
        for service in self.hall.services:
            count = waiting.get(service.code, 0)
            serving = [w.number for w in self.hall.windows_serving(service.code)]
            open_count = sum(1 for n in serving if n in opened)
            estimate = estimated_wait_minutes(count, service.typical_minutes, open_count or len(serving))
            since = oldest.get(service.code)
            services.append({
                "service": service.code, "zone": service.zone, "waiting": count, "open_windows": open_count,
                "longest_wait_seconds": int((now - since).total_seconds()) if since else 0,
                "estimated_wait_minutes": estimate,
            })
            zone = zones[service.zone]
            zone["waiting"] += count
            zone["estimated_wait_minutes"] = max(zone["estimated_wait_minutes"], estimate)
        for window in self.hall.windows:
            if window.zone and window.number in opened:
                zones[window.zone]["open_windows"] += 1
        return {"services": services, "zones": list(zones.values())}
