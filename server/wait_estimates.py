"""Each waiting ticket's wait, read from the hall's twin and kept current as the hall changes.

A run plays the live queue forward (server.twin.engine) from the windows as they
are now (server.twin.watch): a busy window calls again when its ticket's expected
remaining time is over, a paused one when its pause is expected to end, a closed
one never. Expected arrivals join: the green channel, which goes ahead of anyone,
and for the hall's starvation time the others (later ones can never pass anyone
waiting now: by then everyone waiting now is called as starving first). Probes,
one per service and priority arriving at the run's start and taking no window
time, tell the wait of a ticket taken now: the kiosk's cards, and a ticket issued
after the run.

The central run uses expected durations; sampled runs (lognormal durations) give
the range. Runs are repeated when the hall changed, as often as their cost allows.
"""
from __future__ import annotations

import random
import statistics
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from server.hall import Hall, Priority
from server.model import WindowStateName
from server.twin.engine import Call, Desk, Expected, Queued, play, serving_periods
from server.twin.learning import DurationModel, HallLearning
from server.twin.watch import WindowNow

GREEN_HORIZON = timedelta(hours=3)  # green-channel arrivals are expected this far ahead
EXTENDED_SERVICE = timedelta(hours=24)  # how long windows may go on calling, in the twin
STALE_AFTER = timedelta(seconds=30)  # of hall time: run again even when nothing changed
RUN_SHARE = 0.2  # at most this share of a process's time goes to central runs...
SAMPLE_SHARE = 0.1  # ...and this to sampled ones
SAMPLES_KEPT = 5
PROBE_AFTER = 1e-6  # seconds: a probe comes after every ticket issued at the run's very moment
MAX_ARRIVALS = 3000  # expected in one run: a busy reference hall expects ~1,000 in half an hour
_PROBE_PRIORITIES = (Priority.NORMAL, Priority.GREEN, Priority.APPOINTMENT)


@dataclass(frozen=True)
class Estimate:
    minutes: int | None  # None: no signed-in window may serve it (暂无开放窗口)
    low: int | None = None  # the range of sampled runs, 20th to 80th percentile
    high: int | None = None


NO_WINDOW = Estimate(None)


@dataclass(frozen=True)
class HallNow:
    """What a run starts from, taken on the event loop so the run may go on another thread."""

    now: datetime
    seq: int
    waiting: tuple[Queued, ...]
    windows: dict[int, WindowNow]
    model: DurationModel
    arrival_rates: dict[str, float]  # per second, by service
    green_share: float

    @classmethod
    def of(cls, waiting: Iterable[Queued], windows: dict[int, WindowNow], learning: HallLearning,
           now: datetime, seq: int) -> HallNow:
        going = [(w.ticket.service, (now - w.ticket.since).total_seconds()) for w in windows.values()
                 if w.ticket is not None]
        stretches = [((now - w.since).total_seconds(),
                      (w.pause_reason or "other") if w.state is WindowStateName.PAUSED else None)
                     for w in windows.values() if w.since is not None and w.state is not WindowStateName.CLOSED]
        return cls(now, seq, tuple(waiting), dict(windows), learning.model(going, stretches),
                   learning.arrival_rates(now), learning.green_share)


@dataclass(frozen=True)
class _Run:
    start: datetime
    seq: int
    calls: dict[int, datetime | None]  # id: predicted call; None: no window may call it
    probes: dict[tuple[str, Priority], int]  # (service, priority): the probe's id


