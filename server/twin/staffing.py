"""How many windows each zone needs in each hour of a day, found by playing the day in the twin.

For each hour the hall serves and each zone: the fewest of the zone's windows such that
the target share of the zone's arrivals in that hour is called within the target minutes,
counted over several sampled days (Poisson arrivals and drawn durations, seeded so the
same question gets the same answer), or over one run of expected values.

- A zone's windows are taken in a fixed order for the day, following its forecast: each
  next window is the one whose services have the most expected work for each window
  taken so far that serves them, so that the first few call every service asked for and
  a busy service gets its windows early.
- A zone stands on its own windows: universal (无差别) windows are the hall's slack and
  are advised as a row of their own, the fewest that bring the zones whose own windows
  fall short (or that have none) to the target, with every zone at its count. An hour
  whose zones all manage alone needs none. A zone window serves only its own zone's
  services, so without universal windows the zones do not meet and are played apart.
- The day is played hour by hour. An hour starts where the hours before left the hall
  under the advice for them: who still waits, when each window is free again; a count
  is judged from the hour's start.
- The count stays open after the hour until its last arrival's target has passed, and
  the windows go on calling that long after each session ends (延时服务), so an arrival
  late in the hour is judged like the others.
- A zone's search starts at the Erlang C count for its hour's arrivals and those still
  waiting, moved by as much as the hour before differed from its own; then it steps up
  or down until a count meets the target and one fewer does not, or no window is left.
  The zones still searching share each run.
"""
from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.hall import Hall, StaffingTarget, Window
from server.twin.engine import Call, Desk, Durations, Expected, play
from server.twin.forecast import Forecast, expected

DEFAULT_SAMPLES = 3
HOUR = 3600.0


@dataclass(frozen=True)
class ZoneHour:
    zone: str
    hour: int  # of the hall's clock
    arrivals: float  # expected
    needed: int
    windows: int  # the zone's own windows: `needed` is at most this
    share: float | None  # of the hour's arrivals called within the target by `needed` alone; None without any
    enough: bool  # whether `needed` meets the target (False: not even all the zone's windows do)


@dataclass(frozen=True)
class UniversalHour:
    hour: int
    needed: int  # universal windows that bring the zones short of windows to the target
    windows: int  # the hall's universal windows
    enough: bool  # whether every zone meets the target with them


@dataclass(frozen=True)
class Advice:
    zones: tuple[ZoneHour, ...]
    universal: tuple[UniversalHour, ...]


def advise(hall: Hall, forecast: Forecast, durations: Durations, target: StaffingTarget, *,
           spans: Sequence[tuple[datetime, datetime]], samples: int | None = DEFAULT_SAMPLES,
           seed: str = "") -> Advice:
    """The advice for the day of `forecast`, whose serving `spans` (hall time) are given.
    `samples` None plays one run of expected values."""
    day = _Day.of(hall, forecast, durations, spans, target)
    runs = [expected(forecast, None)] if samples is None else [
        expected(forecast, random.Random(f"{seed}/arrivals/{n}")) for n in range(samples)]
    search = _Search(day, durations, target, [_Sample.of(n, arrivals, seed if samples else None, day.zone_of)
                                              for n, arrivals in enumerate(runs)])
    hours = [search.hour(index) for index in range(len(day.hours))]
    return Advice(tuple(row for rows, _ in hours for row in rows), tuple(universal for _, universal in hours))


@dataclass(frozen=True)
class _Day:
    """The day's hours, its serving periods and the zones' windows in the order they are taken."""

    hall: Hall
    forecast: Forecast
    origin: datetime  # the day's midnight: the runs' times are seconds after it
    hours: tuple[int, ...]
    periods: tuple[tuple[datetime, datetime], ...]  # when windows call: the spans, each longer by the target
    zones: dict[str, tuple[Window, ...]]
    universal: tuple[Window, ...]
    zone_of: dict[str, str]  # service -> zone

    @classmethod
    def of(cls, hall: Hall, forecast: Forecast, durations: Durations, spans: Sequence[tuple[datetime, datetime]],
           target: StaffingTarget) -> _Day:
        origin = datetime.combine(forecast.day, datetime.min.time(), hall.timezone)
        hours = sorted({h for a, b in spans for h in range(a.hour, _hour_after(origin, b))})
        periods = _merged([(a, b + timedelta(seconds=target.seconds)) for a, b in sorted(spans)])
        noon = origin + timedelta(hours=12)
        work = {s.code: forecast.count({s.code}, 0, 24 * HOUR) * durations.cycle(s.code, None, noon, None)
                for s in hall.services}
        zones = {z.code: _window_order([w for w in hall.windows if w.zone == z.code], work) for z in hall.zones}
        return cls(hall, forecast, origin, tuple(hours), tuple(periods), zones,
                   tuple(w for w in hall.windows if w.universal), {s.code: s.zone for s in hall.services})

    def periods_until(self, end: float) -> list[tuple[datetime, datetime]]:
        stop = self.origin + timedelta(seconds=end)
        return [(a, min(b, stop)) for a, b in self.periods if a < stop]

    @property
    def closing(self) -> float:
        return (self.periods[-1][1] - self.origin).total_seconds()


