"""Play the hall forward: which window calls each waiting ticket, and when.

A discrete-event run with no I/O and no clock reads. Each window that is signed
in becomes free at a known moment; when free it calls what `routing.choose_ticket`
chooses among the heads of the queues it may serve (the order inside one queue
is routing's own, so the heads are enough, as in the server's call), holds the
ticket for the time `Durations` gives and is free again. Expected arrivals join
the queues as the run reaches them, so a later ticket of a window's first-level
service is called before an earlier one of its second level, as in the hall.
Windows call only while the hall serves (its sessions); the run stops once every
ticket it was asked about is called, or when the day's service ends.

Times inside the run are seconds after `start`; routing sees real moments.
"""
from __future__ import annotations

import bisect
import heapq
import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from server.hall import Priority, Window
from server.routing import Candidate, choose_ticket, servable


class Queued(Protocol):
    """A ticket in the queue as the twin needs it (server.queue_state.Waiting is one)."""

    @property
    def id(self) -> int: ...
    @property
    def service(self) -> str: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def target_window(self) -> int | None: ...
    @property
    def arrival(self) -> datetime: ...  # an appointment's slot time
    @property
    def queued_at(self) -> datetime: ...
    def candidate(self, now: datetime) -> Candidate: ...


class Durations(Protocol):
    def cycle(self, service: str, staff_id: str | None, at: datetime, rng: random.Random | None) -> float:
        """Seconds a window is taken by a ticket it calls at `at`, until it can call the next:
        walk-up, handling and wrap-up, no-shows among them; the expected value when `rng` is None."""
        ...


@dataclass(frozen=True)
class Expected:
    """An arrival the run expects (a forecast, or a probe: "if one came now")."""

    id: int  # negative: never a real ticket's
    at: float  # seconds after the run's start
    service: str
    priority: Priority = Priority.NORMAL
    probe: bool = False  # called but takes no window time: it only measures the wait

    def candidate(self, start: datetime) -> Candidate:
        return Candidate(self.id, self.service, self.priority, start + timedelta(seconds=self.at))


@dataclass(frozen=True)
class _Arrived:
    """An expected appointment in the queue, as a `Queued`."""

    as_called: Candidate

    @property
    def id(self) -> int:
        return self.as_called.ticket_id

    @property
    def service(self) -> str:
        return self.as_called.service

    @property
    def priority(self) -> Priority:
        return self.as_called.priority

    @property
    def target_window(self) -> int | None:
        return None

    @property
    def arrival(self) -> datetime:
        return self.as_called.arrival

    @property
    def queued_at(self) -> datetime:
        return self.as_called.arrival

    def candidate(self, now: datetime) -> Candidate:
        return self.as_called


@dataclass(frozen=True)
class Desk:
    """A window as the run starts it."""

    window: Window
    staff_id: str | None
    free_at: float  # seconds after start when it first calls (0: now)
    until: float = float("inf")  # seconds after start when it stops calling (signs out)


class Call(NamedTuple):  # a tuple: a run makes thousands
    at: float  # seconds after the run's start
    window: int
    held: float = 0.0  # seconds the window is taken by it (0 for a probe): free again at `at + held`


def _arrival_order(candidate: Candidate) -> tuple[datetime, int]:
    """Routing's order inside one queue: every ticket in it has the same rank but for this tail."""
    return candidate.arrival, candidate.ticket_id