class WaitEstimates:
    """One hall's estimates: `refresh` from the hall now when `stale`, then ask `of`."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self._central: _Run | None = None
        self._samples: deque[_Run] = deque(maxlen=SAMPLES_KEPT)
        self.cost = 0.0  # seconds the last central run took
        self._sample_cost = 0.0
        self._ran_at = self._sampled_at = float("-inf")  # time.perf_counter() of the last runs
        self._seed = 0

    def stale(self, seq: int, now: datetime) -> bool:
        """The hall changed (or time passed) since the last run."""
        run = self._central
        return run is None or run.seq != seq or now - run.start >= STALE_AFTER

    def behind(self, now: datetime) -> timedelta:
        """Hall time since the last run began (forever before the first)."""
        return now - self._central.start if self._central is not None else timedelta.max

    def affordable(self) -> bool:
        """Whether another run now keeps runs within their share of the process's time."""
        return time.perf_counter() - self._ran_at >= self.cost / RUN_SHARE

    def knows(self, ticket_id: int) -> bool:
        """Whether the last run played this ticket."""
        return self._central is not None and ticket_id in self._central.calls

    def refresh(self, hall_now: HallNow) -> None:
        """Run the twin (and, as often as their share allows, a sampled run for the range).
        Touches nothing but this object's results: may run on another thread."""
        clock = time.perf_counter()
        central = self._run(hall_now, None)
        self._ran_at, self.cost = clock, time.perf_counter() - clock
        if clock - self._sampled_at >= self._sample_cost / SAMPLE_SHARE:
            self._seed += 1
            sampled = self._run(hall_now, random.Random(self._seed))
            self._sampled_at = time.perf_counter()
            self._sample_cost = self._sampled_at - clock - self.cost
            self._samples.append(sampled)
        self._central = central

    def of(self, ticket: Queued, now: datetime) -> Estimate:
        """A waiting ticket's estimate; a ticket the last run did not know is a probe's: an appointment
        checked in before its slot waits as a walk-in, or as an appointment from its slot on."""
        if ticket.target_window is not None:
            return self._estimate(ticket.id, ticket.service, Priority.NORMAL, now)
        if self.early_appointment(ticket, now):
            walk_in = self._estimate(None, ticket.service, Priority.NORMAL, now)
            at_slot = self._estimate(None, ticket.service, Priority.APPOINTMENT, now)
            until_slot = _minutes((ticket.arrival - now).total_seconds())
            return _earlier(walk_in, _no_sooner(at_slot, until_slot))
        return self._estimate(ticket.id, ticket.service, ticket.priority, now)

    def early_appointment(self, ticket: Queued, now: datetime) -> bool:
        """An appointment checked in before its slot that the last run did not play."""
        return ticket.priority is Priority.APPOINTMENT and ticket.arrival > now and not self.knows(ticket.id)

    def of_played(self, ticket: Queued, hall_now: HallNow) -> Estimate:
        """The estimate of a ticket the last run did not play, from a central run of its own with the
        ticket in it: an early appointment's wait hangs on who will be starving at its slot, which
        no probe taken now can tell. The range is the probes' around it."""
        run = self._run(replace(hall_now, waiting=(*hall_now.waiting, ticket)), None)
        central = _wait(run, ticket.id, ticket.service, ticket.priority, hall_now.now)
        if central is None:
            return NO_WINDOW
        minutes = _minutes(central)
        around = self.of(ticket, hall_now.now)
        low, high = (minutes, minutes) if around.minutes is None else (around.low or 0, around.high or 0)
        return Estimate(minutes, min(low, minutes), max(high, minutes))

    def for_service(self, service: str, now: datetime) -> Estimate:
        """The wait of a walk-in ticket of `service` taken now."""
        return self._estimate(None, service, Priority.NORMAL, now)

    def _estimate(self, ticket_id: int | None, service: str, priority: Priority, now: datetime) -> Estimate:
        if self._central is None:
            return NO_WINDOW
        central = _wait(self._central, ticket_id, service, priority, now)
        if central is None:
            return NO_WINDOW
        sampled = sorted(w for run in self._samples
                         if (w := _wait(run, ticket_id, service, priority, now)) is not None)
        low, high = (_percentile(sampled, 0.2), _percentile(sampled, 0.8)) if sampled else (central, central)
        return Estimate(_minutes(central), _minutes(min(low, central)), _minutes(max(high, central)))

    # -- one run ---------------------------------------------------------------------

    def _run(self, hall_now: HallNow, rng: random.Random | None) -> _Run:
        now, waiting = hall_now.now, hall_now.waiting
        desks = self._desks(hall_now.windows, now, hall_now.model, rng)
        probes = {(s.code, p): -(i * len(_PROBE_PRIORITIES) + j + 1)
                  for i, s in enumerate(self.hall.services) for j, p in enumerate(_PROBE_PRIORITIES)}
        expected = [Expected(id_, PROBE_AFTER, service, priority, probe=True)
                    for (service, priority), id_ in probes.items()]
        hours = self.hall.hours.serving_periods(self.hall.local(now).date(), self.hall.timezone)
        expected += self._arrivals(hall_now, serving_periods(hours, now), rng)
        asked = [t.id for t in waiting] + list(probes.values())
        # 延时服务: windows serve everyone who took a ticket, past the end of a session too.
        calls = play(now, desks, waiting, hall_now.model, starvation=self.hall.queue.starvation,
                     hours=[(now, now + EXTENDED_SERVICE)], expected=expected, asked=asked, rng=rng)
        return _Run(now, hall_now.seq, self._outcomes(asked, calls, desks, waiting, probes, now), probes)

    def _desks(self, windows: dict[int, WindowNow], now: datetime, model: DurationModel,
               rng: random.Random | None) -> list[Desk]:
        desks = []
        for number, state in sorted(windows.items()):
            window = self.hall.window(number)
            if window is None or state.state is WindowStateName.CLOSED:
                continue
            free_at = 0.0
            if state.state is WindowStateName.PAUSED:
                elapsed = (now - state.since).total_seconds() if state.since else 0.0
                free_at = model.pause_left(state.pause_reason, elapsed, rng)
            elif state.ticket is not None:
                elapsed = (now - state.ticket.since).total_seconds()
                free_at = model.remaining(state.ticket.service, state.staff_id, elapsed, rng)
            desks.append(Desk(window, state.staff_id, free_at))
        return desks

    def _arrivals(self, hall_now: HallNow, periods: list[tuple[float, float]],
                  rng: random.Random | None) -> list[Expected]:
        """Who is expected to come while the kiosks issue: walk-ins for the starvation time, the
        green channel further."""
        green_share = hall_now.green_share
        spans = ((Priority.NORMAL, 1 - green_share, self.hall.queue.starvation),
                 (Priority.GREEN, green_share, GREEN_HORIZON))
        rates = hall_now.arrival_rates
        expected = sum(rates.values()) * sum(share * span.total_seconds() for _, share, span in spans)
        damping = min(1.0, MAX_ARRIVALS / expected) if expected else 1.0
        arrivals: list[Expected] = []
        for service, rate in sorted(rates.items()):
            rate *= damping
            for priority, share, span in spans:
                for at in _arrival_moments(rate * share, span.total_seconds(), rng):
                    if not any(begin <= at < end for begin, end in periods):
                        continue
                    arrivals.append(Expected(-1_000_000 - len(arrivals), at, service, priority))
        return arrivals

    @staticmethod
    def _outcomes(asked: Sequence[int], calls: dict[int, Call], desks: Sequence[Desk], waiting: Sequence[Queued],
                  probes: dict[tuple[str, Priority], int], now: datetime) -> dict[int, datetime | None]:
        """Each asked id's call; one some desk may serve but was not called (the run's limit) is
        called at the run's last call."""
        last = now + timedelta(seconds=max((c.at for c in calls.values()), default=0.0))
        universal = any(d.window.universal for d in desks)
        services = {r.service for d in desks for r in d.window.profile}
        numbers = {d.window.number for d in desks}
        callable_ids = {t.id for t in waiting if (t.target_window in numbers if t.target_window is not None
                                                  else universal or t.service in services)}
        callable_ids |= {id_ for (service, _), id_ in probes.items() if universal or service in services}
        outcomes: dict[int, datetime | None] = {}
        for id_ in asked:
            call = calls.get(id_)
            if call is not None:
                outcomes[id_] = now + timedelta(seconds=call.at)
            else:
                outcomes[id_] = last if id_ in callable_ids else None
        return outcomes


