"""事进人不进 summons: the department is told by a signed webhook, its officer acknowledges and arrives,
the light turns yellow then red on a stepped clock, and the per-department figures of a scripted day."""
from __future__ import annotations

from typing import Any

import pytest

from server.app import Settings, create_app
from server.clock import ManualClock
from server.config import DEFAULT_CONFIG_DIR, load_hall
from server.hall import Hall
from tests.support import Clerk, expect, issue, signed_in
from tests.test_notifications import SECRET, gateway, notifying, until  # noqa: F401  (gateway: a fixture)


@pytest.fixture
async def summoning(city: Hall, database_url, clock, gateway, aiohttp_client, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HALLQ_WEBHOOK_SECRET", SECRET)
    receiving, url = gateway
    settings = Settings(halls={"city": notifying(city, url)}, database_url=database_url, identity_key=b"k" * 32,
                        clock=clock, pool_size=5)
    return await aiohttp_client(create_app(settings)), receiving


async def serving(clerk: Clerk, service: str) -> dict[str, Any]:
    """A ticket of `service` called and started at the clerk's window."""
    ticket = await issue(clerk.client, service)
    called = await clerk.call_next()
    assert called is not None and called["id"] == ticket["ticket"]["id"]
    await clerk.ticket_action(called["id"], "start")
    return called


async def test_summons_notified_acknowledged_late_and_refused_where_it_should(summoning, clock: ManualClock):
    client, receiving = summoning
    clerk = await signed_in(client, "zhangwei", 89)
    officer = await Clerk(client, "sunbo", 0).login()  # 市应急管理局
    other_officer = await Clerk(client, "xuhong", 0).login()  # 市林业局
    manager = await Clerk(client, "wangfang", 0).login()

    plain = await serving(clerk, "B01")
    refused = await clerk.window_action("summons", 409)
    assert refused["error"]["code"] == "not_summoned_service"
    await clerk.window_action("next")  # finishes B01; nobody else waits

    ticket = await serving(clerk, "J09")
    made = (await clerk.window_action("summons", 201))["summons"]
    assert (made["department"], made["ticket_id"], made["window"], made["light"]) == ("yingji", ticket["id"], 89,
                                                                                        "green")
    assert (await clerk.window_action("summons", 409))["error"]["code"] == "already_summoned"

    await until(lambda: len(receiving.received) == 1)
    sent = receiving.received[0]  # the example receiver verified its signature
    assert (sent["kind"], sent["to"]) == ("summons.created", "13903960103")
    assert "89号窗口" in sent["text"] and ticket["number"] in sent["text"] and "危险化学品经营许可" in sent["text"]
    assert "20分钟" in sent["text"]

    assert [s["id"] for s in (await officer.get("/api/v1/summons"))["summons"]] == [made["id"]]
    assert (await other_officer.get("/api/v1/summons"))["summons"] == []
    assert (await clerk.get("/api/v1/summons", 403))["error"]["code"] == "not_an_officer"
    wrong = await other_officer.post(f"/api/v1/summons/{made['id']}/acknowledge", 403)
    assert wrong["error"]["code"] == "not_your_department"
    assert (await officer.post(f"/api/v1/summons/{made['id']}/cancel", 409))["error"]["code"] == "not_signed_in"

    clock.advance(minutes=15)
    assert [s["light"] for s in (await manager.get("/api/v1/summons"))["summons"]] == ["yellow"]
    acknowledged = (await officer.post(f"/api/v1/summons/{made['id']}/acknowledge"))["summons"]
    assert acknowledged["status"] == "acknowledged"
    clock.advance(minutes=6)
    assert [s["light"] for s in (await manager.get("/api/v1/summons"))["summons"]] == ["red"]
    arrived = (await officer.post(f"/api/v1/summons/{made['id']}/arrive"))["summons"]
    assert (arrived["status"], arrived["on_time"], arrived["light"]) == ("arrived", False, "done")
    assert (await officer.post(f"/api/v1/summons/{made['id']}/arrive", 409))["error"]["code"] == "summons_arrived"
    assert (await manager.get("/api/v1/summons"))["summons"] == []
    assert plain["service"] == "B01"


async def test_per_department_figures_of_a_scripted_day(client, clock: ManualClock):
    """Arrivals after 10, 21 and 4 minutes for 市应急管理局, one cancelled, one for 市林业局 never arriving."""
    clerk = await signed_in(client, "zhangwei", 89)
    officers = {"yingji": await Clerk(client, "sunbo", 0).login(), "linye": await Clerk(client, "xuhong", 0).login()}
    manager = await Clerk(client, "wangfang", 0).login()

    async def summon(service: str) -> int:
        await serving(clerk, service)
        return int((await clerk.window_action("summons", 201))["summons"]["id"])

    for minutes in (10, 21, 4):
        made = await summon("J09")
        clock.advance(minutes=minutes)
        await officers["yingji"].post(f"/api/v1/summons/{made}/arrive")
        await clerk.window_action("next")
    cancelled = await summon("J09")
    await clerk.post(f"/api/v1/summons/{cancelled}/cancel")
    await clerk.window_action("next")
    await summon("J08")
    clock.advance(minutes=25)  # nobody came: due and late

    figures = await manager.get("/api/v1/stats/summons")
    found = {d["department"]: d for d in figures["departments"]}
    assert found["yingji"] == {
        "department": "yingji", "name": "市应急管理局", "summons": 3, "arrived": 3, "mean_minutes": 11.7,
        "p90_minutes": 18.8,  # percentile_cont: 10 + 0.8 × (21 − 10)
        "on_time": 2, "due": 3, "on_time_share": 0.6667, "month_count": 3, "move_in": False}
    assert (found["linye"]["summons"], found["linye"]["arrived"], found["linye"]["due"],
            found["linye"]["on_time_share"], found["linye"]["mean_minutes"]) == (1, 0, 1, 0.0, None)
    assert found["renfang"]["summons"] == 0 and found["renfang"]["on_time_share"] is None
    assert figures["move_in_at"] == 10
    await expect(await client.get("/api/v1/stats/summons?from=2026-13-01", headers=manager.headers), 400)


async def test_a_hall_that_summons_by_itself_does_so_when_service_starts(database_url, clock, aiohttp_client):
    township = load_hall(DEFAULT_CONFIG_DIR / "township.toml")
    settings = Settings(halls={township.id: township}, database_url=database_url, identity_key=b"k" * 32,
                        clock=clock, pool_size=5)
    client = await aiohttp_client(create_app(settings))
    clerk = await Clerk(client, "hetao", 1).login(township.id)
    await clerk.sign_in()
    body = {"service": "C02", "idempotency_key": "auto-summons-1"}
    ticket = await expect(await client.post("/api/v1/tickets", json=body,
                                            headers={"Authorization": "Bearer demo-township-kiosk"}), 201)
    called = await clerk.call_next()
    assert called is not None and called["id"] == ticket["ticket"]["id"]
    await clerk.ticket_action(called["id"], "start")
    officer = await Clerk(client, "zhuli", 0).login(township.id)
    found = (await officer.get("/api/v1/summons"))["summons"]
    assert [(s["department"], s["ticket_id"], s["window"]) for s in found] == [("yibao", called["id"], 1)]
    assert (await clerk.window_action("summons", 409))["error"]["code"] == "already_summoned"
