"""Queue reminders through the outbox: signed webhooks to a receiver on loopback (the documented
example receiver), "N ahead" once per ticket at the right moment, retries with the same delivery ids,
and nothing lost or doubled when the server is killed between commit and delivery."""
from __future__ import annotations

import asyncio
import importlib.util
import json
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from server.app import Settings, create_app
from server.hall import Hall, NotificationRules
from tests.processes import Remote, hall_config, hallq_serve
from tests.support import KIOSK, PASSWORD, expect, issue, signed_in

SECRET = "test-webhook-secret"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def example_receiver() -> Any:
    """docs/webhook_receiver.py, the example gateway builders are pointed at."""
    spec = importlib.util.spec_from_file_location("webhook_receiver", DOCS / "webhook_receiver.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Gateway:
    """The hall's SMS gateway: the example receiver behind a switch that refuses for a while."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # each notification, once
        self.attempts: list[tuple[str, int]] = []  # (delivery id, status answered)
        self.refusing = False
        self.app = web.Application(middlewares=[self._switch])
        self.app.add_subapp("/hook/", example_receiver().receiver({"k1": SECRET.encode()}, self.received.append))

    @web.middleware
    async def _switch(self, request: web.Request, handler: Any) -> web.StreamResponse:
        delivery = request.headers.get("Hallq-Delivery", "")
        if self.refusing:
            self.attempts.append((delivery, 503))
            return web.json_response({"error": "down for maintenance"}, status=503)
        answer = await handler(request)
        self.attempts.append((delivery, answer.status))
        return answer

    def texts(self) -> list[tuple[str, str]]:
        return [(m["to"], m["text"]) for m in self.received]


@pytest.fixture
async def gateway(aiohttp_server) -> tuple[Gateway, str]:
    receiving = Gateway()
    server = await aiohttp_server(receiving.app)
    return receiving, str(server.make_url("/hook/"))


def notifying(hall: Hall, url: str) -> Hall:
    return replace(hall, notifications=NotificationRules(url, "k1", "HALLQ_WEBHOOK_SECRET", timedelta(hours=1), 3,
                                                         first_retry=timedelta(milliseconds=100)))


@pytest.fixture
async def reminding(city: Hall, database_url, clock, gateway, aiohttp_client, monkeypatch):
    monkeypatch.setenv("HALLQ_WEBHOOK_SECRET", SECRET)
    receiving, url = gateway
    settings = Settings(halls={"city": notifying(city, url)}, database_url=database_url, identity_key=b"k" * 32,
                        clock=clock, pool_size=5)
    return await aiohttp_client(create_app(settings)), receiving


async def until(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.05)


async def settled(receiving: Gateway, count: int) -> None:
    """Until `count` notifications arrived, and a little longer: nothing more may come."""
    await until(lambda: len(receiving.received) >= count)
    await asyncio.sleep(1.2)
    assert len(receiving.received) == count, receiving.texts()


async def manager_headers(client: Any) -> dict[str, str]:
    login = await expect(await client.post("/api/v1/staff/login", json={
        "hall": "city", "staff_id": "wangfang", "password": PASSWORD}), 200)
    return {"Authorization": f"Bearer {login['token']}"}


MOBILES = [f"1380000000{n}" for n in range(1, 7)]


async def test_n_ahead_fires_once_per_ticket_when_its_turn_nears_and_calls_say_where(reminding):
    client, receiving = reminding
    clerk = await signed_in(client, "zhangwei", 41)
    tickets = [await issue(client, "B01", mobile=mobile) for mobile in MOBILES]
    assert [t["people_ahead"] for t in tickets] == [0, 1, 2, 3, 4, 5]
    await asyncio.sleep(1.2)
    assert receiving.received == []  # B001-B004 read their place on the kiosk; B005, B006 are further back

    await clerk.call_next()  # B001 to window 41: B005 now has 3 ahead
    await settled(receiving, 2)
    await clerk.window_action("next")  # B001 done, B002 called: B006 has 3 ahead
    await settled(receiving, 4)
    await clerk.window_action("next")  # B003 called: nobody newly near
    await settled(receiving, 5)

    assert sorted(receiving.texts()) == sorted([
        (MOBILES[0], "【驻马店市民中心服务大厅】请 B001 号 到 41 号窗口 办理。"),
        (MOBILES[4], "【驻马店市民中心服务大厅】您的 B005 号前面还有 3 人，请留意叫号。"),
        (MOBILES[1], "【驻马店市民中心服务大厅】请 B002 号 到 41 号窗口 办理。"),
        (MOBILES[5], "【驻马店市民中心服务大厅】您的 B006 号前面还有 3 人，请留意叫号。"),
        (MOBILES[2], "【驻马店市民中心服务大厅】请 B003 号 到 41 号窗口 办理。"),
    ])
    ahead = [m for m in receiving.received if m["kind"] == "queue.ahead"]
    assert [(m["data"]["ticket"], m["data"]["people_ahead"]) for m in ahead] == [("B005", 3), ("B006", 3)]
    assert all(m["hall"] == "city" and m["delivery_id"] for m in receiving.received)


async def test_a_refusing_gateway_gets_the_same_delivery_ids_until_it_accepts(reminding):
    client, receiving = reminding
    receiving.refusing = True
    clerk = await signed_in(client, "zhangwei", 41)
    await issue(client, "B01", mobile=MOBILES[0])
    await issue(client, "B01", mobile=MOBILES[1])
    await clerk.call_next()
    await clerk.window_action("next")
    await until(lambda: len({d for d, _ in receiving.attempts}) == 2 and len(receiving.attempts) >= 6)
    refused = {d for d, _ in receiving.attempts}
    managing = await manager_headers(client)
    listing = await expect(await client.get("/api/v1/notifications", headers=managing), 200)
    assert listing["totals"]["pending"] == 2 and listing["totals"]["delivered"] == 0
    assert {n["to"] for n in listing["notifications"]} == {"138****0001", "138****0002"}  # never in clear
    assert all(n["last_error"] == "HTTP 503" and n["attempts"] >= 2 for n in listing["notifications"])

    receiving.refusing = False
    await settled(receiving, 2)
    assert {m["delivery_id"] for m in receiving.received} == refused  # the very ids it refused
    accepted = Counter(d for d, status in receiving.attempts if status == 200)
    assert set(accepted.values()) == {1}
    listing = await expect(await client.get("/api/v1/notifications?status=delivered", headers=managing), 200)
    assert listing["totals"] == {"pending": 0, "delivered": 2, "failed": 0}


async def test_bad_signatures_are_refused_by_the_example_receiver():
    receiver = example_receiver()
    body, now = json.dumps({"delivery_id": "x"}).encode(), time.time()
    from server.webhooks import signature
    good = signature(SECRET.encode(), int(now), body)
    assert receiver.signature_is_valid(SECRET.encode(), str(int(now)), good, body, now)
    assert not receiver.signature_is_valid(SECRET.encode(), str(int(now)), good, body + b" ", now)
    assert not receiver.signature_is_valid(b"other", str(int(now)), good, body, now)
    assert not receiver.signature_is_valid(SECRET.encode(), str(int(now) - 600), signature(
        SECRET.encode(), int(now) - 600, body), body, now)  # a replay


async def test_notifications_list_is_for_managers_and_checks_its_query(reminding):
    client, _ = reminding
    clerk = await signed_in(client, "zhangwei", 41)
    await clerk.get("/api/v1/notifications", 403)
    headers = await manager_headers(client)
    answer = await client.get("/api/v1/notifications?status=lost", headers=headers)
    body = await answer.json()
    assert answer.status == 422 and "status" in body["error"]["message"], body
    assert (await expect(await client.get("/api/v1/notifications", headers=headers), 200))["configured"] is True


async def test_a_mobile_number_is_validated_at_issue(reminding):
    client, _ = reminding
    answer = await client.post("/api/v1/tickets", json={"service": "B01", "mobile": "12345"},
                               headers=KIOSK)
    assert answer.status in (400, 422) and "mobile" in (await answer.json())["error"]["message"]


async def attach(client: Any, ticket: dict[str, Any], mobile: str, status: int = 200,
                 headers: dict[str, str] = KIOSK) -> dict[str, Any]:
    return await expect(await client.post(f"/api/v1/tickets/{ticket['ticket']['id']}/mobile",
                                          json={"mobile": mobile}, headers=headers), status)


async def test_a_mobile_given_on_the_kiosks_ticket_screen_gets_the_reminders_still_due(reminding, clock):
    client, receiving = reminding
    clerk = await signed_in(client, "zhangwei", 41)
    tickets = [await issue(client, "B01") for _ in range(5)]
    near = await attach(client, tickets[1], MOBILES[1])  # 1 ahead: its holder reads it on the kiosk
    assert (near["number"], near["mobile"], near["ahead_reminder"]) == ("B002", "138****0002", False)
    far = await attach(client, tickets[4], MOBILES[4])  # 4 ahead
    assert (far["mobile"], far["ahead_reminder"]) == ("138****0005", True)

    await clerk.call_next()  # B001 called: B005 has 3 ahead
    await settled(receiving, 1)
    await clerk.window_action("next")  # B002 called
    await settled(receiving, 2)
    assert receiving.texts() == [
        (MOBILES[4], "【驻马店市民中心服务大厅】您的 B005 号前面还有 3 人，请留意叫号。"),
        (MOBILES[1], "【驻马店市民中心服务大厅】请 B002 号 到 41 号窗口 办理。")]

    other_kiosk = {"Authorization": "Bearer demo-kiosk-a"}
    assert (await attach(client, tickets[2], MOBILES[2], 403, other_kiosk))["error"]["code"] == "not_issued_here"
    assert (await attach(client, tickets[2], MOBILES[2], 403, clerk.headers))["error"]["code"] == "forbidden"
    assert (await attach(client, tickets[1], MOBILES[1], 409))["error"]["code"] == "ticket_not_waiting"
    assert "mobile" in (await attach(client, tickets[2], "12345", 422))["error"]["message"]
    clock.advance(minutes=6)  # the holder has long left the kiosk
    assert (await attach(client, tickets[2], MOBILES[2], 409))["error"]["code"] == "mobile_too_late"
    missing = await client.post("/api/v1/tickets/99999/mobile", json={"mobile": MOBILES[2]}, headers=KIOSK)
    assert missing.status == 404


async def outbox_rows(database_url: str) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch("SELECT delivery_id::text AS delivery_id, status FROM notifications ORDER BY id")
    finally:
        await con.close()


async def test_kill_9_between_commit_and_delivery_still_delivers_each_notification_once(
        database_url, gateway, tmp_path):
    receiving, url = gateway
    receiving.refusing = True  # the gateway is down: what the server commits stays undelivered
    config = tmp_path / "city.toml"
    config.write_text(hall_config(tmp_path, clerks=0).read_text(encoding="utf-8")
                      + f'\n[notifications]\nwebhook_url = "{url}"\nkey_id = "k1"\nfirst_retry_seconds = 0.2\n',
                      encoding="utf-8")
    server = hallq_serve("notifying", config, tmp_path, database_url=database_url,
                         env={"HALLQ_WEBHOOK_SECRET": SECRET})
    server.start()
    try:
        await server.ready()
        async with aiohttp.ClientSession() as session:
            remote = Remote(session, server.url)
            clerk = await signed_in(remote, "zhangwei", 41)  # type: ignore[arg-type]
            for mobile in MOBILES[:5]:
                await issue(remote, "B01", mobile=mobile)  # type: ignore[arg-type]
            await clerk.call_next()  # B001 called; B005 has 3 ahead
            await clerk.window_action("next")  # B002 called
            await until(lambda: len({d for d, _ in receiving.attempts}) == 3)
        server.kill()  # SIGKILL: committed, tried, not delivered
        receiving.refusing = False
        server.start()
        await server.ready()
        await settled(receiving, 3)
    finally:
        server.stop()
    rows = await outbox_rows(database_url)
    assert [row["status"] for row in rows] == ["delivered"] * 3
    assert sorted(m["delivery_id"] for m in receiving.received) == sorted(row["delivery_id"] for row in rows)
    assert Counter(d for d, status in receiving.attempts if status == 200) == Counter(
        {row["delivery_id"]: 1 for row in rows})
