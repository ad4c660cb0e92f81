"""The live wait estimates from the hall's twin (server.wait_estimates through the mirror):
paused, busy and closed windows, what the hall measured, and tickets the last run did not know."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from server.config import load_hall
from server.hall import Hall, Priority
from server.model import Event, WindowStateName
from server.queue_state import HallQueue, Waiting
from server.twin.learning import PAUSE_DEFAULTS, PAUSE_PRIOR_HOURS, PAUSE_PRIOR_SHARE, HallLearning, Stay
from server.twin.watch import AtWindow, WindowNow, WindowWatch
from server.wait_estimates import HallNow

# The township: universal windows 1-2, window 3 serves zone A (A01 typically 15 minutes), window 4 zone B.
TOWNSHIP_FILE = Path(__file__).resolve().parent.parent / "config" / "township.toml"
TOWNSHIP = load_hall(TOWNSHIP_FILE)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the hall, a Monday
TYPICAL_A01 = 15.0


def waiting(ticket_id: int, service: str = "A01", minutes_ago: int = 5,
            priority: Priority = Priority.NORMAL) -> Waiting:
    queued = NOW - timedelta(minutes=minutes_ago, seconds=-ticket_id)  # ids keep arrival order
    return Waiting(ticket_id, NOW.date(), service, service[0], priority, queued, queued, None)


def hall_with(windows: dict[int, WindowNow], tickets: list[Waiting], learning: HallLearning | None = None,
              ) -> HallQueue:
    watch = WindowWatch(learning or HallLearning(TOWNSHIP), windows)
    states = {n: w.state.value for n, w in windows.items()}
    return HallQueue(TOWNSHIP, 0, tickets, states, None, watch)


def minutes(queue: HallQueue, ticket: Waiting) -> int | None:
    return queue.place(ticket, NOW).estimated_wait_minutes


def one_service(queue: HallQueue, service: str = "A01") -> int:
    """Minutes a window is expected to be taken by one ticket: the typical time, its share of pauses."""
    return round(queue.watch.learning.model().cycle(service, None, NOW, None) / 60)


def test_an_idle_open_window_calls_the_first_at_once_and_the_next_after_one_service() -> None:
    first, second = waiting(1), waiting(2)
    queue = hall_with({3: WindowNow(3, WindowStateName.OPEN, "c3", since=NOW)}, [first, second])
    assert minutes(queue, first) == 0
    assert minutes(queue, second) == one_service(queue)
    assert TYPICAL_A01 <= one_service(queue) <= TYPICAL_A01 * 1.1  # nothing measured yet: the configured time


def test_a_busy_window_calls_again_when_its_ticket_is_expected_to_be_done() -> None:
    busy = WindowNow(3, WindowStateName.OPEN, "c3", since=NOW - timedelta(hours=1),
                     ticket=AtWindow(99, "A01", NOW - timedelta(minutes=5)))
    ticket = waiting(1)
    left = minutes(hall_with({3: busy}, [ticket]), ticket)
    assert left is not None and 5 <= left <= TYPICAL_A01  # some of the 15 minutes have passed


def test_a_paused_window_comes_back_after_its_reasons_usual_length_and_a_closed_one_never() -> None:
    paused = WindowNow(3, WindowStateName.PAUSED, "c3", "meal", NOW - timedelta(minutes=15))
    ticket = waiting(1)
    assert minutes(hall_with({3: paused}, [ticket]), ticket) == PAUSE_DEFAULTS["meal"] - 15
    closed = WindowNow(3, WindowStateName.CLOSED, since=NOW)
    assert minutes(hall_with({3: closed}, [ticket]), ticket) is None  # 暂无开放窗口
    universal = WindowNow(1, WindowStateName.OPEN, "c1", since=NOW)  # ...until a universal window opens
    assert minutes(hall_with({3: closed, 1: universal}, [ticket]), ticket) == 0


def test_measured_stays_replace_the_typical_time() -> None:
    learning = HallLearning(TOWNSHIP)
    for n in range(40):  # zone A's clerk has been taking 30 minutes, twice the typical time
        called = NOW - timedelta(hours=5) + timedelta(minutes=30 * n / 4)
        learning.stay(Stay("A01", 3, "c3", called, called + timedelta(minutes=30)))
    first, second = waiting(1), waiting(2)
    queue = hall_with({3: WindowNow(3, WindowStateName.OPEN, "c3", since=NOW)}, [first, second], learning)
    assert minutes(queue, second) == one_service(queue)
    assert 28 <= one_service(queue) <= 33  # shrunk a little towards the prior, plus the share of pauses


def test_green_channel_goes_ahead_of_walk_ins_in_the_estimate() -> None:
    walk_ins = [waiting(n) for n in range(1, 4)]
    green = waiting(9, priority=Priority.GREEN, minutes_ago=0)
    queue = hall_with({3: WindowNow(3, WindowStateName.OPEN, "c3", since=NOW)}, [*walk_ins, green])
    assert minutes(queue, green) == 0
    assert minutes(queue, walk_ins[0]) == one_service(queue)


def test_an_early_appointment_is_told_its_wait_behind_an_earlier_slot() -> None:
    """Checked in before its slot, an appointment's wait hangs on the appointments whose slots come
    first: a probe taken now would rank it ahead of them, the run with the ticket in it does not."""
    paused = WindowNow(3, WindowStateName.PAUSED, "c3", "meal", NOW - timedelta(minutes=5))  # back in 40
    earlier = _appointment(1, checked_in=NOW - timedelta(minutes=5), slot=NOW + timedelta(minutes=10))
    later = _appointment(2, checked_in=NOW, slot=NOW + timedelta(minutes=20))
    queue = hall_with({3: paused}, [earlier])
    assert minutes(queue, later) == 40 + one_service(queue)  # called after the earlier slot's
    assert minutes(queue, earlier) == 40


def test_stays_still_going_count_at_their_expected_length() -> None:
    """Early in the day only the short stays have ended: the long ones still at a window count too."""
    learning = HallLearning(TOWNSHIP)
    for n in range(12):
        called = NOW - timedelta(minutes=40 - n)
        learning.stay(Stay("A01", 3, "c3", called, called + timedelta(minutes=8)))
    finished_only = learning.model().means["A01"]
    just_begun = learning.model([("A01", 30.0)]).means["A01"]
    long_going = learning.model([("A01", 25 * 60.0)] * 4).means["A01"]
    assert abs(just_begun - finished_only) / finished_only < 0.05  # a stay just begun tells little
    assert long_going > finished_only * 1.3


def test_no_pauses_are_foreseen_once_the_sessions_are_over() -> None:
    """Windows serving on past the session's end (延时服务) take no breaks meanwhile."""
    model = HallLearning(TOWNSHIP).model()
    evening = NOW + timedelta(hours=9)  # 19:00 in the hall
    assert model.cycle("A01", None, evening, None) == model.means["A01"]
    assert model.cycle("A01", None, NOW, None) == model.means["A01"] / (1 - model.paused_share)
    assert model.paused_share > 0


