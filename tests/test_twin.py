"""The twin's run of the hall (server.twin.engine): exact calls worked out by hand, and
the same calls as a plain run that asks routing with every waiting ticket, not only the heads."""
from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from server.config import load_hall
from server.hall import Priority, ServiceRank, Window
from server.queue_state import Waiting
from server.routing import Candidate, choose_ticket, servable
from server.twin.durations import TypicalDurations
from server.twin.engine import Call, Desk, Expected, play

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the hall
DAY = START.date()
MINUTE = 60.0
LONG = timedelta(hours=8)  # nobody starves
ALL_DAY = ((START - timedelta(hours=2), START + timedelta(hours=8)),)
Hours = tuple[tuple[datetime, datetime], ...]


class Fixed:
    """Every ticket of a service holds its window the same minutes: the calls can be worked out by hand."""

    def __init__(self, minutes: dict[str, float]) -> None:
        self.minutes = minutes

    def cycle(self, service: str, staff_id: str | None, at: datetime, rng: random.Random | None) -> float:
        return self.minutes[service] * MINUTE


def window(number: int, *profile: tuple[str, int]) -> Window:
    """A window of zone A with the given (service, level) profile; universal without one."""
    return Window(number, 1, "A" if profile else None, tuple(ServiceRank(s, level) for s, level in profile))


def desk(at: Window, free_at: float = 0, until: float = math.inf) -> Desk:
    """A signed-in window, first free `free_at` minutes after the start, signing out at `until`."""
    return Desk(at, None, free_at * MINUTE, until * MINUTE)


def walk_in(ticket_id: int, service: str, minutes_ago: float, priority: Priority = Priority.NORMAL,
            target: int | None = None) -> Waiting:
    queued = START - timedelta(minutes=minutes_ago)
    return Waiting(ticket_id, DAY, service, "A", priority, queued, queued, target)


def minutes(calls: dict[int, Call]) -> dict[int, tuple[float, int]]:
    """Each call as (minutes after the start, window number)."""
    return {ticket: (call.at / MINUTE, call.window) for ticket, call in calls.items()}


def run(desks: Sequence[Desk], waiting: Iterable[Waiting], durations: Fixed, hours: Hours = ALL_DAY,
        expected: Sequence[Expected] = ()) -> dict[int, tuple[float, int]]:
    return minutes(play(START, desks, waiting, durations, starvation=LONG, hours=hours, expected=expected))


# --- worked out by hand ----------------------------------------------------------

def test_one_window_calls_its_queue_one_after_another() -> None:
    tickets = [walk_in(1, "A01", 30), walk_in(2, "A01", 20), walk_in(3, "A01", 10)]
    assert run([desk(window(1, ("A01", 1)))], tickets, Fixed({"A01": 10})) == {
        1: (0, 1), 2: (10, 1), 3: (20, 1)}


def test_two_windows_of_different_profiles() -> None:
    """Window 1 puts A01 first and helps with A02 once no A01 waits; at equal moments the desk listed first calls."""
    desks = [desk(window(1, ("A01", 1), ("A02", 2))), desk(window(2, ("A02", 1)))]
    tickets = [walk_in(1, "A02", 30), walk_in(2, "A01", 20), walk_in(3, "A02", 10), walk_in(4, "A02", 5)]
    assert run(desks, tickets, Fixed({"A01": 10, "A02": 5})) == {
        2: (0, 1), 1: (0, 2), 3: (5, 2), 4: (10, 1)}


def test_a_universal_window_takes_the_longest_wait_across_services() -> None:
    desks = [desk(window(9)), desk(window(1, ("A01", 1)))]
    tickets = [walk_in(1, "A01", 30), walk_in(2, "B01", 20), walk_in(3, "A01", 10)]
    assert run(desks, tickets, Fixed({"A01": 10, "B01": 10})) == {1: (0, 9), 3: (0, 1), 2: (10, 9)}


def test_windows_call_only_while_the_hall_serves() -> None:
    """Closed from 30 to 90 minutes after the start for lunch: a window free then calls when the
    afternoon begins, and so does one that comes back from its pause during the gap."""
    hours = ((START - timedelta(hours=1), START + timedelta(minutes=30)),
             (START + timedelta(minutes=90), START + timedelta(hours=5)))
    desks = [desk(window(1, ("A01", 1))), desk(window(2, ("A01", 1)), free_at=45)]
    tickets = [walk_in(n, "A01", 60 - n) for n in range(1, 6)]
    assert run(desks, tickets, Fixed({"A01": 20}), hours) == {
        1: (0, 1), 2: (20, 1), 3: (90, 1), 4: (90, 2), 5: (110, 1)}