class _Queues:
    """The waiting tickets, kept as routing orders them inside each queue."""

    def __init__(self, start: datetime, services: Iterable[str]) -> None:
        self.start = start
        self.services = tuple(dict.fromkeys(services))
        # The green channel and walk-ins, each in arrival order: routing's order inside a queue.
        self.walk_ins = {(s, p): deque[Candidate]() for s in self.services for p in (Priority.GREEN, Priority.NORMAL)}
        self.appointments: dict[str, dict[int, Queued]] = {s: {} for s in self.services}
        self._appointment_heads_cache: dict[str, tuple[datetime | None, list[Candidate]]] = {}
        # Transferred to one window; kept as tickets: an appointment among them ranks anew once its slot begins.
        self.targeted: dict[int, dict[int, Queued]] = {}
        self.probes: set[int] = set()
        self._seen_by: dict[int, tuple[tuple[deque[Candidate], ...], tuple[str, ...]]] = {}  # by window number

    def add_waiting(self, tickets: Iterable[Queued]) -> None:
        rows: list[Candidate] = []
        for ticket in tickets:
            if ticket.target_window is not None:
                self.targeted.setdefault(ticket.target_window, {})[ticket.id] = ticket
            elif ticket.priority is Priority.APPOINTMENT:
                self.appointments[ticket.service][ticket.id] = ticket
            else:
                rows.append(ticket.candidate(self.start))
        for candidate in sorted(rows, key=_arrival_order):
            self.walk_ins[(candidate.service, candidate.priority)].append(candidate)

    def add_expected(self, arrival: Expected) -> Candidate:
        """An arrival joins its queue where routing orders it: at the end, unless it ties with a
        ticket queued at the same moment (the run's start), which routing orders by id."""
        candidate = arrival.candidate(self.start)
        if arrival.probe:
            self.probes.add(arrival.id)
        if arrival.priority is Priority.APPOINTMENT:  # checked in as its slot begins
            self.appointments[arrival.service][arrival.id] = _Arrived(candidate)
            self._appointment_heads_cache.pop(arrival.service, None)
        else:  # behind everyone queued before it; a tie with one queued at the start goes by id, as routing does
            bisect.insort(self.walk_ins[(arrival.service, arrival.priority)], candidate, key=_arrival_order)
        return candidate

    def heads(self, window: Window, now: datetime) -> list[Candidate]:
        """What routing needs to choose for `window` at `now`: the head of each queue it may serve."""
        queues, services = self._seen(window)
        heads = [queue[0] for queue in queues if queue]
        targeted = self.targeted.get(window.number)
        if targeted:
            heads.extend(ticket.candidate(now) for ticket in targeted.values())
        for service in services:
            if self.appointments[service]:
                heads.extend(self._appointment_heads(service, now))
        return heads

    def _seen(self, window: Window) -> tuple[tuple[deque[Candidate], ...], tuple[str, ...]]:
        """The queues and services a window may call from."""
        seen = self._seen_by.get(window.number)
        if seen is None:
            services = self.services if window.universal else tuple(s for s, _ in window.calling_profile[1])
            queues = tuple(self.walk_ins[(s, p)] for s in services for p in (Priority.GREEN, Priority.NORMAL))
            seen = self._seen_by[window.number] = queues, services
        return seen

    def _appointment_heads(self, service: str, now: datetime) -> list[Candidate]:
        """A service's appointments that routing may call first at `now`: the one whose slot began
        first, and of those checked in before their slot (walk-ins until it begins) the first queued.
        Kept until one of them is called or the next slot begins."""
        cached = self._appointment_heads_cache.get(service)
        if cached and (cached[0] is None or now < cached[0]):
            return cached[1]
        begun: Queued | None = None
        early: Queued | None = None
        next_slot: datetime | None = None
        for ticket in self.appointments[service].values():
            if ticket.arrival <= now:
                if begun is None or (ticket.arrival, ticket.id) < (begun.arrival, begun.id):
                    begun = ticket
                continue
            next_slot = ticket.arrival if next_slot is None else min(next_slot, ticket.arrival)
            if early is None or (ticket.queued_at, ticket.id) < (early.queued_at, early.id):
                early = ticket
        heads = [t.candidate(now) for t in (begun, early) if t is not None]
        self._appointment_heads_cache[service] = next_slot, heads
        return heads

    def take(self, window: Window, chosen: Candidate) -> None:
        if chosen.target_window is not None:
            del self.targeted[window.number][chosen.ticket_id]
            return
        appointments = self.appointments[chosen.service]
        if chosen.ticket_id in appointments:
            del appointments[chosen.ticket_id]
            self._appointment_heads_cache.pop(chosen.service, None)
            return
        queue = self.walk_ins[(chosen.service, chosen.priority)]
        assert queue[0].ticket_id == chosen.ticket_id  # routing chose a head
        queue.popleft()


def serving_periods(hours: Sequence[tuple[datetime, datetime]], start: datetime) -> list[tuple[float, float]]:
    """The hall's serving periods as seconds after `start` (those not over yet)."""
    periods = [((a - start).total_seconds(), (b - start).total_seconds()) for a, b in hours]
    return [(max(a, 0.0), b) for a, b in periods if b > 0]


