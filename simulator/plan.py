"""A seeded, realistic hall day: who comes when, for what, and how each visit goes.

The plan holds what the outside world decides — arrivals at the kiosks, staff
signing in and pausing — plus each visitor's own behaviour (walk-up and
handling time, no-show, transfer, 好差评 rating). Which window calls whom is
not planned: the server's routing decides that while the day is driven.

Everything comes from one `random.Random` seeded with the hall, the day and
the seed, drawn in a fixed order, so the same seed always gives the same plan.

The model, per hall:
  * arrivals and their services follow the day profile the server forecasts
    with (server.twin.day_profile: the rush, peak, lunch dip and taper, and
    each service's share);
  * ~5% green channel, ~10% appointments (the next slot of the hall's booking
    grid, booked through the booking API before the day starts, checked in at
    the kiosk on arrival; a full slot makes a walk-in), ~4% no-shows (40% of them
    come back), ~3% transfers to another service;
  * handling times are lognormal around each service's typical_minutes, all
    scaled by one factor so the day's visitors keep the windows about 85%
    busy (a 10,000-visitor day in the reference hall needs quicker than
    typical service: the factor is reported);
  * every window has its own simulated clerk (see `Roster`), with one or two
    short pauses and, where the hall serves through lunch, a staggered lunch;
  * a visit of a 事进人不进 service (the hall's [summons] departments) summons
    the department when service starts; its simulated officer acknowledges
    within a few minutes and arrives ~80% of the time within the SLA, the
    rest late; the service finishes only after the officer came. Such visits
    are never transferred, nor transferred to.
"""
from __future__ import annotations

import math
import random
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from hardware.idcard import with_check_character
from server.credentials import hash_token
from server.hall import Hall, Priority
from server.model import RatingLevel
from server.slots import slot_times
from server.twin.day_profile import (
    APPOINTMENT_SHARE,
    GREEN_SHARE,
    VISITORS_PER_WINDOW,
    arrival_weights,
    known_service,
    minutes,
    service_mix,
)

RATINGS = tuple(level.value for level in RatingLevel)  # 好差评 levels, best first (非常满意 … 非常不满意)
_RATING_WEIGHTS = (0.70, 0.20, 0.06, 0.03, 0.01)
RATED_SHARE = 0.85  # most citizens rate the service...
PHONE_SHARE = 0.10  # ...on the window's tablet, some later on the ticket's phone page

TARGET_LOAD = 0.85  # share of the windows' open time spent handling visitors
NO_SHOW_SHARE, REJOIN_SHARE, TRANSFER_SHARE = 0.04, 0.40, 0.03
HANDLING_SIGMA = 0.45  # lognormal spread of handling times
_LOGNORMAL_MEAN = math.exp(HANDLING_SIGMA ** 2 / 2)  # mean / median of that lognormal
DEFAULT_DAY = date(2026, 11, 23)  # a Monday
SUMMONS_ON_TIME_SHARE = 0.8  # officers arriving within the hall's arrive_minutes
AFTER_ARRIVAL = 2 * 60  # the officer's own examination once at the window, at least

_BREAK_REASONS = (("break", "休息"), ("meeting", "业务咨询"), ("other", "调取档案"))  # (code, note)


@dataclass(frozen=True)
class PlanSettings:
    seed: int = 1
    day: date = DEFAULT_DAY
    visitors: int | None = None  # for the full day; None: VISITORS_PER_WINDOW per window
    start: time | None = None  # keep only arrivals from this local time...
    end: time | None = None  # ...until before this one (a partial day)
    handling_scale: float | None = None  # None: fitted to TARGET_LOAD


@dataclass(frozen=True)
class Rating:
    """A visitor's 好差评 of the service, given through the server as a tablet or a phone would."""

    level: str  # a RATINGS code
    channel: str  # "tablet" (at the window, as the service finishes) or "phone"
    reasons: tuple[str, ...] = ()  # a bad rating's, codes of the hall's checklist


