"""Each hall's waiting tickets and window states, mirrored in this process's memory.

The hub applies every event to the mirror in sequence order (the same gap-free
stream the screens get), so the mirror is exactly the hall as of its `seq`.
From it come, without a query, the figures the pages show and each ticket's
place in the queue: people ahead as `routing.people_ahead` defines them,
computed here by counting whole queues at a time (the sort key grows with
arrival inside one queue, so a binary search finds where a ticket falls).
"""
from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from server.events import Kind
from server.hall import Hall, Priority, Window
from server.model import Event, Ticket, WindowStateName
from server.routing import Candidate, counted_windows, rank, servable
from server.twin.learning import HallLearning
from server.twin.watch import WindowNow, WindowWatch
from server.wait_estimates import Estimate, HallNow, WaitEstimates


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


@dataclass(frozen=True)
class Place:
    """A waiting ticket's place in the queue now."""

    people_ahead: int
    estimate: Estimate  # from the hall's twin
    windows: tuple[int, ...]  # the windows that may serve it

    @property
    def estimated_wait_minutes(self) -> int | None:
        """None: no window that may serve it is signed in (暂无开放窗口)."""
        return self.estimate.minutes

    @property
    def estimated_wait_range(self) -> list[int] | None:
        low, high = self.estimate.low, self.estimate.high
        return [low, high] if low is not None and high is not None else None


QUICK_RUN = 0.015  # seconds: a twin run this quick may run inside a request
FRESH_WITHIN = timedelta(seconds=10)  # of hall time: an older run is run again inside the request


def _arrival_order(candidate: Candidate) -> tuple[datetime, int]:
    return candidate.arrival, candidate.ticket_id