def _window_order(windows: list[Window], work: dict[str, float]) -> tuple[Window, ...]:
    """The order a zone's windows are taken in: each next the one whose services have the most of the
    day's expected work for each window already taken that serves them (a service nobody has asked for
    counting a little, so that every service finds a window early), the lower number first on a tie."""
    taken: list[Window] = []
    serving = dict.fromkeys(work, 0)
    left = sorted(windows, key=lambda w: w.number)
    while left:
        def share(window: Window) -> float:
            return sum((work.get(r.service, 0.0) + 1e-3) / (1 + serving.get(r.service, 0)) for r in window.profile)
        best = max(left, key=share)  # max keeps the first of equals: the lowest number
        left.remove(best)
        taken.append(best)
        for rank in best.profile:
            serving[rank.service] = serving.get(rank.service, 0) + 1
    return tuple(taken)


def _hour_after(origin: datetime, end: datetime) -> int:
    """The hour after the last one a span ending at `end` touches."""
    seconds = (end - origin).total_seconds()
    return math.ceil(seconds / HOUR)


def _merged(periods: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in periods:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


@dataclass
class _State:
    """One sampled day at an hour's start: who has come and waits, when each window is free again."""

    pending: list[Expected] = field(default_factory=list)
    free: dict[int, float] = field(default_factory=dict)  # window -> seconds after midnight


@dataclass
class _Sample:
    """One sampled day's arrivals, by zone in time order, and its seed for the durations."""

    index: int
    seed: str | None  # None: expected durations
    zones: dict[str, tuple[list[Expected], list[float]]]  # zone -> (arrivals, their times)

    @classmethod
    def of(cls, index: int, arrivals: list[Expected], seed: str | None, zone_of: dict[str, str]) -> _Sample:
        zones: dict[str, tuple[list[Expected], list[float]]] = {}
        for arrival in arrivals:
            listed, times = zones.setdefault(zone_of[arrival.service], ([], []))
            listed.append(arrival)
            times.append(arrival.at)
        return cls(index, seed, zones)

    def between(self, first: float, last: float, zones: Collection[str]) -> list[Expected]:
        """The zones' arrivals from `first` until `last`, zone after zone (the engine orders them)."""
        found: list[Expected] = []
        for zone in zones:
            if zone in self.zones:
                arrivals, times = self.zones[zone]
                found += arrivals[bisect_left(times, first):bisect_left(times, last)]
        return found

    def durations(self, durations: Durations, zone_of: dict[str, str],
                  at: float) -> tuple[Durations, random.Random | None]:
        """What a run from `at` draws its durations with, and the rng telling the engine to draw."""
        if self.seed is None:
            return durations, None
        return _ZoneDraws(durations, zone_of, f"{self.seed}/durations/{self.index}/{at:.0f}"), random.Random(0)


class _ZoneDraws:
    """Durations drawn from a stream of each zone's own, so what a zone draws in a run does not
    depend on the other zones playing beside it: the runs of a search compare like with like."""

    def __init__(self, durations: Durations, zone_of: dict[str, str], seed: str) -> None:
        self.durations, self.zone_of = durations, zone_of
        self.streams = {zone: random.Random(f"{seed}/{zone}") for zone in set(zone_of.values())}

    def cycle(self, service: str, staff_id: str | None, at: datetime, rng: random.Random | None) -> float:
        return self.durations.cycle(service, staff_id, at, self.streams[self.zone_of[service]])


Counts = dict[str, int]  # windows per zone
Shares = dict[str, float | None]  # per zone: of the hour's arrivals, called within the target (None: none came)


class _Search:
    """The hour-by-hour search, keeping each sample's state at the start of every hour done."""

    def __init__(self, day: _Day, durations: Durations, target: StaffingTarget, samples: list[_Sample]) -> None:
        self.day, self.durations, self.target, self.samples = day, durations, target, samples
        first = self._start(0) if day.hours else 0.0
        self.states = [_State(pending=s.between(0.0, first, day.zones)) for s in samples]  # at the hour's start
        self.offsets: dict[str, int] = {}  # per zone: the last hour's count less its Erlang C count

    def _start(self, index: int) -> float:
        return self.day.hours[index] * HOUR

    def hour(self, index: int) -> tuple[list[ZoneHour], UniversalHour]:
        """The hour's advice; the samples' states then move on to the next hour."""
        begin = self._start(index)
        zones = self.day.zones
        arrivals = {code: self.day.forecast.count({s.code for s in self.day.hall.services_in(code)},
                                                  begin, begin + HOUR) for code in zones}
        counts, shares = self._zones(index, arrivals)
        universal, enough = self._universal(index, counts, shares)
        self.states = self._carried(index, counts, universal)
        rows = [ZoneHour(code, self.day.hours[index], round(arrivals[code], 2), counts[code], len(zones[code]),
                         _rounded(shares[code]), _meets(shares[code], self.target)) for code in zones]
        return rows, UniversalHour(self.day.hours[index], universal, len(self.day.universal), enough)

    def _zones(self, index: int, arrivals: dict[str, float]) -> tuple[Counts, Shares]:
        """Each zone's count on its own windows, and the share it gives."""
        erlang = {code: self._erlang(code, arrivals[code], index, len(self.day.zones[code])) for code in self.day.zones}
        brackets = {code: _Bracket(len(windows), erlang[code] + self.offsets.get(code, 0), arrivals[code] > 0)
                    for code, windows in self.day.zones.items()}
        counts = {code: b.count for code, b in brackets.items()}
        while unsettled := [code for code, b in brackets.items() if not b.settled]:
            shares = self._judged(index, counts, unsettled, 0)
            for code in unsettled:
                brackets[code].shares[counts[code]] = shares[code]
                counts[code] = brackets[code].after(_meets(shares[code], self.target))
        self.offsets = {code: counts[code] - erlang[code] for code in counts if arrivals[code] > 0}
        shares = {code: b.share for code, b in brackets.items()}
        unplayed = [code for code, b in brackets.items() if not b.played and arrivals[code] > 0]
        return counts, {**shares, **self._judged(index, counts, unplayed, 0)}

    def _universal(self, index: int, counts: Counts, shares: Shares) -> tuple[int, bool]:
        """The fewest universal windows that bring every zone to the target (or all of them when
        they cannot), and whether they do."""
        everyone = list(counts)
        short = [code for code, share in shares.items() if not _meets(share, self.target)]
        bracket = _Bracket(len(self.day.universal), self._shortfall(index, short, counts), bool(short))
        bracket.missed = 0  # the zones alone fall short
        found: dict[int, Shares] = {0: shares}
        while not bracket.settled:
            found[bracket.count] = self._judged(index, counts, everyone, bracket.count)
            bracket.after(all(_meets(s, self.target) for s in found[bracket.count].values()))
        if bracket.count not in found:
            found[bracket.count] = self._judged(index, counts, everyone, bracket.count)
        return bracket.count, all(_meets(s, self.target) for s in found[bracket.count].values())

    def _shortfall(self, index: int, short: list[str], counts: Counts) -> int:
        """Where the universal windows' search starts: the windows the short zones' Erlang C counts want
        beyond their own."""
        begin = self._start(index)
        wanted = 0
        for code in short:
            services = {s.code for s in self.day.hall.services_in(code)}
            arrivals = self.day.forecast.count(services, begin, begin + HOUR)
            most = counts[code] + len(self.day.universal)
            wanted += max(self._erlang(code, arrivals, index, most) - counts[code], 1)
        return wanted

    def _erlang(self, zone: str, arrivals: float, index: int, most: int) -> int:
        """The Erlang C count (`most` at most) for the hour's arrivals and those still waiting, at the
        zone's mean time per ticket."""
        if arrivals <= 0:
            return 0
        begin = self._start(index)
        services = [s.code for s in self.day.hall.services_in(zone)]
        moment = self.day.origin + timedelta(seconds=begin + HOUR / 2)
        weights = [self.day.forecast.count({code}, begin, begin + HOUR) for code in services]
        means = [self.durations.cycle(code, None, moment, None) for code in services]
        mean = sum(w * m for w, m in zip(weights, means, strict=True)) / (sum(weights) or 1.0)
        waiting = sum(self.day.zone_of[a.service] == zone for state in self.states for a in state.pending)
        return min(max(erlang_c_count(arrivals / HOUR, mean, self.target, most),
                       self._clearing(waiting / len(self.states), arrivals, mean)), most)

    def _clearing(self, waiting: float, arrivals: float, mean: float) -> int:
        """The windows that bring the queue down, from `waiting` at the hour's start, to what they call
        within the target by the time the share of the hour's arrivals that may be late has come."""
        late = (1 - self.target.share) * HOUR
        return math.ceil(mean * (waiting + arrivals / HOUR * late) / (self.target.seconds + late))

    def _judged(self, index: int, counts: Counts, zones: list[str], universal: int) -> Shares:
        """Each of `zones`' share of the hour's arrivals called within the target, with `counts` and
        `universal` windows open from the hour's start: the zones alone without universal windows."""
        if not zones:
            return {}
        begin, end = self._start(index), self._start(index) + HOUR
        playing = {code: counts[code] for code in (counts if universal else zones)}
        within = dict.fromkeys(playing, 0)
        came = dict.fromkeys(playing, 0)
        for sample, state in zip(self.samples, self.states, strict=True):
            asked = sample.between(begin, end, zones)
            calls = self._play(sample, state, playing, universal, min(end + self.target.seconds, self.day.closing),
                               begin, asked)
            for arrival in asked:
                zone = self.day.zone_of[arrival.service]
                came[zone] += 1
                call = calls.get(arrival.id)
                within[zone] += call is not None and call.at - arrival.at <= self.target.seconds
        return {code: within[code] / came[code] if came[code] else None for code in zones}

    def _carried(self, index: int, counts: Counts, universal: int) -> list[_State]:
        """Each sample's state at the next hour's start, the hour played with the advice's windows open."""
        begin = self._start(index)
        end = self._start(index + 1) if index + 1 < len(self.day.hours) else self.day.closing
        states = []
        for sample, state in zip(self.samples, self.states, strict=True):
            asked = state.pending + sample.between(begin, end, counts)
            calls = self._play(sample, state, counts, universal, end, begin, asked)
            free = dict(state.free)
            for call in calls.values():
                free[call.window] = max(free.get(call.window, 0.0), call.at + call.held)
            states.append(_State([a for a in asked if a.id not in calls], free))
        return states

    def _play(self, sample: _Sample, state: _State, counts: Counts, universal: int, end: float, begin: float,
              asked: list[Expected]) -> dict[int, Call]:
        """A run of the zones in `counts` and `universal` universal windows from `begin` (the sample's
        state then) until `end` at most, stopping once `asked` are called."""
        windows = [w for code, count in counts.items() for w in self.day.zones[code][:count]]
        windows += self.day.universal[:universal]
        desks = [Desk(w, None, max(begin, state.free.get(w.number, begin))) for w in windows]
        pending = [a for a in state.pending if self.day.zone_of[a.service] in counts]
        durations, rng = sample.durations(self.durations, self.day.zone_of, begin)
        return play(self.day.origin, desks, (), durations, starvation=self.day.hall.queue.starvation,
                    hours=self.day.periods_until(end), expected=pending + sample.between(begin, end, counts),
                    asked=[a.id for a in asked], rng=rng)


def _meets(share: float | None, target: StaffingTarget) -> bool:
    return share is None or share >= target.share


def _rounded(share: float | None) -> float | None:
    return None if share is None else round(share, 4)


class _Bracket:
    """One search for a count: the largest known to miss the target, the smallest known to meet it."""

    def __init__(self, most: int, guess: int, wanted: bool) -> None:
        self.most = most
        self.count = min(max(guess, 0), most) if wanted else 0
        self.missed: int = -1
        self.met: int | None = None
        self.moves = 0
        self.settled = not (wanted and most)  # nothing to search: nothing wanted, or nothing to give
        self.shares: dict[int, float | None] = {}  # a zone's: the share each count tried gave

    @property
    def played(self) -> bool:
        return self.count in self.shares

    @property
    def share(self) -> float | None:
        return self.shares.get(self.count)

    def after(self, met: bool) -> int:
        """The next count to try after the current one met the target or not; settles once known.
        Steps doubling, halving once both ends are known."""
        if met:
            self.met = self.count
        else:
            self.missed = self.count
        self.moves += 1
        step = 2 ** (self.moves - 1)
        if self.met is not None and self.met - self.missed <= 1:
            self.settled, self.count = True, self.met
        elif self.missed >= self.most:
            self.settled, self.count = True, self.most  # not enough even with all of them
        elif self.met is None:
            self.count = min(self.missed + step, self.most)
        elif self.missed < 0:
            self.count = max(self.met - step, 0)
        else:
            self.count = (self.missed + self.met) // 2
        return self.count


def erlang_c_count(rate: float, mean: float, target: StaffingTarget, most: int) -> int:
    """The fewest servers of an M/M/c queue (arrivals per second, mean seconds of service) whose
    steady state calls the target share within the target time, `most` at most; Erlang B's recursion gives C."""
    load = rate * mean
    if load <= 0:
        return 0
    blocking, servers = 1.0, 0
    while servers < most:
        servers += 1
        blocking = load * blocking / (servers + load * blocking)
        if servers <= load:
            continue
        waiting = servers * blocking / (servers - load * (1 - blocking))
        if 1 - waiting * math.exp(-(servers - load) * target.seconds / mean) >= target.share:
            return servers
    return most
