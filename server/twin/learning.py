"""What the hall has measured, turned into the durations the twin plays with.

Fed the recent history once (the same weekday over the last weeks, and today so
far) and then every stay, pause and issue as the events come, it learns:

- per service, how long a window is taken by a ticket it calls (from the call to
  when the ticket leaves: walk-up, recalls, handling, or the wait for a no-show),
  shrunk towards the hall-wide ratio of measured to typical times while a service
  has few stays, so a hall slower than its configuration is corrected everywhere
  at once; while the newest stays kept are still all the day's, stays still going
  count too, at their expected length given how long they have lasted (an early
  morning has finished only its short stays, and counting those alone would tell
  everyone short; later, the newest finished stays are a fair sample, and the
  ones going, longer ones more likely, would tell everyone long);
- per staff member, how much quicker or slower than their services' mean they are;
- the clerk's latency between one ticket leaving and the next call, counted only
  when the window had someone to call;
- per pause reason, how long pauses last, and the share of signed-in time spent
  paused (future pauses of the open windows), meals left out where the lunch turns
  of a hall serving through lunch already account for them;
- per service, the recent arrival rate and the green channel's share.

`model()` gives a frozen `DurationModel`: the twin may run it on another thread
while events keep coming.
"""
from __future__ import annotations

import math
import random
import statistics
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from server.hall import Hall, Priority
from server.twin.durations import DEFAULT_SIGMA, lognormal

RECENT_STAYS = 60  # per service: the newest stays speak for it
RATIOS_KEPT = 400  # the hall's measured/typical ratio: over its newest stays of any service
PRIOR_WEIGHT = 5.0  # stays' worth of belief in the prior (history, or typical × the hall's ratio)
STAFF_WEIGHT = 15.0  # stays' worth of belief that a staff member is average
MAX_LATENCY = timedelta(minutes=10)  # longer gaps are someone away, not latency
PAUSE_DEFAULTS = {"break": 10.0, "meal": 45.0, "meeting": 20.0, "system": 10.0, "other": 10.0}  # minutes
ARRIVAL_SPAN = timedelta(minutes=60)  # arrival rates are counted over this last stretch...
MIN_ARRIVAL_SPAN = timedelta(minutes=15)  # ...or at least this long, so a burst is not a rate
PAUSE_PRIOR_SHARE = 0.05  # of signed-in time spent paused, believed...
PAUSE_PRIOR_HOURS = 1.0  # ...as much as this long of every window's time measured
GOING_CAP = 3.0  # a stay still going counts as at most this many means: outliers wait for their end
_QUANTILES = [statistics.NormalDist().inv_cdf((i + 0.5) / 24) for i in range(24)]


@dataclass(frozen=True)
class Stay:
    """A ticket's stay at a window, from its call until it left the window."""

    service: str
    window: int
    staff_id: str | None
    called_at: datetime
    ended_at: datetime

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.called_at).total_seconds()


@dataclass(frozen=True)
class PauseSpan:
    reason: str
    seconds: float


@dataclass(frozen=True)
class Issue:
    service: str
    priority: Priority
    at: datetime


