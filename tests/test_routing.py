"""Routing policy: which waiting ticket a window calls next."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.hall import Priority, ServiceRank, Window
from server.routing import Candidate, choose_ticket, queue_order, servable

# A little above the default: some rules only bite in a fraction of examples.
thorough = settings(max_examples=150, deadline=None)

OPENING = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
ZONE_SERVICES = ("A01", "A02", "A03", "A04")
SERVICES = (*ZONE_SERVICES, "B01")  # B01 is in no category window's profile
WINDOW_NUMBERS = (1, 2, 3, 4)


# --- strategies -------------------------------------------------------------

@st.composite
def category_windows(draw: st.DrawFn) -> Window:
    services = draw(st.lists(st.sampled_from(ZONE_SERVICES), min_size=1, unique=True))
    levels = draw(st.lists(st.integers(1, 3), min_size=len(services), max_size=len(services)))
    return Window(
        number=draw(st.sampled_from(WINDOW_NUMBERS)),
        floor=1,
        zone="A",
        profile=tuple(ServiceRank(s, level) for s, level in zip(services, levels, strict=False)),
    )


@st.composite
def universal_windows(draw: st.DrawFn) -> Window:
    return Window(number=draw(st.sampled_from(WINDOW_NUMBERS)), floor=1, zone=None, profile=())


windows = st.one_of(category_windows(), universal_windows())

# Five-minute steps over four hours, so equal arrivals happen and ties matter.
arrivals = st.integers(0, 48).map(lambda steps: OPENING + timedelta(minutes=5 * steps))
# Mostly untargeted; sometimes transferred to this or another window.
target_windows = st.one_of(st.none(), st.none(), st.none(), st.sampled_from(WINDOW_NUMBERS))


@st.composite
def candidate_lists(
    draw: st.DrawFn,
    priorities: st.SearchStrategy[Priority] = st.sampled_from(Priority),
    targets: st.SearchStrategy[int | None] = target_windows,
    services: tuple[str, ...] = SERVICES,
    max_size: int = 12,
) -> list[Candidate]:
    size = draw(st.integers(0, max_size))
    ids = draw(st.permutations(range(1, size + 1)))  # unique, in no particular order
    return [
        Candidate(
            ticket_id=ticket_id,
            service=draw(st.sampled_from(services)),
            priority=draw(priorities),
            arrival=draw(arrivals),
            target_window=draw(targets),
        )
        for ticket_id in ids
    ]


# Some appointments lie ahead of `now`: their slot has not come yet.
nows = st.integers(0, 300).map(lambda minutes: OPENING + timedelta(minutes=minutes))
thresholds = st.integers(10, 120).map(lambda minutes: timedelta(minutes=minutes))


def plain(services: tuple[str, ...] = SERVICES) -> st.SearchStrategy[list[Candidate]]:
    """Untransferred appointments and walk-ins only.

    Transfers, green tickets and starvation are common in `candidate_lists`
    and would hide the lower rules in most examples; mixing these in reaches
    them often.
    """
    waiting = st.sampled_from([Priority.APPOINTMENT, Priority.NORMAL])
    return candidate_lists(waiting, st.none(), services)


some_candidates = st.one_of(candidate_lists(), plain())
some_thresholds = st.one_of(thresholds, st.just(timedelta(hours=8)))  # 8h: nobody starves


# --- the rules, stated independently of the module --------------------------

def may_serve(window: Window, c: Candidate) -> bool:
    if c.target_window is not None:
        return c.target_window == window.number
    return window.zone is None or c.service in {rank.service for rank in window.profile}


def level(window: Window, c: Candidate) -> int:
    if window.zone is None:
        return 0
    return next(rank.level for rank in window.profile if rank.service == c.service)


def earliest(tickets: list[Candidate]) -> datetime:
    return min(c.arrival for c in tickets)


def starving(c: Candidate, now: datetime, threshold: timedelta) -> bool:
    return c.priority is not Priority.GREEN and now - c.arrival >= threshold


def untargeted(window: Window, candidates: list[Candidate]) -> list[Candidate]:
    """The servable tickets, when none was transferred to this window."""
    allowed = [c for c in candidates if may_serve(window, c)]
    return allowed if all(c.target_window is None for c in allowed) else []


# --- properties -------------------------------------------------------------

@thorough
@given(windows, candidate_lists(), nows, thresholds)
def test_window_never_receives_a_ticket_it_may_not_serve(window, candidates, now, threshold):
    assert [servable(window, c) for c in candidates] == [may_serve(window, c) for c in candidates]
    chosen = choose_ticket(window, candidates, now, threshold)
    assert chosen is None or may_serve(window, chosen)
    order = queue_order(window, candidates, now, threshold)
    assert sorted(c.ticket_id for c in order) == sorted(
        c.ticket_id for c in candidates if may_serve(window, c)
    )


@thorough
@given(windows, candidate_lists(), nows, thresholds)
def test_returns_a_ticket_whenever_work_is_waiting(window, candidates, now, threshold):
    waiting = any(may_serve(window, c) for c in candidates)
    assert (choose_ticket(window, candidates, now, threshold) is not None) == waiting


@thorough
@given(windows, candidate_lists(), nows, thresholds)
def test_ticket_transferred_here_is_called_first(window, candidates, now, threshold):
    here = [c for c in candidates if c.target_window == window.number]
    chosen = choose_ticket(window, candidates, now, threshold)
    if here:
        assert chosen in here
        assert chosen.arrival == earliest(here)


@thorough
@given(windows, candidate_lists(), nows, thresholds)
def test_green_ticket_is_never_passed_over(window, candidates, now, threshold):
    green = [c for c in untargeted(window, candidates) if c.priority is Priority.GREEN]
    chosen = choose_ticket(window, candidates, now, threshold)
    if green:
        assert chosen.priority is Priority.GREEN
        assert chosen.arrival == earliest(green)


@thorough
@given(windows, some_candidates, nows, thresholds)
def test_nobody_waits_past_starvation_threshold_while_servable(window, candidates, now, threshold):
    allowed = untargeted(window, candidates)
    hungry = [c for c in allowed if starving(c, now, threshold)]
    chosen = choose_ticket(window, candidates, now, threshold)
    if hungry and not any(c.priority is Priority.GREEN for c in allowed):
        assert starving(chosen, now, threshold)
        assert chosen.arrival == earliest(hungry)


def regular_scenario(
    window: Window, candidates: list[Candidate], now: datetime, threshold: timedelta
) -> list[Candidate]:
    """The servable tickets when no transfer, green ticket or starving one is in play."""
    allowed = untargeted(window, candidates)
    if any(c.priority is Priority.GREEN or starving(c, now, threshold) for c in allowed):
        return []
    return allowed


@thorough
@given(category_windows(), st.data(), nows, some_thresholds)
def test_appointments_ahead_of_walk_ins_within_a_profile_level(window, data, now, threshold):
    # Half the time every ticket is for the profile, so levels compete.
    profiled = tuple(rank.service for rank in window.profile)
    candidates = data.draw(st.one_of(some_candidates, plain(profiled)))
    allowed = regular_scenario(window, candidates, now, threshold)
    chosen = choose_ticket(window, candidates, now, threshold)
    if allowed:
        assert level(window, chosen) == min(level(window, c) for c in allowed)
        same_level = [c for c in allowed if level(window, c) == level(window, chosen)]
        if any(c.priority is Priority.APPOINTMENT for c in same_level):
            assert chosen.priority is Priority.APPOINTMENT
        peers = [c for c in same_level if c.priority is chosen.priority]
        assert chosen.arrival == earliest(peers)


@thorough
@given(universal_windows(), some_candidates, nows, some_thresholds)
def test_universal_window_takes_longest_waiting_across_categories(
    window, candidates, now, threshold
):
    allowed = untargeted(window, candidates)
    chosen = choose_ticket(window, candidates, now, threshold)
    if not allowed:
        return
    # Whatever the rule that picked it, nobody of its class across all
    # services has waited longer.
    assert chosen.arrival == earliest([c for c in allowed if c.priority is chosen.priority])
    if not any(c.priority is Priority.GREEN or starving(c, now, threshold) for c in allowed):
        appointments = [c for c in allowed if c.priority is Priority.APPOINTMENT]
        assert chosen.arrival == earliest(appointments or allowed)


@thorough
@given(windows, candidate_lists(), nows, thresholds)
def test_queue_order_agrees_with_repeated_choose_ticket(window, candidates, now, threshold):
    remaining = list(candidates)
    called = []
    while (chosen := choose_ticket(window, remaining, now, threshold)) is not None:
        called.append(chosen)
        remaining.remove(chosen)
    assert queue_order(window, candidates, now, threshold) == called


@thorough
@given(windows, candidate_lists(), nows, thresholds, st.randoms(use_true_random=False))
def test_choice_is_independent_of_input_order(window, candidates, now, threshold, rnd):
    shuffled = list(candidates)
    rnd.shuffle(shuffled)
    assert choose_ticket(window, shuffled, now, threshold) == choose_ticket(
        window, candidates, now, threshold
    )
    assert queue_order(window, shuffled, now, threshold) == queue_order(
        window, candidates, now, threshold
    )


# --- examples ---------------------------------------------------------------

def at(hh_mm: str) -> datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return OPENING.replace(hour=hours, minute=minutes)


REAL_ESTATE = Window(
    number=3,
    floor=1,
    zone="A",
    profile=(ServiceRank("A01", 1), ServiceRank("A02", 2)),
)
UNIVERSAL = Window(number=15, floor=2, zone=None, profile=())
HALF_HOUR = timedelta(minutes=30)


def ticket(ticket_id: int, service: str, arrival: str, priority: Priority = Priority.NORMAL,
           target: int | None = None) -> Candidate:
    return Candidate(ticket_id, service, priority, at(arrival), target)


def test_no_ticket_for_an_idle_window():
    assert choose_ticket(REAL_ESTATE, [], at("10:00"), HALF_HOUR) is None
    # B01 is not in the profile, and the A01 ticket was transferred elsewhere.
    others = [ticket(1, "B01", "09:10"), ticket(2, "A01", "09:20", target=7)]
    assert choose_ticket(REAL_ESTATE, others, at("10:00"), HALF_HOUR) is None


def test_profile_level_before_arrival():
    older_level_2 = ticket(1, "A02", "09:50")
    newer_level_1 = ticket(2, "A01", "09:55")
    chosen = choose_ticket(REAL_ESTATE, [older_level_2, newer_level_1], at("10:00"), HALF_HOUR)
    assert chosen == newer_level_1


def test_green_channel_overtakes_an_older_appointment():
    appointment = ticket(1, "A01", "09:40", Priority.APPOINTMENT)
    veteran = ticket(2, "A02", "09:58", Priority.GREEN)
    assert choose_ticket(REAL_ESTATE, [appointment, veteran], at("10:00"), HALF_HOUR) == veteran


def test_starving_walk_in_overtakes_a_better_level():
    long_wait = ticket(1, "A02", "09:20")  # 40 minutes at 10:00, over the threshold
    appointment = ticket(2, "A01", "09:45", Priority.APPOINTMENT)
    waiting = [appointment, long_wait]
    assert choose_ticket(REAL_ESTATE, waiting, at("10:00"), HALF_HOUR) == long_wait
    assert choose_ticket(REAL_ESTATE, waiting, at("09:45"), HALF_HOUR) == appointment


def test_waiting_exactly_the_threshold_is_starving():
    walk_in = ticket(1, "A02", "09:30")
    appointment = ticket(2, "A01", "09:45", Priority.APPOINTMENT)
    assert choose_ticket(REAL_ESTATE, [appointment, walk_in], at("10:00"), HALF_HOUR) == walk_in
    assert choose_ticket(REAL_ESTATE, [appointment, walk_in], at("09:59"), HALF_HOUR) == appointment


def test_transfer_is_served_only_at_its_window_and_first():
    transferred = ticket(1, "B01", "09:55", target=3)  # outside window 3's profile
    green = ticket(2, "A01", "09:30", Priority.GREEN)
    assert choose_ticket(REAL_ESTATE, [green, transferred], at("10:00"), HALF_HOUR) == transferred
    assert not servable(UNIVERSAL, transferred)


def test_universal_window_serves_the_longest_wait_across_zones():
    real_estate = ticket(1, "A02", "09:50")
    tax = ticket(2, "B01", "09:45")
    later_appointment = ticket(3, "A01", "09:55", Priority.APPOINTMENT)
    order = queue_order(UNIVERSAL, [real_estate, tax, later_appointment], at("10:00"), HALF_HOUR)
    assert order == [later_appointment, tax, real_estate]


def test_equal_arrivals_fall_to_the_ticket_id():
    first, second = ticket(8, "A01", "09:50"), ticket(9, "A01", "09:50")
    assert choose_ticket(REAL_ESTATE, [second, first], at("10:00"), HALF_HOUR) == first
