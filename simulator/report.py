"""What a simulated day looked like, per zone, from the server's own answers.

The `Recorder` follows every ticket through the API responses the simulator
got: each stay at a window runs from its call to its outcome, with the times
the server stamped. The figures are defined exactly as the server's
statistics (docs/statistics.md), so a simulated day can be checked against
`GET /api/v1/stats?by=zone|window`:

  waiting   queued_at -> called_at of every stay
  handling  started_at -> end of the stays that started and ended done or transferred
  walk-up   called_at -> started_at of the stays that started
  p90       PostgreSQL's percentile_cont(0.9); seconds rounded to 0.1
  好差评    the ratings given (through the window's tablet or the ticket's phone, as
            the server took them): valid, valid / served, top two / valid, bad

Beyond the server's figures the report has the tickets issued per zone, the
longest queue each zone had, and the count of each rating level the visitors gave.

Summons of 事进人不进 departments are reported per department as
`GET /api/v1/stats/summons` has them (docs/summons.md): summons, arrivals,
mean and p90 minutes from the summons to the officer's arrival, on time of
those due, from the summons the server answered with.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from server.hall import Hall, SummonsDepartment
from server.model import RatingLevel
from server.stats import share
from server.summons import DepartmentFigures
from simulator.accuracy import Accuracy, EstimateRecorder
from simulator.plan import RATINGS

_SATISFIED = frozenset(RATINGS[:2])  # 满意率 counts 非常满意 and 满意
_BAD = frozenset(level.value for level in RatingLevel if level.bad)
_WORDS = {"very_satisfied": "非常满意", "satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意",
          "very_dissatisfied": "非常不满意"}


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation at position fraction × (n − 1)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _stamp(value: str) -> datetime:
    """A time the server always sets by this point of the ticket's life."""
    return datetime.fromisoformat(value)