class HallLearning:
    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self._typical = {s.code: s.typical_minutes * 60 for s in hall.services}
        self._stays: dict[str, deque[float]] = {}
        self._history: dict[str, tuple[float, int]] = {}  # service: (mean seconds, stays) of earlier days
        self._ratios: deque[float] = deque(maxlen=RATIOS_KEPT)  # measured / typical, newest stays of any service
        self._staff: dict[str, dict[str, list[float]]] = {}  # staff: service: [measured seconds, stays]
        self._latencies: deque[float] = deque(maxlen=200)
        self._pauses: dict[str, deque[float]] = {}
        self._paused_seconds = self._signed_in_seconds = self._meal_seconds = 0.0
        self._issues: dict[str, deque[datetime]] = {}
        self._green = [0, 0]  # green channel tickets, all tickets (today)
        self._lunched: dict[str, date] = {}  # staff: the last day they took a meal pause
        self._model: DurationModel | None = None

    @classmethod
    def seeded(cls, hall: Hall, stays: Iterable[Mapping[str, Any]], issues: Iterable[Mapping[str, Any]],
               latencies: Iterable[float] = ()) -> HallLearning:
        """Learnt from stored stays (server.store.measurements: earlier days' and today's), recent issues
        and today's latencies between tickets."""
        learning = cls(hall)
        rows = list(stays)
        measured = [(r["today"], Stay(r["service"], r["window_no"], r["staff_id"], r["called_at"], r["ended_at"]))
                    for r in rows]
        learning.learn_history(stay for today, stay in measured if not today)
        for today, stay in measured:
            if today:
                learning.stay(stay)
        for issue in issues:
            learning.issue(Issue(issue["service"], Priority(issue["priority"]), issue["issued_at"]))
        for seconds in latencies:
            learning.latency(seconds)
        return learning

    # -- feeding ------------------------------------------------------------------

    def learn_history(self, stays: Iterable[Stay]) -> None:
        """Stays of earlier days: each service's prior, before today's stays speak."""
        sums: dict[str, list[float]] = {}
        for stay in stays:
            entry = sums.setdefault(stay.service, [0.0, 0])
            entry[0] += stay.seconds
            entry[1] += 1
        self._history = {service: (total / count, int(count)) for service, (total, count) in sums.items()}
        self._model = None

    def stay(self, stay: Stay) -> None:
        seconds = stay.seconds
        if seconds <= 0:
            return
        self._stays.setdefault(stay.service, deque(maxlen=RECENT_STAYS)).append(seconds)
        typical = self._typical.get(stay.service)
        if typical:
            self._ratios.append(seconds / typical)
        if stay.staff_id:
            measured = self._staff.setdefault(stay.staff_id, {}).setdefault(stay.service, [0.0, 0])
            measured[0] += seconds
            measured[1] += 1
        self._model = None

    def latency(self, seconds: float) -> None:
        if 0 <= seconds <= MAX_LATENCY.total_seconds():
            self._latencies.append(seconds)
            self._model = None

    def pause(self, span: PauseSpan) -> None:
        self._pauses.setdefault(span.reason, deque(maxlen=100)).append(span.seconds)
        self._model = None

    def signed_in_time(self, seconds: float, pause_reason: str | None) -> None:
        """Time a window spent signed in, paused (for `pause_reason`) or not: the share of future
        time spent paused."""
        self._signed_in_seconds += seconds
        if pause_reason is not None:
            self._paused_seconds += seconds
        if pause_reason == "meal":
            self._meal_seconds += seconds
        self._model = None

    def issue(self, issue: Issue) -> None:
        self._issues.setdefault(issue.service, deque()).append(issue.at)
        self._green[0] += issue.priority is Priority.GREEN
        self._green[1] += 1

    # -- reading ------------------------------------------------------------------

    def _hall_ratio(self, going: Sequence[tuple[str, float]] = (), sigmas: Mapping[str, float] | None = None) -> float:
        """Measured over typical, across the hall's newest stays and those still going: 1 until
        enough were seen."""
        if len(self._ratios) < 10:
            return 1.0
        clipped = [min(5.0, max(0.2, r)) for r in self._ratios]
        finished = statistics.fmean(clipped)
        going_ratios = []
        for service, elapsed in going if len(self._ratios) < RATIOS_KEPT else ():
            typical = self._typical.get(service)
            if typical:
                sigma = (sigmas or {}).get(service, DEFAULT_SIGMA)
                length = expected_length(typical * finished, sigma, elapsed)
                going_ratios.append(min(GOING_CAP * finished, length / typical))
        return statistics.fmean([*clipped, *going_ratios])

    def _prior(self, service: str, ratio: float | None = None) -> float:
        history = self._history.get(service)
        if history and history[1] >= PRIOR_WEIGHT:
            return history[0]
        return self._typical.get(service, 0.0) * (self._hall_ratio() if ratio is None else ratio)

    def model(self, going: Sequence[tuple[str, float]] = (),
              stretches: Sequence[tuple[float, str | None]] = ()) -> DurationModel:
        """The durations now; `going`: (service, seconds so far) of the stays still at a window;
        `stretches`: (seconds so far, pause reason or None) of the signed-in windows' current states."""
        if going or stretches:
            return self._build(going, stretches)
        if self._model is None:
            self._model = self._build((), ())
        return self._model

    def _build(self, going: Sequence[tuple[str, float]],
               stretches: Sequence[tuple[float, str | None]]) -> DurationModel:
        means = {}
        sigmas = {service: _log_spread(self._stays.get(service, ())) for service in self._typical}
        ratio = self._hall_ratio(going, sigmas)
        open_by_service: dict[str, list[float]] = {}
        for service, elapsed in going:
            open_by_service.setdefault(service, []).append(elapsed)
        for service in self._typical:
            recent = self._stays.get(service, ())
            prior = self._prior(service, ratio)
            going_here = [min(GOING_CAP * prior, expected_length(prior, sigmas[service], e))
                          for e in open_by_service.get(service, ()) if len(recent) < RECENT_STAYS]
            means[service] = (sum(recent) + sum(going_here) + PRIOR_WEIGHT * prior) / (
                len(recent) + len(going_here) + PRIOR_WEIGHT)
        staff = {}
        for staff_id, services in self._staff.items():  # their stays against each service's mean now
            measured = sum(total for total, _ in services.values())
            expected = sum(stays * means.get(service, 0.0) for service, (_, stays) in services.items())
            stays = sum(stays for _, stays in services.values())
            if expected > 0:
                average = expected / stays  # a stay's expected seconds: STAFF_WEIGHT of them say "average"
                staff[staff_id] = (measured + STAFF_WEIGHT * average) / (expected + STAFF_WEIGHT * average)
        latency = statistics.fmean(self._latencies) if self._latencies else 0.0
        pauses = {reason: tuple(spans) for reason, spans in self._pauses.items()}
        lunch = self._lunch_turns()
        return DurationModel(means, sigmas, staff, latency, pauses,
                             self._paused_share(lunch is not None, stretches), self._sessions(), lunch,
                             dict(self._lunched))

    def _paused_share(self, lunch_turns: bool, stretches: Sequence[tuple[float, str | None]]) -> float:
        """Of signed-in time, the share spent paused, the stretches still going included (counting
        only ended ones, one long open morning ending before any pause would tell nobody pauses);
        with lunch turns modelled, of the time outside meals and without them (counting them
        again would slow every afternoon call)."""
        signed_in, paused, meals = self._signed_in_seconds, self._paused_seconds, self._meal_seconds
        for seconds, reason in stretches:
            signed_in += seconds
            paused += seconds if reason is not None else 0.0
            meals += seconds if reason == "meal" else 0.0
        if lunch_turns:
            signed_in, paused = signed_in - meals, paused - meals
        prior = PAUSE_PRIOR_HOURS * 3600 * len(self.hall.windows)
        return min(0.5, (paused + PAUSE_PRIOR_SHARE * prior) / (signed_in + prior))

    def meal_taken(self, staff_id: str | None, at: datetime) -> None:
        if staff_id:
            self._lunched[staff_id] = self.hall.local(at).date()
            self._model = None

    def _sessions(self) -> DaySpans:
        spans = tuple((_second_of_day(s.start), _second_of_day(s.end)) for s in self.hall.hours.sessions)
        return DaySpans(spans, self.hall.timezone)

    def _lunch_turns(self) -> DaySpans | None:
        """A hall serving through lunch (午间不间断服务) sends its clerks to lunch in two turns around
        the gap between its sessions: each clerk is away one meal's length of the span."""
        sessions = self.hall.hours.sessions
        if not self.hall.hours.lunch_service or len(sessions) < 2:
            return None
        meals = self._pauses.get("meal", ())
        meal = statistics.fmean(meals) if len(meals) >= 3 else PAUSE_DEFAULTS["meal"] * 60
        middle = (_second_of_day(sessions[0].end) + _second_of_day(sessions[1].start)) / 2
        return DaySpans(((middle - meal, middle + meal),), self.hall.timezone)

    def arrival_rates(self, now: datetime) -> dict[str, float]:
        """Arrivals per second per service over the last ARRIVAL_SPAN (or since the day's first),
        counting only the time the kiosks issued: after a closed lunch, the minutes since reopening."""
        rates = {}
        since = now - ARRIVAL_SPAN
        first = min((q[0] for q in self._issues.values() if q), default=None)
        if first is None:
            return {}
        begin = max(since, first)
        periods = self.hall.hours.serving_periods(self.hall.local(now).date(), self.hall.timezone)
        issuing = sum((min(end, now) - max(start, begin) for start, end in periods
                       if min(end, now) > max(start, begin)), timedelta())
        span = max(MIN_ARRIVAL_SPAN, issuing if periods else now - begin).total_seconds()
        for service, times in self._issues.items():
            while times and times[0] < since:
                times.popleft()
            if times:
                rates[service] = len(times) / span
        return rates

    @property
    def green_share(self) -> float:
        return self._green[0] / self._green[1] if self._green[1] >= 20 else 0.05