def test_nobody_is_called_before_the_hall_opens_or_after_its_day_ends() -> None:
    hours = ((START + timedelta(minutes=15), START + timedelta(minutes=50)),)
    tickets = [walk_in(n, "A01", 10 - n) for n in range(1, 4)]
    assert run([desk(window(1, ("A01", 1)))], tickets, Fixed({"A01": 20}), hours) == {1: (15, 1), 2: (35, 1)}


def test_a_window_stops_calling_when_its_desk_signs_out() -> None:
    """Signing out at 20 minutes, the window does not call at 20 minutes."""
    tickets = [walk_in(n, "A01", 10 - n) for n in range(1, 5)]
    assert run([desk(window(1, ("A01", 1)), until=20)], tickets, Fixed({"A01": 10})) == {1: (0, 1), 2: (10, 1)}


def test_a_busy_or_paused_window_calls_first_when_it_is_free() -> None:
    desks = [desk(window(1, ("A01", 1)), free_at=7), desk(window(2, ("A01", 1)), free_at=12)]
    tickets = [walk_in(n, "A01", 10 - n) for n in range(1, 4)]
    assert run(desks, tickets, Fixed({"A01": 10})) == {1: (7, 1), 2: (12, 2), 3: (17, 1)}


def test_an_expected_arrival_joins_and_a_probe_takes_no_time() -> None:
    """A probe ("if one came now") is called like any ticket but leaves the window free at once;
    the run stops once the waiting tickets and the probe are called."""
    tickets = [walk_in(1, "A01", 5), walk_in(2, "A02", 5)]
    expected = [Expected(-1, 4 * MINUTE, "A01", probe=True), Expected(-2, 3 * MINUTE, "A01"),
                Expected(-3, 4 * MINUTE, "A02")]
    desks = [desk(window(1, ("A01", 1), ("A02", 2)))]
    assert run(desks, tickets, Fixed({"A01": 10, "A02": 10}), expected=expected) == {
        1: (0, 1), -2: (10, 1), -1: (20, 1), 2: (20, 1)}


def test_a_probe_tied_with_a_ticket_queued_at_the_start_goes_as_routing_orders_the_tie() -> None:
    """Equal arrivals fall to the ticket id, and a probe's is negative: it is called first."""
    assert run([desk(window(1, ("A01", 1)))], [walk_in(1, "A01", 0)], Fixed({"A01": 10}),
               expected=[Expected(-1, 0, "A01", probe=True)]) == {-1: (0, 1), 1: (0, 1)}


def test_a_transferred_appointment_ranks_by_its_slot_once_it_begins() -> None:
    """Checked in 10 minutes before the start for a slot 5 minutes after it, it ranks ahead of a
    transfer queued 5 minutes before the start only until its slot begins."""
    slot, checked_in = START + timedelta(minutes=5), START - timedelta(minutes=10)
    tickets = [Waiting(1, DAY, "A01", "A", Priority.APPOINTMENT, slot, checked_in, 4), walk_in(2, "A02", 5, target=4)]
    assert run([desk(window(4, ("A03", 1)), free_at=10)], tickets, Fixed({"A01": 10, "A02": 10})) == {
        2: (10, 4), 1: (20, 4)}


def test_green_channel_goes_before_older_walk_ins() -> None:
    tickets = [walk_in(1, "A01", 30), walk_in(2, "A01", 20), walk_in(3, "A02", 1, Priority.GREEN)]
    expected = [Expected(-1, 5 * MINUTE, "A01", Priority.GREEN)]
    desks = [desk(window(1, ("A01", 1), ("A02", 2)))]
    assert run(desks, tickets, Fixed({"A01": 10, "A02": 10}), expected=expected) == {
        3: (0, 1), -1: (10, 1), 1: (20, 1), 2: (30, 1)}


# --- the reference: routing over everybody, at every call --------------------------

@dataclass(frozen=True)
class Scene:
    """A hall at the start of a run."""

    desks: tuple[Desk, ...]
    waiting: tuple[Waiting, ...]
    expected: tuple[Expected, ...]
    durations: Fixed
    starvation: timedelta
    hours: Hours

    def play(self, asked: Iterable[int] | None = None) -> dict[int, Call]:
        return play(START, self.desks, self.waiting, self.durations, starvation=self.starvation,
                    hours=self.hours, expected=self.expected, asked=asked)

    def everyone(self) -> set[int]:
        return {t.id for t in self.waiting} | {e.id for e in self.expected}

    def candidates(self) -> dict[int, Candidate]:
        """Every ticket as routing sees it at the start (whether a window may serve one does not change)."""
        return {t.id: t.candidate(START) for t in self.waiting} | {e.id: e.candidate(START) for e in self.expected}