@dataclass(frozen=True)
class Visit:
    """One citizen: times are seconds after the day's local midnight, or durations in seconds."""

    id: int
    arrive: int
    service: str
    priority: Priority
    appointment: int | None  # slot start of an appointment
    walk_up: int  # from the call to the window
    handling: int
    no_show: bool  # does not come when first called
    rejoin_after: int | None  # a no-show who comes back, this long after being marked
    transfer_to: str | None  # the clerk transfers the ticket to this service...
    transfer_after: int | None  # ...this long into the handling
    second_handling: int | None  # handling at the second window
    rating: Rating | None  # 好差评 after the service, None when the citizen does not rate (未评价)
    summons: Summoned | None = None  # a 事进人不进 service: when its department's officer answers


@dataclass(frozen=True)
class Summoned:
    """The summoned officer's answers, in seconds after the summons (made when service starts)."""

    acknowledge: int  # 确认收到
    arrive: int  # 已到达


@dataclass(frozen=True)
class Pause:
    start: int
    end: int
    reason: str  # a pause reason code (server.model.PauseReason)
    note: str  # the clerk's internal note


@dataclass(frozen=True)
class Shift:
    window: int
    staff_id: str
    sign_in: int
    pauses: tuple[Pause, ...]


@dataclass(frozen=True)
class PlannedAction:
    at: int
    kind: str  # "sign-in", "pause", "arrive"
    window: int | None = None
    visit: Visit | None = None
    pause: Pause | None = None


_KIND_ORDER = {"sign-in": 0, "pause": 1, "arrive": 2}


@dataclass(frozen=True)
class DayPlan:
    hall: str
    seed: int
    day: date
    timezone: str
    handling_scale: float
    visits: tuple[Visit, ...]
    shifts: tuple[Shift, ...]

    def at(self, seconds: int) -> datetime:
        """The moment `seconds` after the day's local midnight."""
        return datetime.combine(self.day, time(), ZoneInfo(self.timezone)) + timedelta(seconds=seconds)

    def actions(self) -> list[PlannedAction]:
        """The day's planned actions in time order (same time: sign-ins, then pauses, then arrivals)."""
        actions = [PlannedAction(s.sign_in, "sign-in", window=s.window) for s in self.shifts]
        actions += [PlannedAction(p.start, "pause", window=s.window, pause=p) for s in self.shifts for p in s.pauses]
        actions += [PlannedAction(v.arrive, "arrive", visit=v) for v in self.visits]
        return sorted(actions, key=lambda a: (a.at, _KIND_ORDER[a.kind], a.window or 0, a.visit.id if a.visit else 0))


# --- the simulated staff roster ---------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """The staff and devices the simulation signs in with: one clerk and one evaluation tablet per
    window, a manager (reads statistics, steps the clock, puts no-shows back in the queue), a kiosk
    and a screen.

    They are added to a copy of the hall file (`write_config`), all with the password
    hash of the hall's first staff entry, so the server must run on that copy.
    """

    hall: str
    password: str
    manager: str = "simmgr"
    kiosk: str = "sim-kiosk"
    screen: str = "sim-screen"

    @staticmethod
    def clerk(window: int) -> str:
        return f"sim{window:03d}"

    @staticmethod
    def officer(department: str) -> str:
        """The officer the simulation answers a department's summons as."""
        return f"simoff-{department}"

    @classmethod
    def officers(cls, hall: Hall) -> list[str]:
        return [cls.officer(d.id) for d in hall.summons.departments]

    @property
    def kiosk_token(self) -> str:
        return f"sim-kiosk-token-{self.hall}"  # device tokens must differ between halls

    @property
    def screen_token(self) -> str:
        return f"sim-screen-token-{self.hall}"

    @staticmethod
    def tablet(window: int) -> str:
        return f"sim-tablet-{window:03d}"

    def tablet_token(self, window: int) -> str:
        return f"sim-tablet-token-{self.hall}-{window}"

    def write_config(self, hall: Hall, source: Path, directory: Path) -> Path:
        """A copy of the hall file with the roster appended; returns its path in `directory`."""
        if not hall.staff:
            raise ValueError(f"{source}: the hall has no [[staff]] entry whose password hash the roster can reuse")
        password_hash = hall.staff[0].password_hash
        known = {s.id for s in hall.staff}
        entries = [_staff_entry(self.clerk(w.number), f"模拟{w.number:03d}", "clerk", password_hash)
                   for w in hall.windows if self.clerk(w.number) not in known]
        if self.manager not in known:
            entries.append(_staff_entry(self.manager, "模拟值班长", "manager", password_hash))
        entries += [_staff_entry(self.officer(d.id), f"模拟{d.name}", "officer", password_hash)
                    for d in hall.summons.departments if self.officer(d.id) not in known]
        if hall.device(self.kiosk) is None:
            entries.append(f'\n[[devices]]\nid = "{self.kiosk}"\nkind = "kiosk"\n'
                           f'token_hash = "{hash_token(self.kiosk_token)}"\n')
        if hall.device(self.screen) is None:
            entries.append(f'\n[[devices]]\nid = "{self.screen}"\nkind = "screen"\nscreen = "hall"\n'
                           f'token_hash = "{hash_token(self.screen_token)}"\n')
        text = _one_hall(_with_officers(Path(source).read_text(encoding="utf-8"), hall, known))
        if "[bookings]" not in text:  # every booking comes from the simulator's one address
            entries.append("\n[bookings]\nper_address = 100000\n")
        entries += [f'\n[[devices]]\nid = "{self.tablet(w.number)}"\nkind = "evaluator"\nwindow = {w.number}\n'
                    f'token_hash = "{hash_token(self.tablet_token(w.number))}"\n'
                    for w in hall.windows if hall.device(self.tablet(w.number)) is None]
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / Path(source).name
        path.write_text(text + "".join(entries), encoding="utf-8")
        return path


