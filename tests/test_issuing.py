"""Issuing: idempotent retries, daily numbering, identity privacy, priorities."""
from __future__ import annotations

import asyncio

import asyncpg

from tests.support import KIOSK, expect, issue, signed_in

ID_NUMBER = "11010519491231002X"


async def test_a_retried_request_with_the_same_key_returns_the_same_ticket(client):
    first = await issue(client, "B01", idempotency_key="kiosk-1-req-0001")
    again = await issue(client, "B01", idempotency_key="kiosk-1-req-0001")
    assert again["ticket"]["id"] == first["ticket"]["id"] and again["ticket"]["number"] == "B001"
    assert first["created"] is True and again["created"] is False
    assert (await issue(client, "B01"))["ticket"]["number"] == "B002"


async def test_concurrent_retries_with_one_key_make_one_ticket(client):
    body = {"service": "B01", "idempotency_key": "kiosk-1-req-race"}
    responses = await asyncio.gather(*(client.post("/api/v1/tickets", json=body, headers=KIOSK) for _ in range(8)))
    ids = {(await expect(r, 201))["ticket"]["id"] for r in responses}
    assert len(ids) == 1
    assert (await issue(client, "B01"))["ticket"]["number"] == "B002"


async def test_numbers_count_per_prefix_and_restart_on_a_new_day(client, clock):
    assert [(await issue(client, "B01"))["ticket"]["number"] for _ in range(3)] == ["B001", "B002", "B003"]
    assert (await issue(client, "A01"))["ticket"]["number"] == "A001"
    clock.advance(days=1)
    assert (await issue(client, "B02"))["ticket"]["number"] == "B001"


async def test_yesterdays_waiting_tickets_are_not_called_today(client, clock):
    await issue(client, "B01")
    clock.advance(days=1)
    clerk = await signed_in(client, "zhangwei", 41)
    assert await clerk.call_next() is None


async def test_identity_is_stored_only_hashed_and_masked(client, database_url):
    issued = await issue(client, "B01", identity={"id_number": ID_NUMBER, "name": "张三丰"})
    assert issued["ticket"]["holder"] == "张*丰"
    con = await asyncpg.connect(database_url)
    try:
        dump = await con.fetchval("SELECT string_agg(t::text, '') FROM tickets t")
        events = await con.fetchval("SELECT string_agg(e::text, '') FROM events e")
    finally:
        await con.close()
    assert ID_NUMBER not in dump and ID_NUMBER not in events and "张三丰" not in dump
    assert "1101**********002X" in dump


async def test_an_old_card_holder_gets_the_green_channel_and_is_served_first(client):
    await issue(client, "B01")
    elder = await issue(client, "B01", identity={"id_number": ID_NUMBER})  # born 1949: 76 years old
    assert elder["ticket"]["priority"] == "green" and elder["people_ahead"] == 0
    clerk = await signed_in(client, "zhangwei", 41)
    assert (await clerk.call_next())["id"] == elder["ticket"]["id"]


async def test_the_open_ticket_limit_per_person_refuses_with_a_message(client):
    holder = {"id_number": "110105198001010016"}
    await issue(client, "B01", identity=holder)
    await issue(client, "B01", identity=holder)
    refused = await client.post("/api/v1/tickets", json={"service": "B01", "identity": holder}, headers=KIOSK)
    body = await expect(refused, 409)
    assert body["error"]["code"] == "ticket_limit" and "最多" in body["error"]["message"]
    assert (await issue(client, "B01"))["ticket"]["number"] == "B003"  # walk-ins without a card are never refused


async def test_people_ahead_and_estimate_on_the_ticket(client):
    await signed_in(client, "zhangwei", 41)  # with no window open there is no estimate (test_no_open_window)
    for _ in range(4):
        await issue(client, "B01")
    fifth = await issue(client, "B01")
    assert fifth["people_ahead"] == 4
    assert fifth["estimated_wait_minutes"] > 0
    assert fifth["windows"] == list(range(41, 49)) + list(range(89, 97))


async def test_the_closed_hall_refuses_to_issue(client, clock):
    clock.advance(hours=9)  # 19:00
    response = await client.post("/api/v1/tickets", json={"service": "B01"}, headers=KIOSK)
    assert (await expect(response, 409))["error"]["code"] == "hall_closed"