def _serving_from(periods: list[tuple[float, float]], at: float) -> float | None:
    """The first moment from `at` on when the hall serves; None once the day's service is over."""
    for begin, end in periods:
        if at < end:
            return max(at, begin)
    return None


def play(start: datetime, desks: Sequence[Desk], waiting: Iterable[Queued], durations: Durations, *,
         starvation: timedelta, hours: Sequence[tuple[datetime, datetime]],
         expected: Sequence[Expected] = (), asked: Iterable[int] | None = None,
         rng: random.Random | None = None) -> dict[int, Call]:
    """When and where each ticket is called: waiting ones and expected arrivals (by id).

    `hours` are the day's serving periods; `asked` the ids whose calls matter (the
    run stops once all of them are called; default: every waiting ticket and
    probe). `rng` draws the durations; None uses expected values.
    """
    waiting = list(waiting)
    services = [s for d in desks for s, _ in d.window.calling_profile[1]]
    services += [t.service for t in waiting] + [e.service for e in expected]
    run = _Run(start, desks, services, durations, starvation, serving_periods(hours, start), rng)
    run.queues.add_waiting(waiting)
    wanted = set(asked) if asked is not None else {t.id for t in waiting} | {e.id for e in expected if e.probe}
    arrivals = sorted(expected, key=lambda e: (e.at, e.id))
    next_arrival = 0
    while wanted and (run.free or next_arrival < len(arrivals)):
        if next_arrival < len(arrivals) and (not run.free or arrivals[next_arrival].at <= run.free[0][0]):
            run.arrive(arrivals[next_arrival])  # at equal moments the arrival comes first
            next_arrival += 1
            continue
        called = run.next_call()
        if called is not None:
            wanted.discard(called)
    return run.calls


class _Run:
    """The moving parts of one run: queues, free windows, idle windows, calls so far."""

    def __init__(self, start: datetime, desks: Sequence[Desk], services: Iterable[str], durations: Durations,
                 starvation: timedelta, periods: list[tuple[float, float]], rng: random.Random | None) -> None:
        self.start, self.desks, self.durations, self.starvation = start, desks, durations, starvation
        self.periods, self.rng = periods, rng
        self.queues = _Queues(start, services)
        self.calls: dict[int, Call] = {}
        self.free: list[tuple[float, int]] = []  # (moment, desk index), a heap
        self.idle: set[int] = set()  # desks with nothing they may call, until an arrival they may
        self._serving: dict[str, frozenset[int]] = {}  # by service: the desks that may call it
        for index, desk in enumerate(desks):
            self._free_at(desk.free_at, index)

    def _free_at(self, at: float, index: int) -> None:
        serving = _serving_from(self.periods, at)
        if serving is not None and serving < self.desks[index].until:
            heapq.heappush(self.free, (serving, index))

    def arrive(self, arrival: Expected) -> None:
        candidate = self.queues.add_expected(arrival)
        woken = self.idle & self._desks_serving(candidate)
        for index in woken:
            self.idle.discard(index)
            self._free_at(arrival.at, index)

    def _desks_serving(self, candidate: Candidate) -> frozenset[int]:
        """The desks that may call an expected arrival (never transferred: its service decides)."""
        desks = self._serving.get(candidate.service)
        if desks is None:
            desks = frozenset(i for i, d in enumerate(self.desks) if servable(d.window, candidate))
            self._serving[candidate.service] = desks
        return desks

    def next_call(self) -> int | None:
        """The next free window calls; the id it called, None when it had nobody to call."""
        at, index = heapq.heappop(self.free)
        desk = self.desks[index]
        now = self.start + timedelta(seconds=at)
        chosen = choose_ticket(desk.window, self.queues.heads(desk.window, now), now, self.starvation)
        if chosen is None:
            self.idle.add(index)
            return None
        self.queues.take(desk.window, chosen)
        probe = chosen.ticket_id in self.queues.probes
        held = 0.0 if probe else self.durations.cycle(chosen.service, desk.staff_id, now, self.rng)
        self.calls[chosen.ticket_id] = Call(at, desk.window.number, held)
        self._free_at(at + held, index)
        return chosen.ticket_id