class HallQueue:
    """One hall's mirror: apply events in order, ask for places and figures."""

    def __init__(self, hall: Hall, seq: int, waiting: Iterable[Waiting], window_states: dict[int, str],
                 shut_since: dict[int, datetime] | None = None, watch: WindowWatch | None = None) -> None:
        self.hall = hall
        self.seq = seq
        # The windows as the twin sees them, and what the hall measured (server.twin).
        self.watch = watch or WindowWatch(HallLearning(hall), {
            n: WindowNow(n, WindowStateName(state)) for n, state in window_states.items()})
        self.estimates = WaitEstimates(hall)
        self._refreshing = False  # a run is going on another thread
        self._open = {n for n, state in window_states.items() if state == WindowStateName.OPEN.value}
        # When each window not open stopped being open: how long a queue has had nobody to call it.
        self._shut_since = {n: at for n, at in (shut_since or {}).items() if n not in self._open}
        self._tickets: dict[int, Waiting] = {}
        # Queues in arrival order, by service and priority: walk-ins and the green channel.
        self._queues: dict[str, dict[Priority, list[Candidate]]] = {}
        self._appointments: dict[int, Waiting] = {}  # counted one by one: their key changes at the slot
        self._targeted: dict[int, dict[int, Waiting]] = {}  # by window: transfers to one window
        self._day: date | None = None
        for ticket in waiting:
            self._add(ticket)

    # -- keeping the mirror ------------------------------------------------------

    def apply(self, event: Event) -> bool:
        """Apply one event (the next in sequence); True when waiting figures may have changed."""
        self.seq = event.seq
        changed = False
        ticket = event.payload.get("ticket")
        state = event.payload.get("window_state")
        if isinstance(state, dict):
            self.watch.window(state, event.at)
        if isinstance(ticket, dict) and "queued_at" in ticket:
            self._remove(ticket["id"])
            if ticket["status"] == "waiting":
                self._add(Waiting.from_public(ticket))
            self.watch.ticket(ticket, event.at, event.kind == Kind.TICKET_ISSUED, self._has_work)
            changed = True
        if isinstance(state, dict):
            number = state["number"]
            if state["state"] == WindowStateName.OPEN.value:
                self._open.add(number)
                self._shut_since.pop(number, None)
            else:  # paused then closed: shut since the pause
                self._open.discard(number)
                self._shut_since.setdefault(number, event.at)
            changed = True
        return changed

    def _add(self, ticket: Waiting) -> None:
        self._tickets[ticket.id] = ticket
        if ticket.target_window is not None:
            self._targeted.setdefault(ticket.target_window, {})[ticket.id] = ticket
        elif ticket.priority is Priority.APPOINTMENT:
            self._appointments[ticket.id] = ticket
        else:
            queue = self._queues.setdefault(ticket.service, {}).setdefault(ticket.priority, [])
            bisect.insort(queue, ticket.candidate(ticket.arrival), key=_arrival_order)

    def _remove(self, ticket_id: int) -> None:
        ticket = self._tickets.pop(ticket_id, None)
        if ticket is None:
            return
        if ticket.target_window is not None:
            del self._targeted[ticket.target_window][ticket_id]
            return
        if ticket.priority is Priority.APPOINTMENT:
            del self._appointments[ticket_id]
            return
        queue = self._queues[ticket.service][ticket.priority]
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
    def open_windows(self) -> frozenset[int]:
        """The windows open now (signed in, not paused)."""
        return frozenset(self._open)

    def place(self, ticket: Waiting, now: datetime) -> Place:
        """People ahead of a waiting ticket (see routing.people_ahead) and its wait estimate."""
        self._today(now)
        serving = tuple(w.number for w in self.hall.windows_serving(ticket.service))
        target = ticket.candidate(now)
        opened = self._open
        may_serve = self._may_serve(ticket)
        counted = counted_windows(may_serve, target, opened)
        starvation = self.hall.queue.starvation
        # Windows of one profile give the ticket one key and see the same queues.
        shared: dict[tuple[bool, tuple], tuple[tuple, int]] = {}
        counts = []
        for window in counted:
            profile = window.calling_profile
            if profile not in shared:
                key = rank(window, target, now, starvation)
                shared[profile] = key, self._ahead_in_queues(window, key, now) + self._ahead_one_by_one(
                    window, key, now, self._appointments.values())
            key, ahead = shared[profile]
            counts.append(ahead + self._ahead_one_by_one(
                window, key, now, self._targeted.get(window.number, {}).values()))
        return Place(min(counts, default=0), self._estimate(ticket, now), serving)

    def _estimate(self, ticket: Waiting, now: datetime) -> Estimate:
        estimates = self._estimates(now)
        if estimates.early_appointment(ticket, now):
            return estimates.of_played(ticket, self._hall_now(now))
        return estimates.of(ticket, now)

    def _estimates(self, now: datetime) -> WaitEstimates:
        """The twin's estimates, run again here first if the hall changed and a run is quick: what a
        page or a ticket is told follows every change; a hall whose runs take longer has them run
        off the event loop (`refresh_estimates`) and tells a ticket issued since its probe's wait,
        unless that run is more than FRESH_WITHIN of hall time old (a clock running faster than
        the runs can follow, as a replayed or simulated day's does)."""
        estimates = self.estimates
        if not self._refreshing and estimates.stale(self.seq, now) and (
                estimates.cost <= QUICK_RUN or estimates.behind(now) >= FRESH_WITHIN):
            estimates.refresh(self._hall_now(now))
        return estimates

    def _hall_now(self, now: datetime) -> HallNow:
        self._today(now)
        return HallNow.of(self._tickets.values(), self.watch.windows, self.watch.learning, now, self.seq)

    async def refresh_estimates(self, now: datetime) -> bool:
        """Run the twin on another thread if the hall changed and its runs are not quick (quick ones
        run where they are asked for); True when it ran."""
        if self.estimates.cost <= QUICK_RUN or self._refreshing or not self.estimates.stale(self.seq, now) \
                or not self.estimates.affordable():
            return False
        self._refreshing = True
        try:
            await asyncio.to_thread(self.estimates.refresh, self._hall_now(now))
        finally:
            self._refreshing = False
        return True

    def _has_work(self, number: int) -> bool:
        """Whether anyone waits whom window `number` may call (its latency counts only then)."""
        window = self.hall.window(number)
        if window is None:
            return False
        if self._targeted.get(number):
            return True
        if window.universal:
            return any(t.target_window is None for t in self._tickets.values())
        services = [s for s, _ in window.calling_profile[1]]
        return any(any(self._queues.get(s, {}).values()) for s in services) or any(
            t.service in services for t in self._appointments.values())

    def _may_serve(self, ticket: Waiting) -> tuple[Window, ...]:
        """The windows that may serve it: its target window only, once transferred to one."""
        if ticket.target_window is not None:
            window = self.hall.window(ticket.target_window)
            return (window,) if window else ()
        return self.hall.windows_serving(ticket.service)

    def _ahead_in_queues(self, window: Window, key: tuple, now: datetime) -> int:
        starvation = self.hall.queue.starvation

        def ranked(candidate: Candidate) -> tuple:
            return rank(window, candidate, now, starvation)

        ahead = 0
        for queue in self._queues_at(window):
            if not queue:
                continue
            # The key grows along a queue, so most queues lie wholly before or after the
            # ticket: two keys decide them, and only the rest need a binary search.
            if ranked(queue[-1]) < key:
                ahead += len(queue)
            elif ranked(queue[0]) < key:
                ahead += bisect.bisect_left(queue, key, 1, len(queue) - 1, key=ranked)
        return ahead

    def _queues_at(self, window: Window) -> Iterator[list[Candidate]]:
        """The queues of the services the window serves."""
        if window.universal:
            for by_priority in self._queues.values():
                yield from by_priority.values()
            return
        for service, _level in window.calling_profile[1]:
            yield from self._queues.get(service, {}).values()

    def _ahead_one_by_one(self, window: Window, key: tuple, now: datetime, tickets: Iterable[Waiting]) -> int:
        starvation: timedelta = self.hall.queue.starvation
        ahead = 0
        for ticket in tickets:
            candidate = ticket.candidate(now)
            if servable(window, candidate) and rank(window, candidate, now, starvation) < key:
                ahead += 1
        return ahead

    def _unattended_since(self, since: datetime | None, serving: list[int], open_count: int) -> datetime | None:
        """Since when people of a service have waited with no window open that serves them, or None.

        The one rule for the dashboard's "nobody to call them" alarm: from the later of the
        oldest wait and the moment the last of its windows stopped being open."""
        if since is None or open_count:
            return None
        return max([since, *(self._shut_since[n] for n in serving if n in self._shut_since)])

    def figures(self, now: datetime) -> dict[str, Any]:
        """Waiting count, longest wait, a rough wait estimate (None: no window that may serve it is
        signed in; a zone's: the longest of its services that have one) and whether anyone is there
        to call them (`unattended_since`), per service and per zone."""
        self._today(now)
        opened = self._open
        waiting: dict[str, int] = {}
        oldest: dict[str, datetime] = {}
        for ticket in self._tickets.values():
            waiting[ticket.service] = waiting.get(ticket.service, 0) + 1
            if ticket.service not in oldest or ticket.queued_at < oldest[ticket.service]:
                oldest[ticket.service] = ticket.queued_at
        zones: dict[str, dict[str, Any]] = {
            z.code: {"zone": z.code, "waiting": 0, "open_windows": 0, "estimated_wait_minutes": None,
                     "unattended_since": None}
            for z in self.hall.zones
        }
        services = []
        unattended_zones: dict[str, datetime] = {}
        estimates = self._estimates(now)
        for service in self.hall.services:
            count = waiting.get(service.code, 0)
            serving = [w.number for w in self.hall.windows_serving(service.code)]
            open_count = sum(1 for n in serving if n in opened)
            estimate = estimates.for_service(service.code, now).minutes
            since = oldest.get(service.code)
            unattended = self._unattended_since(since, serving, open_count)
            services.append({
                "service": service.code, "zone": service.zone, "waiting": count, "open_windows": open_count,
                "longest_wait_seconds": int((now - since).total_seconds()) if since else 0,
                "waiting_since": since.isoformat() if since else None,
                "estimated_wait_minutes": estimate,
                "unattended_since": unattended.isoformat() if unattended else None,
            })
            zone = zones[service.zone]
            zone["waiting"] += count
            if estimate is not None:
                zone["estimated_wait_minutes"] = max(zone["estimated_wait_minutes"] or 0, estimate)
            if unattended:  # the zone's alarm: since its service left unattended longest
                unattended_zones[service.zone] = min(unattended, unattended_zones.get(service.zone, unattended))
        for window in self.hall.windows:
            if window.zone and window.number in opened:
                zones[window.zone]["open_windows"] += 1
        for code, unattended in unattended_zones.items():
            zones[code]["unattended_since"] = unattended.isoformat()
        return {"at": now.isoformat(), "services": services, "zones": list(zones.values())}