def _with_officers(text: str, hall: Hall, known: set[str]) -> str:
    """The hall file's text with each summoned department's simulated officer first in its `officers`
    (the departments' tables come in the file's order, one `officers = [` line each)."""
    departments = iter(hall.summons.departments)
    lines, department = [], None
    for line in text.splitlines(keepends=True):
        if line.strip() == "[[summons.departments]]":
            department = next(departments)
        elif line.startswith("["):
            department = None
        officer = Roster.officer(department.id) if department else None
        if officer and officer not in known and re.match(r"\s*officers\s*=\s*\[", line):
            line = line.replace("[", f'["{officer}", ', 1)
        lines.append(line)
    return "".join(lines)


def _one_hall(text: str) -> str:
    """The text without staff entries' other halls (`halls = [...]`): the simulated server runs this hall alone."""
    return re.sub(r"(?m)^halls\s*=\s*\[[^\]]*\]\s*(#.*)?\n", "", text)


def _staff_entry(staff_id: str, name: str, role: str, password_hash: str) -> str:
    return f'\n[[staff]]\nid = "{staff_id}"\nname = "{name}"\nrole = "{role}"\npassword_hash = "{password_hash}"\n'


# --- generating the day -------------------------------------------------------------


def make_plan(hall: Hall, settings: PlanSettings = PlanSettings()) -> DayPlan:
    rng = random.Random(f"{hall.id}/{settings.day.isoformat()}/{settings.seed}")
    mix = service_mix(hall)
    total = settings.visitors if settings.visitors is not None else VISITORS_PER_WINDOW * len(hall.windows)
    shifts = _shifts(hall, rng, settings)
    scale = settings.handling_scale or fitted_scale(hall, mix, total, shifts)
    cumulative = list(accumulate(arrival_weights(hall, settings.day)))
    arrivals = sorted(_arrival_second(rng, cumulative) for _ in range(total))
    draw = _Visitors(hall, rng, mix, scale, settings.day)
    visits = [draw.visit(n, arrive) for n, arrive in enumerate(arrivals, start=1)]
    first, last = _span_seconds(settings)
    visits = [v for v in visits if first <= v.arrive < last]
    return DayPlan(hall.id, settings.seed, settings.day, hall.timezone.key, round(scale, 3),
                   tuple(visits), _within_span(shifts, first, last))


def fitted_scale(hall: Hall, mix: dict[str, float], visitors: int, shifts: tuple[Shift, ...]) -> float:
    """The handling-time factor that keeps the windows TARGET_LOAD busy, at most 1 (never slower than typical)."""
    typical = sum(share * known_service(hall, code).typical_minutes for code, share in mix.items())
    work = visitors * typical * _LOGNORMAL_MEAN * (1 + TRANSFER_SHARE)
    available = sum(_open_minutes(hall) - sum((p.end - p.start) / 60 for p in s.pauses) for s in shifts)
    return min(1.0, TARGET_LOAD * available / work) if work else 1.0