def serving(scene: Scene, index: int, at: float) -> float | None:
    """When the desk may call from `at` on (seconds after the start): the hall serves and it is signed in."""
    for begin, end in scene.hours:
        if START + timedelta(seconds=at) < end:
            moment = max(at, (begin - START).total_seconds())
            return moment if moment < scene.desks[index].until else None
    return None


def reference(scene: Scene, asked: Iterable[int] | None = None) -> dict[int, Call]:
    """The run as its definition reads: the earliest free desk (the first listed at equal moments) calls
    what routing chooses among every ticket waiting then; an arrival at that moment comes first; a desk
    with nobody to call waits for the next arrival."""
    free = {i: serving(scene, i, d.free_at) for i, d in enumerate(scene.desks)}
    idle: set[int] = set()
    coming = sorted(scene.expected, key=lambda e: (e.at, e.id))
    waiting = {t.id: t for t in scene.waiting}
    arrived: dict[int, Candidate] = {}
    probes = {e.id for e in scene.expected if e.probe}
    wanted = set(asked) if asked is not None else set(waiting) | probes
    calls: dict[int, Call] = {}
    while wanted:
        ready = min(((at, i) for i, at in free.items() if at is not None and i not in idle), default=None)
        if coming and (ready is None or coming[0].at <= ready[0]):
            arrival = coming.pop(0)
            arrived[arrival.id] = arrival.candidate(START)
            for i in idle:
                free[i] = serving(scene, i, arrival.at)
            idle.clear()
            continue
        if ready is None:
            break
        at, i = ready
        now = START + timedelta(seconds=at)
        everybody = [t.candidate(now) for t in waiting.values()] + list(arrived.values())
        chosen = choose_ticket(scene.desks[i].window, everybody, now, scene.starvation)
        if chosen is None:
            idle.add(i)
            continue
        if waiting.pop(chosen.ticket_id, None) is None:
            del arrived[chosen.ticket_id]
        held = 0.0 if chosen.ticket_id in probes else scene.durations.cycle(chosen.service, None, now, None)
        calls[chosen.ticket_id] = Call(at, scene.desks[i].window.number, held)
        wanted.discard(chosen.ticket_id)
        free[i] = serving(scene, i, at + held)
    return calls


# --- random halls ------------------------------------------------------------------

PROFILED = ("A01", "A02", "A03")
SERVICES = (*PROFILED, "B01")  # B01 is in no profile: only universal windows serve it
NUMBERS = (1, 2, 3, 4)  # tickets may be transferred to window 5, which nobody holds
steps = st.integers(0, 24).map(lambda n: 5 * n)  # minutes, in steps so that moments tie


@st.composite
def windows(draw: st.DrawFn, number: int) -> Window:
    if draw(st.integers(0, 3)) == 0:
        return window(number)
    services = draw(st.lists(st.sampled_from(PROFILED), min_size=1, unique=True))
    return window(number, *((s, draw(st.integers(1, 3))) for s in services))


@st.composite
def desks(draw: st.DrawFn, signing_out: bool) -> tuple[Desk, ...]:
    count = draw(st.integers(1, len(NUMBERS)))
    until = st.one_of(st.just(math.inf), steps.map(lambda m: m + 5)) if signing_out else st.just(math.inf)
    return tuple(Desk(draw(windows(n)), None, draw(st.one_of(st.just(0), steps)) * MINUTE, draw(until) * MINUTE)
                 for n in NUMBERS[:count])


@st.composite
def waiting(draw: st.DrawFn) -> tuple[Waiting, ...]:
    size = draw(st.integers(0, 15))
    found = []
    for ticket_id in draw(st.permutations(range(1, size + 1))):
        priority = draw(st.sampled_from(Priority))
        queued = START - timedelta(minutes=draw(steps))
        # An appointment's slot lies before or after the start: before it, it ranks as a walk-in.
        slot = START + timedelta(minutes=draw(steps) - 60)
        target = draw(st.one_of(st.none(), st.none(), st.none(), st.integers(1, 5)))
        found.append(Waiting(ticket_id, DAY, draw(st.sampled_from(SERVICES)), "A", priority,
                             slot if priority is Priority.APPOINTMENT else queued, queued, target))
    return tuple(found)


