"""The people ahead the API tells a citizen are routing.people_ahead of the hall as it stands."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.hall import Hall, Priority
from server.routing import Candidate, people_ahead
from tests.bookings_support import booking_body
from tests.support import KIOSK, Clerk, expect, issue

WINDOWS = {"zhangwei": 1, "liyang": 41, "zhaolei": 89}  # zone A, zone B, universal
SERVICES = ("A01", "A02", "B01", "B02")
_days = itertools.count(1)
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

issues = st.tuples(st.sampled_from(SERVICES), st.sampled_from(Priority))
_citizens = itertools.count(1)
SLOT = timedelta(minutes=30)  # the city hall's booking slots, from 09:00
steps = st.lists(st.one_of(
    st.tuples(st.just("issue"), issues),
    st.tuples(st.just("wait"), st.integers(1, 20)),  # a morning at most: the hall stays open
    st.tuples(st.just("call"), st.sampled_from(sorted(WINDOWS))),
), min_size=1, max_size=14)


def candidate(ticket: dict, now: datetime) -> Candidate:
    return Candidate.waiting(ticket["id"], ticket["service"], Priority(ticket["priority"]),
                             datetime.fromisoformat(ticket["arrival_at"]), datetime.fromisoformat(ticket["queued_at"]),
                             ticket["target_window"], now)


async def play(client, clock, clerks: dict[str, Clerk], plan: list) -> list[dict]:
    issued = []
    for action, arg in plan:
        if action == "issue":
            service, priority = arg
            booked = await booked_and_checked_in(client, clock, service) if priority is Priority.APPOINTMENT else None
            issued.append(booked or await issue(client, service, priority=priority.value))
        elif action == "wait":
            clock.advance(minutes=arg)
        else:
            clerk = clerks[arg]
            current = (await clerk.get("/api/v1/staff/me"))["window"]["current_ticket"]
            if current is not None:
                await clerk.ticket_action(current, "no-show")
            await clerk.call_next()
    return issued


async def booked_and_checked_in(client, clock, service: str) -> dict | None:
    """A booking of the next slot, checked in at once: early, its ticket ranks from the slot. None when
    the slot is full: the citizen takes a walk-in ticket."""
    now = clock.now()
    slot = now.replace(minute=0, second=0, microsecond=0)
    while slot <= now:
        slot += SLOT
    answer = await client.post("/api/v1/bookings", json=booking_body(next(_citizens), slot, service))
    if answer.status == 409:
        return None
    number = (await expect(answer, 201))["booking"]["number"]
    checked_in = await expect(await client.post("/api/v1/check-in", json={"number": number}, headers=KIOSK), 201)
    assert (checked_in["outcome"], checked_in["ticket"]["priority"]) == ("early", "appointment")
    return checked_in


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps, open_staff=st.sets(st.sampled_from(sorted(WINDOWS))))
async def test_people_ahead_from_the_api_follow_the_routing_definition(client, clock, city: Hall, plan, open_staff):
    # Each example on a Monday morning of its own: a fresh queue.
    clock.set(MONDAY_9AM + timedelta(days=7 * next(_days)))
    clerks = {staff: await Clerk(client, staff, window).login() for staff, window in WINDOWS.items()}
    for staff, clerk in clerks.items():
        if staff in open_staff or any(step == ("call", staff) for step in plan):
            await clerk.sign_in()
    issued = await play(client, clock, clerks, plan)
    states = (await expect(await client.get("/api/v1/windows", headers=clerks["zhangwei"].headers), 200))["windows"]
    opened = {w["number"] for w in states if w["state"] == "open"}
    now = clock.now()
    tickets = [(await clerks["zhangwei"].get(f"/api/v1/tickets/{t['ticket']['id']}"))["ticket"] for t in issued]
    waiting = [candidate(t, now) for t in tickets if t["status"] == "waiting"]
    for ticket, first in zip(tickets, issued, strict=False):
        shown = await expect(await client.get(f"/api/v1/public/tickets/{first['status_token']}"), 200)
        expected = (people_ahead(candidate(ticket, now), waiting, city.windows, opened, now, city.queue.starvation)
                    if ticket["status"] == "waiting" else 0)
        assert shown["people_ahead"] == expected, (ticket["number"], ticket["service"], ticket["priority"])
    for clerk in clerks.values():  # leave the windows closed for the next example
        held = (await clerk.get("/api/v1/staff/me"))["window"]
        if held and held["current_ticket"]:
            await clerk.ticket_action(held["current_ticket"], "cancel")
        if held:
            await clerk.window_action("sign-out")
