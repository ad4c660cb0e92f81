"""Pushed figures: screens get waiting counts without asking, zone screens only their
zones, and a citizen's ticket link gets its own ticket and nothing of the hall."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp import WSMsgType

from tests.support import KIOSK, expect

WAIT = 10.0  # seconds a pushed message may take (pushes go out at most once a second)


async def messages_until(ws: aiohttp.ClientWebSocketResponse, done: Any) -> list[dict[str, Any]]:
    """Every message up to and including the first for which `done(message)` holds."""
    seen = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        msg = await ws.receive(timeout=max(0.1, deadline - loop.time()))
        assert msg.type is WSMsgType.TEXT, f"socket ended: {msg.type.name}"
        seen.append(json.loads(msg.data))
        if done(seen[-1]):
            return seen


def waiting_in(message: dict[str, Any], service: str) -> int | None:
    return next((s["waiting"] for s in message.get("services", []) if s["service"] == service), None)


async def test_a_screen_is_pushed_the_waiting_figures_of_what_is_issued(live_server):
    base = str(live_server.make_url("/"))
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}api/v1/live", params={"token": "demo-screen-hall", "topics": "hall"})
        for _ in range(3):
            await expect(await session.post(f"{base}api/v1/tickets", json={"service": "B01"}, headers=KIOSK), 201)
        seen = await messages_until(ws, lambda m: m["type"] == "queues" and waiting_in(m, "B01") == 3)
        pushed = [m for m in seen if m["type"] == "queues"]
        assert len(pushed) <= 2, "three tickets at once are pushed together, not one push each"
        zone_b = next(z for z in pushed[-1]["zones"] if z["zone"] == "B")
        assert zone_b["waiting"] == 3 and pushed[-1]["as_of"] >= 3
        await ws.close()


async def test_a_zone_screen_gets_only_its_zones_figures(live_server):
    base = str(live_server.make_url("/"))
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}api/v1/live", params={"token": "demo-screen-hall", "topics": "zone:B"})
        await expect(await session.post(f"{base}api/v1/tickets", json={"service": "B01"}, headers=KIOSK), 201)
        await expect(await session.post(f"{base}api/v1/tickets", json={"service": "A01"}, headers=KIOSK), 201)
        seen = await messages_until(ws, lambda m: m["type"] == "queues" and waiting_in(m, "B01") == 1)
        assert {z["zone"] for z in seen[-1]["zones"]} == {"B"}
        assert {s["zone"] for s in seen[-1]["services"]} == {"B"}
        await ws.close()


async def test_a_ticket_link_follows_its_own_ticket_and_learns_nothing_else(live_server):
    base = str(live_server.make_url("/"))
    async with aiohttp.ClientSession() as session:
        async def issue_here(service: str) -> dict[str, Any]:
            response = await session.post(f"{base}api/v1/tickets", json={"service": service}, headers=KIOSK)
            return await expect(response, 201)

        before = await issue_here("B01")
        mine = await issue_here("B01")
        ws = await session.ws_connect(f"{base}api/v1/live", params={"ticket": mine["status_token"]})
        hello, snapshot = [json.loads((await ws.receive(timeout=WAIT)).data) for _ in range(2)]
        assert hello["topics"] == [f"ticket:{mine['ticket']['id']}"]
        assert snapshot["type"] == "snapshot" and snapshot["people_ahead"] == 1
        assert set(snapshot) == {"type", "seq", "ticket", "people_ahead", "estimated_wait_minutes",
                                 "estimated_wait_range", "hall_name",
                                 "service_name", "zone_name", "floor", "timezone", "final", "rejoin", "summons"}
        assert snapshot["rejoin"] == {"policy": "behind", "places": 3}  # the hall's rule, nobody's data
        assert snapshot["summons"] is None  # no department summoned for it (a summons carries no personal data)
        login = await expect(await session.post(f"{base}api/v1/staff/login", json={
            "hall": "city", "staff_id": "zhangwei", "password": "hallq-demo"}), 200)
        staff = {"Authorization": f"Bearer {login['token']}"}
        await expect(await session.post(f"{base}api/v1/windows/41/sign-in", json={}, headers=staff), 200)
        await expect(await session.post(f"{base}api/v1/windows/41/pause",
                                        json={"reason": "meal", "note": "午休 staff-secret"}, headers=staff), 200)
        await expect(await session.post(f"{base}api/v1/windows/41/resume", headers=staff), 200)
        await issue_here("B01")  # someone else's ticket
        called = await expect(await session.post(f"{base}api/v1/windows/41/call-next", headers=staff), 200)
        assert called["ticket"]["id"] == before["ticket"]["id"]
        seen = await messages_until(ws, lambda m: m["type"] == "ticket_status" and m["people_ahead"] == 0)
        await expect(await session.post(f"{base}api/v1/tickets/{before['ticket']['id']}/start", headers=staff), 200)
        await expect(await session.post(f"{base}api/v1/tickets/{before['ticket']['id']}/finish", headers=staff), 200)
        await expect(await session.post(f"{base}api/v1/windows/41/call-next", headers=staff), 200)
        seen += await messages_until(ws, lambda m: m.get("kind") == "ticket.called")
        await ws.close()
    text = json.dumps([hello, snapshot, *seen], ensure_ascii=False)
    assert "zhangwei" not in text and "staff-secret" not in text and "staff_id" not in text
    assert {m["type"] for m in seen} <= {"event", "ticket_status"}
    assert all(m["ticket"]["id"] == mine["ticket"]["id"] for m in seen)


async def test_after_a_full_push_a_screen_gets_only_what_changed(live_server):
    base = str(live_server.make_url("/"))
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}api/v1/live", params={"token": "demo-screen-hall", "topics": "hall"})
        await expect(await session.post(f"{base}api/v1/tickets", json={"service": "B01"}, headers=KIOSK), 201)
        first = (await messages_until(ws, lambda m: m["type"] == "queues"))[-1]
        assert first["full"] and len(first["services"]) > 10, "a socket's first push is the whole hall"
        await expect(await session.post(f"{base}api/v1/tickets", json={"service": "A01"}, headers=KIOSK), 201)
        change = (await messages_until(ws, lambda m: m["type"] == "queues"))[-1]
        assert change["full"] is False
        assert {s["service"] for s in change["services"]} == {"A01"}
        assert {z["zone"] for z in change["zones"]} == {"A"} and waiting_in(change, "A01") == 1
        late = await session.ws_connect(f"{base}api/v1/live", params={"token": "demo-screen-hall", "topics": "hall"})
        await expect(await session.post(f"{base}api/v1/tickets", json={"service": "A01"}, headers=KIOSK), 201)
        joined = (await messages_until(late, lambda m: m["type"] == "queues"))[-1]
        assert joined["full"] and waiting_in(joined, "B01") == 1, "a socket that joins later starts from the whole"
        await ws.close()
        await late.close()