def test_meals_are_left_out_of_the_pause_share_where_lunch_turns_count_them() -> None:
    """A hall serving through lunch sends clerks away in lunch turns; their meals spread over every
    call as well would make each afternoon call slower by a meal's share."""
    city = load_hall(TOWNSHIP_FILE.parent / "city.toml")
    shares = {}
    for hall in (city, TOWNSHIP):
        learning = HallLearning(hall)
        learning.signed_in_time(6 * 3600.0, None)
        learning.signed_in_time(20 * 60.0, "break")
        learning.signed_in_time(45 * 60.0, "meal")
        shares[hall.hours.lunch_service] = learning.model().paused_share, _prior_minutes(hall)
    share, prior = shares[True]
    assert share == (20 + PAUSE_PRIOR_SHARE * prior) / (6 * 60 + 20 + prior)
    share, prior = shares[False]
    assert share == (65 + PAUSE_PRIOR_SHARE * prior) / (6 * 60 + 65 + prior)


def _prior_minutes(hall: Hall) -> float:
    return PAUSE_PRIOR_HOURS * 60 * len(hall.windows)


def test_the_pause_share_counts_the_stretches_still_going() -> None:
    """A hall just opened is believed to pause as halls do; then what it measured speaks, the
    windows' current stretches too: a morning without a pause ending must not read as no pauses
    at all once it ends, nor a pause going on as none."""
    assert HallLearning(TOWNSHIP).model().paused_share == PAUSE_PRIOR_SHARE
    learning = HallLearning(TOWNSHIP)
    learning.signed_in_time(3 * 3600.0, None)  # one window's morning, ended without a pause
    ended_only = learning.model().paused_share
    assert ended_only < PAUSE_PRIOR_SHARE
    paused_now = learning.model(stretches=[(40 * 60.0, "meeting"), (3 * 3600.0, None)]).paused_share
    assert paused_now > ended_only
    windows = {3: WindowNow(3, WindowStateName.PAUSED, "c3", "meeting", NOW - timedelta(minutes=40)),
               4: WindowNow(4, WindowStateName.OPEN, "c4", since=NOW - timedelta(hours=3)),
               1: WindowNow(1, WindowStateName.CLOSED, since=NOW - timedelta(hours=5))}  # not signed in
    assert HallNow.of([], windows, learning, NOW, 0).model.paused_share == paused_now


def _appointment(ticket_id: int, checked_in: datetime, slot: datetime) -> Waiting:
    return Waiting(ticket_id, NOW.date(), "A01", "A", Priority.APPOINTMENT, slot, checked_in, None)


def test_events_keep_the_windows_and_the_measurements() -> None:
    """A window signs in, calls, finishes: the mirror's watch learns the stay from the events."""
    tickets = [waiting(1), waiting(2), waiting(3)]
    queue = hall_with({3: WindowNow(3, WindowStateName.CLOSED)}, tickets)
    assert minutes(queue, tickets[2]) is None
    at = NOW - timedelta(minutes=20)
    queue.apply(_event(1, at, window_state={"number": 3, "state": "open", "staff_id": "c3"}))
    called = {"id": 1, "service": "A01", "zone": "A", "status": "called", "window": 3, "priority": "normal",
              "day": NOW.date().isoformat(), "queued_at": at.isoformat(), "arrival_at": at.isoformat(),
              "called_at": at.isoformat(), "target_window": None}
    queue.apply(_event(2, at, "ticket.called", ticket=called))
    queue.apply(_event(3, NOW, "ticket.finished", ticket={**called, "status": "done"}))
    assert queue.watch.windows[3].ticket is None
    assert queue.watch.learning.model().means["A01"] > TYPICAL_A01 * 60  # 20 minutes measured, 15 typical
    assert minutes(queue, tickets[2]) is not None


def _event(seq: int, at: datetime, kind: str = "window.signed_in", **payload: object) -> Event:
    return Event("township", seq, at, kind, None, 3, "A", None, dict(payload))