@dataclass
class Stay:
    """One ticket's stay at one window, as the server counts it (a `servings` row)."""

    zone: str
    window: int
    queued_at: datetime
    called_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str | None = None  # done, transferred, no_show, cancelled
    rating: str | None = None  # the level it was rated, if it was (only a stay ended done is)

    @property
    def waiting(self) -> float:
        return (self.called_at - self.queued_at).total_seconds()

    @property
    def walk_up(self) -> float | None:
        return (self.started_at - self.called_at).total_seconds() if self.started_at else None

    @property
    def handling(self) -> float | None:
        if self.started_at is None or self.ended_at is None or self.outcome not in ("done", "transferred"):
            return None
        return (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class Figures:
    """The figures of `GET /api/v1/stats` for one group of stays."""

    served: int
    transferred: int
    no_shows: int
    waiting_mean_s: float | None
    waiting_p90_s: float | None
    handling_mean_s: float | None
    handling_p90_s: float | None
    walk_up_mean_s: float | None
    rated: int  # 有效评价数
    rated_share: float | None  # 有效评价率: rated / served
    satisfaction: float | None  # 满意率: 非常满意 and 满意 / rated
    bad: int  # 差评数

    @classmethod
    def of(cls, stays: Sequence[Stay]) -> Figures:
        outcomes = Counter(s.outcome for s in stays)
        waits = [s.waiting for s in stays]
        handling = [h for s in stays if (h := s.handling) is not None]
        walk_ups = [w for s in stays if (w := s.walk_up) is not None]
        ratings = [s.rating for s in stays if s.rating is not None]
        satisfied = sum(r in _SATISFIED for r in ratings)
        return cls(outcomes["done"], outcomes["transferred"], outcomes["no_show"],
                   _seconds(mean(waits)), _seconds(percentile(waits, 0.9)),
                   _seconds(mean(handling)), _seconds(percentile(handling, 0.9)), _seconds(mean(walk_ups)),
                   len(ratings), share(len(ratings), outcomes["done"]), share(satisfied, len(ratings)),
                   sum(r in _BAD for r in ratings))

    @classmethod
    def from_server(cls, group: dict[str, Any]) -> Figures:
        """One group of `GET /api/v1/stats`, for comparison."""
        ratings = group["ratings"]
        return cls(group["served"], group["transferred"], group["no_shows"],
                   group["waiting"]["mean_s"], group["waiting"]["p90_s"],
                   group["handling"]["mean_s"], group["handling"]["p90_s"], group["walk_up"]["mean_s"],
                   ratings["valid"], ratings["valid_rate"], ratings["satisfaction"], ratings["bad"])


def figures_by(stays: Iterable[Stay], key: Callable[[Stay], str]) -> dict[str, Figures]:
    groups: dict[str, list[Stay]] = {}
    for stay in stays:
        groups.setdefault(key(stay), []).append(stay)
    return {name: Figures.of(group) for name, group in sorted(groups.items())}


_SUMMONS_FIGURES = ("summons", "arrived", "mean_minutes", "p90_minutes", "on_time", "due", "on_time_share")


def summons_figures(department: SummonsDepartment, seen: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A department's figures over the summons seen (each in its last answer), shaped as the server's:
    all the day's summons arrived, so those due are those arrived."""
    minutes = [(_stamp(s["arrived_at"]) - _stamp(s["created_at"])).total_seconds() / 60
               for s in seen if s["arrived_at"]]
    on_time = sum(1 for s in seen if s["on_time"])
    figures = DepartmentFigures(department, len(seen), len(minutes), mean(minutes), percentile(minutes, 0.9),
                                on_time, len(minutes), month_count=0)
    return server_summons_figures(figures.public())


def server_summons_figures(department: dict[str, Any]) -> dict[str, Any]:
    """The day's figures of one department of `GET /api/v1/stats/summons` (or of the report)."""
    return {"department": department["department"], "name": department["name"],
            **{name: department[name] for name in _SUMMONS_FIGURES}}


@dataclass(frozen=True)
class ZoneReport:
    zone: str
    name: str
    tickets: int  # issued in the zone
    turned_away: int  # refused by the kiosk (the hall had closed)
    longest_queue: int  # most tickets waiting in the zone at once
    figures: Figures
    ratings: tuple[int, ...]  # counts in RATINGS order

    def public(self) -> dict[str, Any]:
        return {"zone": self.zone, "name": self.name, "tickets": self.tickets, "turned_away": self.turned_away,
                "longest_queue": self.longest_queue, **asdict(self.figures),
                "ratings": dict(zip(RATINGS, self.ratings, strict=True))}


@dataclass(frozen=True)
class Report:
    hall: str
    hall_name: str
    day: str
    zones: tuple[ZoneReport, ...]
    windows: dict[str, Figures]  # by window number, as `GET /api/v1/stats?by=window` keys them
    total: Figures
    still_waiting: int  # tickets left waiting at the end: none when the day was served out
    summons: tuple[dict[str, Any], ...] = ()  # per summoned department, see summons_figures
    # The wait estimates told at issue against the waits: per zone and "all", the server's and the old formula's.
    estimates: dict[str, dict[str, Accuracy]] = field(default_factory=dict)

    def by_zone(self) -> dict[str, Figures]:
        return {z.zone: z.figures for z in self.zones if z.figures != _NOTHING}

    def public(self) -> dict[str, Any]:
        return {"hall": self.hall, "day": self.day, "still_waiting": self.still_waiting,
                "zones": [z.public() for z in self.zones], "total": asdict(self.total),
                "windows": {n: asdict(f) for n, f in self.windows.items()}, "summons": list(self.summons),
                "estimates": {zone: {k: asdict(a) for k, a in by.items()} for zone, by in self.estimates.items()}}

    def text(self) -> str:
        return format_report(self)


_NOTHING = Figures.of([])


@dataclass
class Recorder:
    """Follows tickets through the server's answers and turns them into a `Report`."""

    hall: Hall
    stays: list[Stay] = field(default_factory=list)
    _open: dict[int, Stay] = field(default_factory=dict)  # ticket id -> its stay at a window
    _tickets: Counter = field(default_factory=Counter)
    _turned_away: Counter = field(default_factory=Counter)
    _waiting: Counter = field(default_factory=Counter)
    _longest: Counter = field(default_factory=Counter)
    _ratings: dict[str, Counter] = field(default_factory=dict)
    _summons: dict[int, dict[str, Any]] = field(default_factory=dict)  # summons id -> its last answer
    estimates: EstimateRecorder = field(init=False)  # the waits told at issue
    day: str = ""

    def __post_init__(self) -> None:
        self.estimates = EstimateRecorder(self.hall)

    def issued(self, answer: dict[str, Any]) -> None:
        ticket = answer["ticket"]
        self.estimates.issued(answer)
        self._tickets[ticket["zone"]] += 1
        self.day = self.day or self.hall.local(_stamp(ticket["issued_at"])).date().isoformat()
        self._queued(ticket["zone"])

    def turned_away(self, zone: str) -> None:
        self._turned_away[zone] += 1

    def called(self, ticket: dict[str, Any]) -> None:
        self.estimates.called(ticket)
        self._waiting[ticket["zone"]] -= 1
        stay = Stay(ticket["zone"], ticket["window"], _stamp(ticket["queued_at"]), _stamp(ticket["called_at"]))
        self._open[ticket["id"]] = stay
        self.stays.append(stay)

    def started(self, ticket: dict[str, Any]) -> None:
        self._open[ticket["id"]].started_at = _moment(ticket["started_at"])

    def finished(self, ticket: dict[str, Any], rating: str | None) -> None:
        stay = self._close(ticket, "done", _moment(ticket["finished_at"]))
        stay.rating = rating
        if rating:
            self._ratings.setdefault(stay.zone, Counter())[rating] += 1

    def no_show(self, ticket: dict[str, Any]) -> None:
        self._close(ticket, "no_show", None)

    def transferred(self, ticket: dict[str, Any]) -> None:
        """The stay ends at the transfer, the moment the ticket joins its new queue."""
        self._close(ticket, "transferred", _moment(ticket["queued_at"]))
        self._queued(ticket["zone"])

    def rejoined(self, ticket: dict[str, Any]) -> None:
        self._queued(ticket["zone"])

    def summons(self, summons: dict[str, Any]) -> None:
        self._summons[summons["id"]] = summons

    def _queued(self, zone: str) -> None:
        self._waiting[zone] += 1
        self._longest[zone] = max(self._longest[zone], self._waiting[zone])

    def _close(self, ticket: dict[str, Any], outcome: str, at: datetime | None) -> Stay:
        stay = self._open.pop(ticket["id"])
        stay.outcome, stay.ended_at = outcome, at
        return stay

    def report(self) -> Report:
        by_zone = figures_by(self.stays, lambda s: s.zone)
        zones = tuple(
            ZoneReport(z.code, z.name, self._tickets[z.code], self._turned_away[z.code], self._longest[z.code],
                       by_zone.get(z.code, _NOTHING),
                       tuple(self._ratings.get(z.code, Counter())[r] for r in RATINGS))
            for z in self.hall.zones
        )
        summons = tuple(summons_figures(d, [s for s in self._summons.values() if s["department"] == d.id])
                        for d in self.hall.summons.departments)
        return Report(self.hall.id, self.hall.name, self.day, zones, figures_by(self.stays, lambda s: str(s.window)),
                      Figures.of(self.stays), sum(self._waiting.values()), summons, self.estimates.report())


# --- printing -------------------------------------------------------------------


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{100 * fraction:.1f}%"


_HEADER = ("zone", "tickets", "served", "transf", "no-show", "wait min", "p90", "handle min", "p90",
           "longest q", "rated", "评价率", "满意率", "差评")


def _row(label: str, tickets: int, f: Figures, longest: str) -> tuple[str, ...]:
    return (label, str(tickets), str(f.served), str(f.transferred), str(f.no_shows),
            _minutes(f.waiting_mean_s), _minutes(f.waiting_p90_s), _minutes(f.handling_mean_s),
            _minutes(f.handling_p90_s), longest, str(f.rated), _percent(f.rated_share), _percent(f.satisfaction),
            str(f.bad))


def format_report(report: Report) -> str:
    rows = [_row(z.zone, z.tickets, z.figures, str(z.longest_queue)) for z in report.zones]
    all_ratings = [sum(z.ratings[i] for z in report.zones) for i in range(len(RATINGS))]
    rows.append(_row("all", sum(z.tickets for z in report.zones), report.total, ""))
    widths = [max(len(r[i]) for r in [_HEADER, *rows]) for i in range(len(_HEADER))]
    lines = [f"{report.hall_name} ({report.hall}), {report.day}"]
    lines += ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in [_HEADER, *rows]]
    lines.append("zones: " + ", ".join(f"{z.zone} {z.name}" for z in report.zones))
    lines.append("好差评: " + ", ".join(f"{_WORDS[r]} {n}" for r, n in zip(RATINGS, all_ratings, strict=True)))
    lines += [_summons_line(d) for d in report.summons]
    lines += [_estimates_line(zone, by) for zone, by in report.estimates.items()]
    turned_away = sum(z.turned_away for z in report.zones)
    if turned_away or report.still_waiting:
        lines.append(f"turned away at the kiosk: {turned_away}; left waiting at the end: {report.still_waiting}")
    return "\n".join(lines)


def _summons_line(d: dict[str, Any]) -> str:
    share = "-" if d["on_time_share"] is None else f"{100 * d['on_time_share']:.1f}%"
    minutes = [_number(d[name]) for name in ("mean_minutes", "p90_minutes")]
    return (f"事进人不进 {d['department']} {d['name']}: {d['summons']} summoned, {d['arrived']} arrived,"
            f" arrive min {minutes[0]}, p90 {minutes[1]}, on time {share}")


def _estimates_line(zone: str, by: dict[str, Accuracy]) -> str:
    parts = [f"{name} MAE {_number(a.mae_minutes)} min, within ±5 {_percent(a.within_5_share)}, "
             f"bias {_number(a.bias_minutes)}" for name, a in by.items()]
    return f"wait estimates {zone} ({by['formula'].tickets} called): " + "; ".join(parts)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
