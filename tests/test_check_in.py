"""Checking in at the kiosk: a booking's ticket ranks from its slot, an early one waits as a walk-in
until then, a late one is a walk-in; a made-up code or an appointment asked for without a booking
gets no priority; the ID card finds today's booking (a real device agent with the reader emulator)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hardware.reader_emulator import SAMPLE_CARD
from tests.agents import agent_settings, running_agent
from tests.bookings_support import book, booking_body
from tests.conftest import SHANGHAI
from tests.support import KIOSK, expect, issue, signed_in
from tests.test_agent import base_url, kiosk_feed, reader_emulator, session, swipe  # noqa: F401

TODAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


async def check_in(client: Any, status: int = 201, **body: Any) -> dict[str, Any]:
    return await expect(await client.post("/api/v1/check-in", json=body, headers=KIOSK), status)


async def test_a_checked_in_booking_ranks_from_its_slot_early_waits_and_late_is_a_walk_in(client, clock):
    clock.set(TODAY_10 - timedelta(hours=1))  # 09:00, the hall opens
    first = await book(client, 1, TODAY_10)
    second = await book(client, 2, TODAY_10)
    missed = await book(client, 3, TODAY_10 - timedelta(minutes=30))  # the 09:30 slot
    clock.set(TODAY_10 - timedelta(minutes=20))
    walk_in = await issue(client, "B01")

    clock.set(TODAY_10 - timedelta(minutes=15))
    early = await check_in(client, number=first["booking"]["number"], idempotency_key="check-in-0001")
    assert (early["outcome"], early["ticket"]["priority"], early["notice"]) == ("early", "appointment", None)
    assert datetime.fromisoformat(early["ticket"]["arrival_at"]) == TODAY_10
    assert early["booking"]["state"] == "checked_in" and early["booking"]["ticket"] == early["ticket"]["number"]
    assert early["ticket"]["holder"] == "张*丰"
    clock.set(TODAY_10 - timedelta(minutes=10))  # 09:50: the 09:30 slot's window closed at 09:45
    late = await check_in(client, number=missed["booking"]["number"])
    assert (late["outcome"], late["ticket"]["priority"], late["notice"]) == ("late", "normal", "booking_late")

    clerk = await signed_in(client, "zhangwei", 41)
    clock.set(TODAY_10 - timedelta(minutes=5))
    order = [(await clerk.window_action("next"))["ticket"]["id"]]  # before 10:00 the early one is a walk-in
    clock.set(TODAY_10 + timedelta(minutes=1))
    later_walk_in = await issue(client, "B01")
    on_time = await check_in(client, qr=second["qr_payload"])  # as a keyboard-wedge scanner types it
    assert (on_time["outcome"], on_time["ticket"]["priority"]) == ("on_time", "appointment")
    for _ in range(4):
        order.append((await clerk.window_action("next"))["ticket"]["id"])
    assert order == [walk_in["ticket"]["id"], early["ticket"]["id"], on_time["ticket"]["id"], late["ticket"]["id"],
                     later_walk_in["ticket"]["id"]]
    listing = await clerk.get("/api/v1/bookings?service=B01")
    assert {b["number"]: b["state"] for b in listing["bookings"]} == {
        number: "served" for number in (first["booking"]["number"], second["booking"]["number"],
                                         missed["booking"]["number"])}


async def test_a_made_up_code_or_an_appointment_without_a_booking_gets_no_priority(client, clock):
    refused = await check_in(client, 404, number="12345678")
    assert refused["error"]["code"] == "booking_not_found"
    refused = await check_in(client, 404, qr="https://zwfw.example.gov.cn/b/not-a-booking-token")
    assert refused["error"]["code"] == "booking_not_found"
    # The old way: a kiosk claims an appointment with any code and a slot long past.
    claimed = await issue(client, "B01", priority="appointment", appointment_code="202623",
                          appointment_at="2020-01-01T09:00:00+08:00")
    assert (claimed["ticket"]["priority"], claimed["notice"]) == ("normal", "appointment_needs_check_in")
    assert datetime.fromisoformat(claimed["ticket"]["arrival_at"]) == clock.now()


async def test_check_in_is_refused_too_early_on_another_day_and_twice(client, clock):
    clock.set(TODAY_10 - timedelta(hours=1))
    today = await book(client, 1, TODAY_10)
    tomorrow = await book(client, 2, TODAY_10 + timedelta(days=1))
    clock.set(TODAY_10 - timedelta(minutes=31))
    too_early = await check_in(client, 409, number=today["booking"]["number"])
    assert too_early["error"]["code"] == "check_in_too_early" and "09:30" in too_early["error"]["message"]
    assert too_early["error"]["details"] == {"starts_at": "2026-11-23T10:00:00+08:00",
                                             "opens_at": "2026-11-23T09:30:00+08:00"}  # for the kiosk's words
    other_day = await check_in(client, 409, number=tomorrow["booking"]["number"])
    assert other_day["error"]["code"] == "booking_not_today"
    assert other_day["error"]["details"] == {"starts_at": "2026-11-24T10:00:00+08:00"}
    clock.set(TODAY_10 - timedelta(minutes=30))
    done = await check_in(client, number=today["booking"]["number"], idempotency_key="check-in-twice")
    retried = await check_in(client, number=today["booking"]["number"], idempotency_key="check-in-twice")
    assert (retried["ticket"]["id"], retried["created"], retried["outcome"]) == (done["ticket"]["id"], False, "early")
    twice = await check_in(client, 409, number=today["booking"]["number"])
    assert twice["error"]["code"] == "booking_checked_in" and done["ticket"]["number"] in twice["error"]["message"]
    # A kiosk sends a key of its own with every check-in: only the key of the first is its retry.
    again = await check_in(client, 409, number=today["booking"]["number"], idempotency_key="check-in-again")
    assert again["error"]["details"] == {"ticket": done["ticket"]["number"]}
    one_way = await check_in(client, 422, number=today["booking"]["number"], qr="x")
    assert "exactly one" in one_way["error"]["message"]


async def test_the_id_card_finds_todays_booking(reader_emulator, kiosk_feed, session, base_url,  # noqa: F811
                                                clock, tmp_path):
    clock.set(TODAY_10 - timedelta(hours=1))
    body = booking_body(1, TODAY_10, id_number=SAMPLE_CARD["id_number"], name=SAMPLE_CARD["name"])
    async with session.post(f"{base_url}/api/v1/bookings", json=body) as answer:
        booked = await expect(answer, 201)
    clock.set(TODAY_10 - timedelta(minutes=10))
    async with running_agent(agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port)):
        identity = await swipe(reader_emulator, kiosk_feed)
        async with session.post(f"{base_url}/api/v1/check-in", headers=KIOSK,
                                json={"identity_token": identity["identity_token"]}) as answer:
            checked = await expect(answer, 201)
        assert checked["booking"]["number"] == booked["booking"]["number"]
        assert (checked["ticket"]["priority"], checked["ticket"]["holder"]) == ("appointment", "张*")
        again = await swipe(reader_emulator, kiosk_feed)  # no booking left today for the card
        async with session.post(f"{base_url}/api/v1/check-in", headers=KIOSK,
                                json={"identity_token": again["identity_token"]}) as answer:
            assert (await expect(answer, 409))["error"]["code"] == "booking_checked_in"
