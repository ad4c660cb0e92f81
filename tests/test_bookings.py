"""Booking a slot: the answer, the rules of the hall file, the places of a slot, closing a slot,
and walk-ins issued whatever the bookings."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import asyncpg
import pytest

from server.app import Settings, create_app
from server.hall import Hall
from server.slots import day_slots
from tests.bookings_support import book, booking_body, citizen_id
from tests.conftest import SHANGHAI
from tests.support import Clerk, expect, issue

TOMORROW_10 = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


def with_rules(hall: Hall, **rules) -> Hall:
    return replace(hall, bookings=replace(hall.bookings, **rules))


@pytest.fixture
async def small(city, database_url, clock, aiohttp_client):
    """The city hall with 2 places a B01 slot, at most 3 days ahead, cancelling until 2 h before."""
    hall = with_rules(city, capacity=(("B01", 2),), days_ahead=3)
    settings = Settings(halls={hall.id: hall}, database_url=database_url, identity_key=b"k" * 32, clock=clock,
                        pool_size=5)
    return await aiohttp_client(create_app(settings))


async def test_a_booking_answers_its_number_slot_place_and_qr_and_takes_a_place(small, database_url):
    before = await expect(await small.get("/api/v1/slots?service=B01&day=2026-11-24"), 200)
    slot = next(s for s in before["slots"] if s["start"] == TOMORROW_10.isoformat())
    assert (slot["capacity"], slot["free"], slot["bookable"]) == (2, 2, True)
    assert len(before["slots"]) == 14 and before["open"] is True  # 09-12 and 13-17 in half hours

    answer = await book(small, 1, TOMORROW_10)
    booking = answer["booking"]
    assert re.fullmatch(r"[0-9]{8}", booking["number"]) and len(answer["token"]) >= 20
    assert (booking["zone"], booking["floor"], booking["state"]) == ("B", 1, "booked")
    assert booking["starts_at"] == "2026-11-24T10:00:00+08:00" and booking["ends_at"] == "2026-11-24T10:30:00+08:00"
    assert 41 in booking["windows"] and booking["holder"] == "张*丰"
    assert answer["qr_payload"] == answer["manage_url"] and answer["manage_url"].endswith(f"/b/{answer['token']}")
    qr = await small.get(answer["qr_svg"])
    assert qr.status == 200 and qr.content_type == "image/svg+xml"
    mine = await expect(await small.get(f"/api/v1/public/bookings/{answer['token']}"), 200)
    assert mine["booking"]["number"] == booking["number"]

    after = await expect(await small.get("/api/v1/slots?service=B01&day=2026-11-24"), 200)
    assert next(s for s in after["slots"] if s["start"] == TOMORROW_10.isoformat())["free"] == 1
    con = await asyncpg.connect(database_url)
    try:
        row = await con.fetchrow("SELECT * FROM bookings")
    finally:
        await con.close()
    assert citizen_id(1) not in str(dict(row)) and row["identity_masked"] == "4105**********" + citizen_id(1)[-4:]


async def test_a_full_slot_is_a_clear_409_and_a_closed_day_has_no_slots(small):
    await book(small, 1, TOMORROW_10)
    await book(small, 2, TOMORROW_10)
    full = await book(small, 3, TOMORROW_10, 409)
    assert full["error"]["code"] == "slot_full"
    sunday = await expect(await small.get("/api/v1/slots?service=B01&day=2026-11-29"), 200)
    assert (sunday["open"], sunday["reason"], sunday["slots"]) == (False, "weekend", [])
    nowhere = await book(small, 4, "2026-11-24T10:10:00+08:00", 409)  # no slot starts at 10:10
    assert nowhere["error"]["code"] == "no_such_slot"


async def test_one_booking_per_person_service_and_day(small):
    await book(small, 1, TOMORROW_10)
    again = await book(small, 1, TOMORROW_10 + timedelta(hours=3), 409)
    assert again["error"]["code"] == "already_booked"
    await book(small, 1, TOMORROW_10, service="B02")  # another service that day is another booking
    await book(small, 1, TOMORROW_10 + timedelta(days=1))  # and the same service another day


async def test_too_far_ahead_and_past_slots_are_refused(small):
    far = await book(small, 1, datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI), 409)  # 4 days on; 3 allowed
    assert far["error"]["code"] == "too_far_ahead"
    await book(small, 1, datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))
    past = await book(small, 2, "2026-11-23T09:30:00+08:00", 409)  # today 09:30, it is 10:00
    assert past["error"]["code"] == "slot_past"


async def test_bad_identity_and_mobile_are_refused_naming_the_field(small):
    body = booking_body(1, TOMORROW_10, id_number="410502198503141238")
    refused = await expect(await small.post("/api/v1/bookings", json=body), 422)
    assert refused["error"]["code"] == "invalid_id_number"
    refused = await expect(await small.post("/api/v1/bookings", json=booking_body(1, TOMORROW_10, mobile="12345")),
                           422)
    assert "mobile" in refused["error"]["message"]


async def test_cancelling_needs_the_token_and_ends_h_hours_before_the_slot(small, clock):
    first = await book(small, 1, TOMORROW_10)
    number, token = first["booking"]["number"], first["token"]
    wrong = await small.post(f"/api/v1/bookings/{number}/cancel", json={"token": "x" * 24})
    assert wrong.status == 404
    cancelled = await expect(await small.post(f"/api/v1/bookings/{number}/cancel", json={"token": token}), 200)
    assert cancelled["booking"]["state"] == "cancelled"
    again = await expect(await small.post(f"/api/v1/bookings/{number}/cancel", json={"token": token}), 409)
    assert again["error"]["code"] == "booking_closed"
    await book(small, 1, TOMORROW_10)  # the place came back, and the person may book again

    late = await book(small, 2, TOMORROW_10)
    clock.set(TOMORROW_10 - timedelta(hours=1, minutes=59))
    refused = await expect(await small.post(f"/api/v1/bookings/{late['booking']['number']}/cancel",
                                            json={"token": late["token"]}), 409)
    assert refused["error"]["code"] == "too_late_to_cancel"


async def test_three_no_shows_in_30_days_suspend_booking_for_30_days(small, clock):
    for day in (24, 25, 26):
        await book(small, 7, datetime(2026, 11, day, 10, 0, tzinfo=SHANGHAI))
        clock.set(datetime(2026, 11, day, 12, 0, tzinfo=SHANGHAI))  # never came
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI))
    refused = await book(small, 7, datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), 409)
    assert refused["error"]["code"] == "booking_suspended" and "2026-12-26" in refused["error"]["message"]
    await book(small, 8, datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))  # someone else books
    await issue(small, "B01")  # and the suspended citizen still gets a walk-in ticket
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI))
    await book(small, 7, datetime(2026, 12, 29, 10, 0, tzinfo=SHANGHAI))  # the suspension is over


async def test_a_walk_in_is_issued_while_every_slot_of_the_day_is_full(city, small, clock):
    hall = with_rules(city, capacity=(("B01", 2),))
    service = hall.service("B01")
    assert service is not None
    clock.set(datetime(2026, 11, 23, 13, 5, tzinfo=SHANGHAI))  # seven slots left today, 13:30 to 16:30
    slots = [slot for slot in day_slots(hall, service, clock.now().date()) if slot.start > clock.now()]
    for index, slot in enumerate(slots):
        for seat in range(2):
            await book(small, 100 + 2 * index + seat, slot.start)
    day = await expect(await small.get("/api/v1/slots?service=B01&day=2026-11-23"), 200)
    assert len(slots) == 7 and not any(s["bookable"] for s in day["slots"])
    assert [s["free"] for s in day["slots"] if s["start"] >= slots[0].start.isoformat()] == [0] * 7
    walk_in = await issue(small, "B01")
    assert walk_in["ticket"]["priority"] == "normal"


async def test_a_manager_closes_a_slot_and_its_bookings_are_cancelled_by_the_hall(small):
    first = await book(small, 1, TOMORROW_10)
    manager = await Clerk(small, "wangfang", 0).login()
    clerk = await Clerk(small, "zhangwei", 41).login()
    body = {"service": "B01", "start": TOMORROW_10.isoformat()}
    await clerk.post("/api/v1/slots/close", 403, **body)
    closed = await manager.post("/api/v1/slots/close", **body)
    assert [b["number"] for b in closed["cancelled"]] == [first["booking"]["number"]]
    assert closed["cancelled"][0]["cancelled_by"] == "hall"
    refused = await book(small, 2, TOMORROW_10, 409)
    assert refused["error"]["code"] == "slot_closed"
    day = await expect(await small.get("/api/v1/slots?service=B01&day=2026-11-24"), 200)
    slot = next(s for s in day["slots"] if s["start"] == TOMORROW_10.isoformat())
    assert (slot["closed"], slot["free"], slot["bookable"]) == (True, 0, False)
    mine = await expect(await small.get(f"/api/v1/public/bookings/{first['token']}"), 200)
    assert mine["booking"]["state"] == "cancelled" and mine["booking"]["cancelled_by"] == "hall"


async def test_staff_see_the_days_bookings_masked(small):
    await book(small, 1, TOMORROW_10)
    await book(small, 2, TOMORROW_10 + timedelta(hours=1), service="B02")
    clerk = await Clerk(small, "zhangwei", 41).login()
    listing = await clerk.get("/api/v1/bookings?day=2026-11-24&service=B01")
    assert [b["holder"] for b in listing["bookings"]] == ["张*丰"]
    assert listing["bookings"][0]["identity"].startswith("4105****") and listing["counts"]["booked"] == 1
    assert len((await clerk.get("/api/v1/bookings?day=2026-11-24"))["bookings"]) == 2
    assert (await small.get("/api/v1/bookings?day=2026-11-24")).status == 401


async def test_one_address_booking_in_bulk_is_made_to_wait(small):
    morning, afternoon = TOMORROW_10 - timedelta(hours=1), TOMORROW_10 + timedelta(hours=3)
    starts = [morning + timedelta(minutes=30 * k) for k in range(6)] + [
        afternoon + timedelta(minutes=30 * k) for k in range(4)]
    for n in range(20):
        await book(small, 200 + n, starts[n // 2])
    refused = await small.post("/api/v1/bookings", json=booking_body(300, TOMORROW_10 + timedelta(hours=6)))
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert (await refused.json())["error"]["code"] == "too_many_attempts"