def _open_minutes(hall: Hall) -> float:
    """Minutes a window serves in a day: the whole day when the hall serves through lunch, else its sessions."""
    sessions = hall.hours.sessions
    if hall.hours.lunch_service:
        return minutes(sessions[-1].end) - minutes(sessions[0].start)
    return sum(minutes(s.end) - minutes(s.start) for s in sessions)


def _arrival_second(rng: random.Random, cumulative: list[float]) -> int:
    """A second of the day, drawn by the cumulative per-minute arrival weights."""
    minute = bisect_right(cumulative, rng.random() * cumulative[-1])
    return minute * 60 + rng.randrange(60)


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> int:
    return int(round(min(high, max(low, rng.lognormvariate(math.log(median), sigma)))))


class _Visitors:
    """Draws each visitor's service and behaviour, in a fixed order from the plan's generator."""

    def __init__(self, hall: Hall, rng: random.Random, mix: dict[str, float], scale: float, day: date) -> None:
        self.hall, self.rng, self.scale, self.day = hall, rng, scale, day
        self.services, self.cumulative = list(mix), list(accumulate(mix.values()))

    def visit(self, n: int, arrive: int) -> Visit:
        rng = self.rng
        service = self._service()
        priority, appointment = self._priority(arrive)
        no_show = rng.random() < NO_SHOW_SHARE
        rejoin_after = rng.randrange(5 * 60, 30 * 60) if no_show and rng.random() < REJOIN_SHARE else None
        handling = self._handling(service)
        transfer_to = self._transfer(service) if not no_show else None
        if self._summoned(service) or (transfer_to and self._summoned(transfer_to)):
            transfer_to = None  # the case waits for its department, at one window
        return Visit(
            id=n, arrive=arrive, service=service, priority=priority, appointment=appointment,
            walk_up=_lognormal(rng, 40, 0.5, 10, 240), handling=handling, no_show=no_show,
            rejoin_after=rejoin_after, transfer_to=transfer_to,
            transfer_after=int(handling * rng.uniform(0.3, 0.6)) if transfer_to else None,
            second_handling=self._handling(transfer_to) if transfer_to else None,
            rating=self._rating(),
            summons=self._summons() if self._summoned(service) else None,
        )

    def _rating(self) -> Rating | None:
        rng = self.rng
        if rng.random() >= RATED_SHARE:
            return None
        level = RatingLevel(rng.choices(RATINGS, weights=_RATING_WEIGHTS)[0])
        channel = "phone" if rng.random() < PHONE_SHARE else "tablet"
        reasons = (rng.choice(self.hall.ratings.reasons).code,) if level.bad else ()
        return Rating(level.value, channel, reasons)

    def _summoned(self, service: str) -> bool:
        return self.hall.summons.for_service(service) is not None

    def _summons(self) -> Summoned:
        """A few minutes to acknowledge; on time mostly anywhere within the SLA, late by up to 15 minutes."""
        due = int(self.hall.summons.arrive.total_seconds())
        acknowledge = self.rng.randrange(30, 4 * 60)
        if self.rng.random() < SUMMONS_ON_TIME_SHARE:
            arrive = self.rng.randrange(due // 4, due + 1)
        else:
            arrive = due + self.rng.randrange(30, 15 * 60)
        return Summoned(acknowledge, max(arrive, acknowledge + 30))

    def _service(self) -> str:
        return self.rng.choices(self.services, cum_weights=self.cumulative)[0]

    def _priority(self, arrive: int) -> tuple[Priority, int | None]:
        roll = self.rng.random()
        if roll < GREEN_SHARE:
            return Priority.GREEN, None
        if roll < GREEN_SHARE + APPOINTMENT_SHARE:
            slot = _appointment_slot(self.hall, self.rng, arrive, self.day)
            if slot is not None:  # else no slot was left today: a walk-in after all
                return Priority.APPOINTMENT, slot
        return Priority.NORMAL, None

    def _handling(self, code: str) -> int:
        typical = known_service(self.hall, code).typical_minutes * 60 * self.scale
        return _lognormal(self.rng, typical, HANDLING_SIGMA, 60, 4 * typical)

    def _transfer(self, service: str) -> str | None:
        """Another service the clerk sends the ticket on to (转办), rarely."""
        if self.rng.random() >= TRANSFER_SHARE:
            return None
        other = self._service()
        return other if other != service else None


def _appointment_slot(hall: Hall, rng: random.Random, arrive: int, day: date) -> int | None:
    """The slot (of the hall's booking grid) a citizen arriving at `arrive` booked: the next one, so the
    check-in falls inside its window. None when no slot of the day starts then, or too long after."""
    length = int(hall.bookings.slot.total_seconds())
    slot = math.ceil((arrive + rng.randrange(60)) / length) * length  # the minute they arrive in
    if slot - arrive > hall.bookings.check_in_before.total_seconds():
        return None
    start = datetime.combine(day, time(), hall.timezone) + timedelta(seconds=slot)
    return slot if any(start == begins for begins, _ in slot_times(hall, day)) else None


def citizen(visit: int) -> tuple[str, str, str]:
    """The made-up (name, ID number, mobile) a booking visitor books with: a valid, unique ID number."""
    born = date(1960, 1, 1) + timedelta(days=visit // 1000)
    return "模拟市民", with_check_character(f"410502{born:%Y%m%d}{visit % 1000:03d}"), f"139{visit:08d}"


def _shifts(hall: Hall, rng: random.Random, settings: PlanSettings) -> tuple[Shift, ...]:
    opening = minutes(hall.hours.sessions[0].start) * 60
    if settings.start is not None:
        opening = max(opening, minutes(settings.start) * 60)
    shifts = []
    for index, window in enumerate(sorted(hall.windows, key=lambda w: w.number)):
        sign_in = int(opening - rng.randrange(5 * 60, 15 * 60))
        pauses = _lunch(hall, index) + _breaks(hall, rng)
        shifts.append(Shift(window.number, Roster.clerk(window.number), sign_in, _apart(pauses)))
    return tuple(shifts)


def _lunch(hall: Hall, index: int) -> list[Pause]:
    """Halls that serve through lunch (午间不间断服务) send half their clerks early, half late."""
    sessions = hall.hours.sessions
    if not hall.hours.lunch_service or len(sessions) < 2:
        return []
    gap = int(minutes(sessions[0].end) * 60)
    start = gap - 15 * 60 if index % 2 == 0 else gap + 30 * 60
    return [Pause(start, start + 45 * 60, "meal", "午休")]


def _breaks(hall: Hall, rng: random.Random) -> list[Pause]:
    open_from = int(minutes(hall.hours.sessions[0].start) * 60)
    open_until = int(minutes(hall.hours.sessions[-1].end) * 60) - 30 * 60
    breaks = []
    for _ in range(rng.choice((0, 1, 1, 2))):
        start = rng.randrange(open_from + 30 * 60, open_until)
        breaks.append(Pause(start, start + rng.randrange(5 * 60, 16 * 60), *rng.choice(_BREAK_REASONS)))
    return breaks


def _apart(pauses: list[Pause]) -> tuple[Pause, ...]:
    """The pauses in time order, dropping any that overlaps an earlier-planned one."""
    kept: list[Pause] = []
    for pause in pauses:
        if all(pause.end <= k.start or pause.start >= k.end for k in kept):
            kept.append(pause)
    return tuple(sorted(kept, key=lambda p: p.start))


def _span_seconds(settings: PlanSettings) -> tuple[int, int]:
    first = int(minutes(settings.start) * 60) if settings.start else 0
    last = int(minutes(settings.end) * 60) if settings.end else 24 * 3600
    return first, last


def _within_span(shifts: tuple[Shift, ...], first: int, last: int) -> tuple[Shift, ...]:
    """Shifts keep only the pauses that begin within a partial day."""
    return tuple(Shift(s.window, s.staff_id, s.sign_in, tuple(p for p in s.pauses if first <= p.start < last))
                 for s in shifts)