def _second_of_day(moment: time) -> float:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def expected_length(mean: float, sigma: float, elapsed: float) -> float:
    """A lognormal stay's expected whole length, given it has lasted `elapsed` seconds."""
    scale = mean * math.exp(-sigma * sigma / 2)
    longer = [scale * math.exp(sigma * q) for q in _QUANTILES]
    left = [x for x in longer if x > elapsed]
    return statistics.fmean(left) if left else elapsed + 0.25 * mean


def _log_spread(seconds: Iterable[float]) -> float:
    logs = [math.log(s) for s in seconds if s > 0]
    return min(1.2, statistics.stdev(logs)) if len(logs) >= 10 else DEFAULT_SIGMA


@dataclass(frozen=True)
class DaySpans:
    spans: tuple[tuple[float, float], ...]  # (start, end) seconds after local midnight
    timezone: tzinfo

    def covers(self, at: datetime) -> bool:
        local = at.astimezone(self.timezone)
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(start <= second < end for start, end in self.spans)


@dataclass(frozen=True)
class DurationModel:
    """The learnt durations at one moment (the twin's `Durations`)."""

    means: dict[str, float]  # service: seconds from the call until the ticket leaves the window
    sigmas: dict[str, float]
    staff: dict[str, float]  # staff member: their times over their services' mean
    latency: float  # seconds from a ticket leaving to the next call, when someone waits
    pauses: dict[str, tuple[float, ...]]  # reason: recent pause lengths in seconds
    paused_share: float  # of signed-in time: future pauses, spread over the calls...
    sessions: DaySpans | None = None  # ...within the sessions (None: always): none while 延时服务 runs on
    lunch: DaySpans | None = None  # when clerks who have not had lunch are away half the time
    lunched: dict[str, date] = field(default_factory=dict)  # staff: the last day they had lunch

    def _mean(self, service: str, staff_id: str | None) -> float:
        return self.means.get(service, 0.0) * self.staff.get(staff_id or "", 1.0)

    def cycle(self, service: str, staff_id: str | None, at: datetime, rng: random.Random | None) -> float:
        mean = self._mean(service, staff_id)
        held = mean if rng is None else lognormal(mean, self.sigmas.get(service, DEFAULT_SIGMA), rng)
        share = self.paused_share if self.sessions is None or self.sessions.covers(at) else 0.0
        if self.lunch is not None and self.lunch.covers(at) and self.lunched.get(staff_id or "") != \
                at.astimezone(self.lunch.timezone).date():
            share = max(share, 0.5)
        return (held + self.latency) / (1 - share)

    def remaining(self, service: str, staff_id: str | None, elapsed: float, rng: random.Random | None) -> float:
        """Seconds until a window busy for `elapsed` with a ticket of `service` calls again."""
        mean = self._mean(service, staff_id)
        sigma = self.sigmas.get(service, DEFAULT_SIGMA)
        if rng is not None:
            for _ in range(8):  # a draw longer than what has already passed
                held = lognormal(mean, sigma, rng)
                if held > elapsed:
                    return held - elapsed + self.latency
            return 0.25 * mean + self.latency
        return expected_length(mean, sigma, elapsed) - elapsed + self.latency

    def pause_left(self, reason: str | None, elapsed: float, rng: random.Random | None) -> float:
        """Seconds until a window paused for `elapsed` with `reason` is back."""
        lengths = self.pauses.get(reason or "", ())
        if len(lengths) < 3:
            lengths = (PAUSE_DEFAULTS.get(reason or "", 10.0) * 60,)
        longer = [length - elapsed for length in lengths if length > elapsed]
        if not longer:
            return 0.25 * statistics.fmean(lengths)
        return rng.choice(longer) if rng is not None else statistics.fmean(longer)
