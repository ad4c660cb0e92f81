"""People ahead: the live queues count exactly what routing.people_ahead defines."""
from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from server.config import load_hall
from server.hall import Hall, Priority, QueueRules, ServiceRank, Window
from server.queue_state import HallQueue, Waiting
from server.routing import people_ahead

OPENING = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in the hall
DAY = date(2026, 11, 23)
BASE = load_hall(Path(__file__).resolve().parent.parent / "config" / "township.toml")
SERVICES = tuple(s.code for s in BASE.services)
NUMBERS = (1, 2, 3, 4, 5)


@st.composite
def windows(draw: st.DrawFn, number: int) -> Window:
    if draw(st.integers(0, 4)) == 0:
        return Window(number=number, floor=1, zone=None, profile=())
    services = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=4, unique=True))
    levels = draw(st.lists(st.integers(1, 3), min_size=len(services), max_size=len(services)))
    zone = BASE.service(services[0]).zone  # type: ignore[union-attr]
    return Window(number=number, floor=1, zone=zone,
                  profile=tuple(ServiceRank(s, level) for s, level in zip(services, levels, strict=False)))


@st.composite
def halls(draw: st.DrawFn) -> Hall:
    count = draw(st.integers(1, len(NUMBERS)))
    drawn = tuple(draw(windows(n)) for n in NUMBERS[:count])
    starvation = timedelta(minutes=draw(st.integers(10, 90)))
    return dataclasses.replace(BASE, windows=drawn, queue=QueueRules(starvation, BASE.queue.rejoin, 1))


minutes = st.integers(0, 240).map(lambda m: OPENING + timedelta(minutes=m))


@st.composite
def waiting_lists(draw: st.DrawFn) -> list[Waiting]:
    size = draw(st.integers(0, 25))
    found = []
    for ticket_id in draw(st.permutations(range(1, size + 1))):
        priority = draw(st.sampled_from(Priority))
        queued = draw(minutes)
        # An appointment's slot may lie before or after its check-in.
        arrival = draw(minutes) if priority is Priority.APPOINTMENT else queued
        target = draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(NUMBERS)))
        service = draw(st.sampled_from(SERVICES))
        found.append(Waiting(ticket_id, DAY, service, BASE.service(service).zone,  # type: ignore[union-attr]
                             priority, arrival, queued, target))
    return found


@settings(max_examples=300, deadline=None)
@given(halls(), waiting_lists(), st.sets(st.sampled_from(NUMBERS)), minutes)
def test_live_queue_place_equals_the_routing_definition(hall: Hall, waiting: list[Waiting], opened: set[int],
                                                         now: datetime) -> None:
    states = {n: ("open" if n in opened else "closed") for n in NUMBERS}
    queue = HallQueue(hall, 0, waiting, states)
    candidates = [t.candidate(now) for t in waiting]
    open_here = {w.number for w in hall.windows if w.number in opened}
    for ticket in waiting:
        expected = people_ahead(ticket.candidate(now), candidates, hall.windows, open_here, now,
                                hall.queue.starvation)
        assert queue.place(ticket, now).people_ahead == expected


def test_people_ahead_counts_the_closest_open_window() -> None:
    """Two open windows serve A01; one also puts A02 first: the other one's order counts."""
    a01, a02 = SERVICES[0], SERVICES[1]
    hall = dataclasses.replace(BASE, windows=(
        Window(1, 1, "A", (ServiceRank(a02, 1), ServiceRank(a01, 2))),
        Window(2, 1, "A", (ServiceRank(a01, 1),)),
    ))
    at = OPENING + timedelta(minutes=5)
    tickets = [Waiting(1, DAY, a02, "A", Priority.NORMAL, OPENING, OPENING, None),
               Waiting(2, DAY, a01, "A", Priority.NORMAL, at, at, None),
               Waiting(3, DAY, a01, "A", Priority.NORMAL, at, at, None)]
    queue = HallQueue(hall, 0, tickets, {1: "open", 2: "open"})
    assert [queue.place(t, at).people_ahead for t in tickets] == [0, 0, 1]
    queue = HallQueue(hall, 0, tickets, {1: "open", 2: "closed"})  # only window 1 counts now
    assert [queue.place(t, at).people_ahead for t in tickets] == [0, 1, 2]