def _wait(run: _Run, ticket_id: int | None, service: str, priority: Priority, now: datetime) -> float | None:
    """Seconds from `now` until the run calls the ticket, None when no window may; a ticket the run did
    not know (issued after it) waits as its service's probe did from the run's start."""
    if ticket_id is not None and ticket_id in run.calls:
        called = run.calls[ticket_id]
        return max(0.0, (called - now).total_seconds()) if called else None
    probe = run.probes.get((service, priority))
    called = run.calls.get(probe) if probe is not None else None
    return max(0.0, (called - run.start).total_seconds()) if called else None


def _no_sooner(estimate: Estimate, minutes: int) -> Estimate:
    if estimate.minutes is None:
        return estimate
    return Estimate(*(max(m, minutes) if m is not None else None
                      for m in (estimate.minutes, estimate.low, estimate.high)))


def _earlier(a: Estimate, b: Estimate) -> Estimate:
    if a.minutes is None or b.minutes is None:
        return a if b.minutes is None else b
    return a if a.minutes <= b.minutes else b


def _arrival_moments(rate: float, span: float, rng: random.Random | None) -> list[float]:
    """Arrival moments over `span` seconds at `rate` a second: evenly spread, or a Poisson draw."""
    if rate <= 0:
        return []
    if rng is None:
        return [(k + 0.5) / rate for k in range(int(rate * span + 0.5))]
    moments, at = [], rng.expovariate(rate)
    while at < span:
        moments.append(at)
        at += rng.expovariate(rate)
    return moments


def _percentile(values: list[float], fraction: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(fraction * 100) - 1]


def _minutes(seconds: float) -> int:
    return int(seconds / 60 + 0.5)