@st.composite
def expected(draw: st.DrawFn) -> tuple[Expected, ...]:
    size = draw(st.integers(0, 6))
    return tuple(Expected(-n, draw(steps) * MINUTE, draw(st.sampled_from(SERVICES)),
                          draw(st.sampled_from((Priority.NORMAL, Priority.GREEN))), draw(st.booleans()))
                 for n in range(1, size + 1))


@st.composite
def hours(draw: st.DrawFn) -> Hours:
    """Morning and afternoon, the hall open before the start or opening soon after it; long enough for all."""
    opening = START + timedelta(minutes=draw(st.sampled_from((-120, 0, 15))))
    lunch = START + timedelta(minutes=draw(st.integers(2, 8)) * 15)
    back = lunch + timedelta(minutes=draw(st.sampled_from((0, 30, 60))))
    return (opening, lunch), (back, START + timedelta(hours=12))


@st.composite
def scenes(draw: st.DrawFn, signing_out: bool = True) -> Scene:
    cycles = {s: draw(st.integers(0, 4)) * 5.0 for s in SERVICES}
    # A short starvation, so that tickets starve in the run; sometimes nobody does.
    starvation = draw(st.one_of(st.integers(10, 60).map(lambda m: timedelta(minutes=m)), st.just(LONG)))
    return Scene(draw(desks(signing_out)), draw(waiting()), draw(expected()), Fixed(cycles), starvation,
                 draw(hours()))


@settings(max_examples=150, deadline=None)
@given(scenes(), st.data())
def test_the_run_calls_as_routing_over_everybody_would(scene: Scene, data: st.DataObject) -> None:
    assert scene.play() == reference(scene)
    # Asked about a few tickets, it stops once they are called, as the reference does.
    asked = data.draw(st.sets(st.sampled_from(sorted(scene.everyone()))) if scene.everyone() else st.just(set()))
    assert scene.play(asked) == reference(scene, asked)


@settings(max_examples=60, deadline=None)
@given(scenes(signing_out=False))
def test_windows_call_exactly_the_tickets_they_may_serve(scene: Scene) -> None:
    calls = scene.play(scene.everyone())
    candidates = scene.candidates()
    numbered = {d.window.number: d.window for d in scene.desks}
    assert all(servable(numbered[call.window], candidates[ticket]) for ticket, call in calls.items())
    assert set(calls) == {ticket for ticket, candidate in candidates.items()
                          if any(servable(w, candidate) for w in numbered.values())}


@settings(max_examples=60, deadline=None)
@given(scenes())
def test_no_window_calls_a_walk_in_while_a_green_ticket_it_may_serve_waits(scene: Scene) -> None:
    calls = scene.play(scene.everyone())
    candidates = scene.candidates()
    numbered = {d.window.number: d.window for d in scene.desks}
    came = {t.id: 0.0 for t in scene.waiting} | {e.id: e.at for e in scene.expected}
    green = [t for t, c in candidates.items() if c.priority is Priority.GREEN and c.target_window is None]
    for ticket, call in calls.items():
        if candidates[ticket].priority is Priority.GREEN or candidates[ticket].target_window is not None:
            continue
        for other in green:
            if servable(numbered[call.window], candidates[other]) and came[other] <= call.at:
                assert other in calls and calls[other].at <= call.at


# --- sampling ------------------------------------------------------------------------

def test_sampled_runs_repeat_for_a_seed_and_differ_for_another() -> None:
    hall = load_hall(Path(__file__).resolve().parent.parent / "config" / "township.toml")
    served = [s for w in hall.windows for s, _ in w.calling_profile[1]]
    tickets = [walk_in(n, served[n % len(served)], 60 - n) for n in range(1, 31)]
    desks = [Desk(w, None, 0.0) for w in hall.windows]
    hours = ((START - timedelta(hours=2), START + timedelta(hours=6)),)

    def sampled(rng: random.Random | None) -> dict[int, Call]:
        return play(START, desks, tickets, TypicalDurations(hall), starvation=hall.queue.starvation, hours=hours,
                    rng=rng)

    first = sampled(random.Random(7))
    assert set(first) == {t.id for t in tickets}
    assert sampled(random.Random(7)) == first
    assert sampled(random.Random(8)) != first
    assert sampled(None) == sampled(None) != first
