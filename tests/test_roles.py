"""Roles as the hall's rules say: rostered windows, A/B take-overs, who may cancel and
rejoin, zone kiosks, transfers to open windows only, managers of several halls."""
from __future__ import annotations

import aiohttp
import asyncpg
import pytest

from tests.support import Clerk, expect, issue, signed_in

ZONE_KIOSK = {"Authorization": "Bearer demo-kiosk-a"}  # zones = ["A"]


def code(body: dict) -> str:
    return body["error"]["code"]


async def test_a_clerk_signs_in_only_at_the_windows_of_their_entry(client):
    zhaolei = await Clerk(client, "zhaolei", 1).login()  # rostered at 41-48 and 89-94
    assert code(await zhaolei.window_action("sign-in", 403)) == "not_your_window"
    manager = await Clerk(client, "wangfang", 1).login()
    await manager.sign_in()  # a manager may sign in anywhere


async def test_only_the_ab_partner_on_the_other_post_or_a_manager_takes_over(client, database_url):
    await signed_in(client, "zhangwei", 89, post="A")
    same_post = await Clerk(client, "zhaolei", 89).login()
    refused = await same_post.window_action("sign-in", 403, post="A", take_over=True)
    assert code(refused) == "take_over_refused"
    partner = await Clerk(client, "liyang", 89).login()
    taken = await partner.window_action("sign-in", post="B", take_over=True)
    assert taken["window"]["staff_id"] == "liyang"

    await signed_in(client, "zhangwei", 41)  # a window with one post has no partner
    lone = await Clerk(client, "zhaolei", 41).login()
    assert code(await lone.window_action("sign-in", 403, take_over=True)) == "take_over_refused"
    manager = await Clerk(client, "wangfang", 41).login()
    assert (await manager.window_action("sign-in", take_over=True))["window"]["staff_id"] == "wangfang"

    con = await asyncpg.connect(database_url)
    try:
        rows = await con.fetch("SELECT actor, subject, outcome, detail FROM audit_log WHERE action = 'take_over'"
                               " ORDER BY id")
    finally:
        await con.close()
    assert [tuple(r) for r in rows] == [("liyang", "window:89", "ok", "from zhangwei on post A"),
                                        ("wangfang", "window:41", "ok", "from zhangwei on post A")]


async def test_cancel_and_rejoin_belong_to_the_tickets_window_or_a_manager(client):
    waiting = (await issue(client, "B01"))["ticket"]
    idle = await Clerk(client, "zhaolei", 43).login()
    assert code(await idle.ticket_action(waiting["id"], "cancel", 409)) == "not_signed_in"
    other = await signed_in(client, "liyang", 42)
    assert code(await other.ticket_action(waiting["id"], "cancel", 409)) == "not_your_ticket"
    manager = await Clerk(client, "wangfang", 0).login()
    assert (await manager.ticket_action(waiting["id"], "cancel"))["ticket"]["status"] == "cancelled"

    ticket = (await issue(client, "B01"))["ticket"]
    holder = await signed_in(client, "zhangwei", 41)
    await holder.call_next()
    await holder.ticket_action(ticket["id"], "no-show")
    assert code(await other.ticket_action(ticket["id"], "rejoin", 409)) == "not_your_ticket"
    await holder.ticket_action(ticket["id"], "rejoin")
    assert code(await other.ticket_action(ticket["id"], "cancel", 409)) == "not_your_ticket"
    assert (await holder.ticket_action(ticket["id"], "cancel"))["ticket"]["status"] == "cancelled"  # called it last


async def test_a_zone_kiosk_issues_only_for_its_zones(client):
    refused = await expect(await client.post("/api/v1/tickets", json={"service": "B01"}, headers=ZONE_KIOSK), 403)
    assert code(refused) == "zone_not_offered"
    refused = await expect(await client.post("/api/v1/tickets", json={"zone": "B"}, headers=ZONE_KIOSK), 403)
    assert code(refused) == "zone_not_offered"
    await expect(await client.post("/api/v1/tickets", json={"service": "A01"}, headers=ZONE_KIOSK), 201)


async def test_a_transfer_goes_only_to_an_open_window(client):
    ticket = (await issue(client, "B01"))["ticket"]
    clerk = await signed_in(client, "zhangwei", 41)
    await clerk.call_next()
    assert code(await clerk.ticket_action(ticket["id"], "transfer", 409, window=42)) == "window_closed"
    colleague = await signed_in(client, "liyang", 42)
    await colleague.window_action("pause", reason="meal")
    assert code(await clerk.ticket_action(ticket["id"], "transfer", 409, window=42)) == "window_closed"
    await colleague.window_action("resume")
    moved = (await clerk.ticket_action(ticket["id"], "transfer", window=42))["ticket"]
    assert moved["status"] == "waiting"


async def test_one_manager_token_acts_in_each_of_their_halls_and_no_other(all_halls):
    wumin = await Clerk(all_halls, "wumin", 1).login("district")  # manages district and township
    assert (await wumin.get("/api/v1/hall"))["id"] == "district"
    assert (await wumin.get("/api/v1/hall?hall=township"))["id"] == "township"
    assert code(await wumin.get("/api/v1/hall?hall=city", 403)) == "other_hall"
    signed = await wumin.post("/api/v1/windows/1/sign-in?hall=township")
    assert signed["window"]["staff_id"] == "wumin"
    gaoyan = await Clerk(all_halls, "gaoyan", 1).login("township")
    assert code(await gaoyan.get("/api/v1/stats?hall=district", 403)) == "other_hall"
    clerk = await Clerk(all_halls, "hetao", 1).login("township")
    assert code(await clerk.get("/api/v1/hall?hall=district", 403)) == "other_hall"


async def test_a_manager_of_several_halls_follows_each_hall_live(all_halls):
    wumin = await Clerk(all_halls, "wumin", 1).login("district")
    token = wumin.headers["Authorization"].removeprefix("Bearer ")
    ws = await all_halls.ws_connect("/api/v1/live", params={"token": token, "topics": "managers", "hall": "township"})
    try:
        hello = await ws.receive_json(timeout=5)
        assert hello["type"] == "hello"
        await wumin.post("/api/v1/windows/1/sign-in?hall=township")
        while (message := await ws.receive_json(timeout=5))["type"] != "event":
            pass
        assert message["kind"] == "window.signed_in" and message["window"] == 1
    finally:
        await ws.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await all_halls.ws_connect("/api/v1/live", params={"token": token, "topics": "hall", "hall": "city"})
    assert refused.value.status == 403
