"""Idempotency keys belong to one caller on one hall day and to one request body."""
from __future__ import annotations

import asyncpg

from tests.support import KIOSK, expect, issue, signed_in

KIOSK_A = {"Authorization": "Bearer demo-kiosk-a"}


async def post(client, body: dict, headers: dict[str, str] = KIOSK):
    return await client.post("/api/v1/tickets", json=body, headers=headers)


async def counts(database_url: str) -> tuple[int, int, int]:
    con = await asyncpg.connect(database_url)
    try:
        return (await con.fetchval("SELECT count(*) FROM tickets"), await con.fetchval("SELECT count(*) FROM events"),
                await con.fetchval("SELECT coalesce(sum(last_value), 0) FROM ticket_counters"))
    finally:
        await con.close()


async def test_the_same_key_and_body_returns_the_same_ticket_with_created_false(client):
    body = {"service": "A01", "idempotency_key": "k-0000001", "identity": {"id_number": "11010519491231002X"}}
    first = await expect(await post(client, body), 201)
    again = await expect(await post(client, body), 201)
    assert again["ticket"]["id"] == first["ticket"]["id"] and again["status_token"] == first["status_token"]
    assert (first["created"], again["created"]) == (True, False)


async def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client, database_url):
    first = await expect(await post(client, {"service": "A01", "idempotency_key": "k-0000001"}), 201)
    before = await counts(database_url)
    for other in ({"service": "B01"}, {"service": "A01", "priority": "green"},
                  {"service": "A01", "identity": {"id_number": "11010519491231002X"}}):
        refused = await expect(await post(client, {**other, "idempotency_key": "k-0000001"}), 422)
        assert refused["error"]["code"] == "idempotency_mismatch"
        assert first["status_token"] not in str(refused)
    assert await counts(database_url) == before  # no ticket, no event, no number claimed


async def test_a_zone_naming_the_same_service_is_the_same_request(client):
    first = await expect(await post(client, {"service": "A01", "idempotency_key": "k-0000001"}), 201)
    again = await expect(await post(client, {"zone": "A", "idempotency_key": "k-0000001"}), 201)
    assert again["ticket"]["id"] == first["ticket"]["id"] and again["created"] is False


async def test_another_kiosk_with_the_same_key_gets_its_own_ticket(client):
    mine = await expect(await post(client, {"service": "A01", "idempotency_key": "k-0000001"}), 201)
    # the zone A kiosk, with another service of its zone
    theirs = await expect(await post(client, {"service": "A02", "idempotency_key": "k-0000001"}, KIOSK_A), 201)
    assert theirs["created"] is True and theirs["ticket"]["number"] == "A002"
    assert theirs["status_token"] != mine["status_token"]
    retried = await expect(await post(client, {"service": "A02", "idempotency_key": "k-0000001"}, KIOSK_A), 201)
    assert retried["created"] is False and retried["ticket"]["id"] == theirs["ticket"]["id"]
    await issue(client, "A01", idempotency_key="k-0000002")
    same_body = await expect(await post(client, {"service": "A01", "idempotency_key": "k-0000002"}, KIOSK_A), 201)
    assert same_body["created"] is True and same_body["ticket"]["number"] == "A004"


async def test_staff_keys_are_their_own(client):
    clerk = await signed_in(client, "zhangwei", 41)
    kiosk = await issue(client, "B01", idempotency_key="k-0000001")
    desk = await expect(await post(client, {"service": "B01", "idempotency_key": "k-0000001"}, clerk.headers), 201)
    assert desk["created"] is True and desk["ticket"]["id"] != kiosk["ticket"]["id"]


async def test_the_same_key_on_another_day_is_a_new_ticket(client, clock):
    yesterday = await issue(client, "B01", idempotency_key="k-0000001")
    clock.advance(days=1)
    today = await issue(client, "B01", idempotency_key="k-0000001")
    assert today["created"] is True and today["ticket"]["id"] != yesterday["ticket"]["id"]
    assert today["ticket"]["number"] == "B001" and today["status_token"] != yesterday["status_token"]
