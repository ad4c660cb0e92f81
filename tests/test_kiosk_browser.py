"""The kiosk, the citizen's phone page and the console in a real browser against a real server."""
from __future__ import annotations

import json
from typing import Any

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Page, Route, WebSocketRoute, expect

from tests.browser_support import (
    CONSOLE_SIZE,
    KIOSK_SIZE,
    PHONE_SIZE,
    XSS,
    assert_fits,
    clerk_at,
    hall_api,
    sign_in_on_console,
    until,
)
from tests.support import KIOSK
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser

async def count_tickets(database_url: str, where: str = "true") -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch(f"SELECT * FROM tickets WHERE {where} ORDER BY id")
    finally:
        await con.close()


# ---------------------------------------------------------------------------


async def test_a_citizen_takes_a_ticket_and_a_clerk_calls_it(tabs, artifacts):
    kiosk = await tabs.open("/kiosk?token=demo-kiosk-entrance", KIOSK_SIZE)
    page = kiosk.page
    await expect(page.locator("#screen-start")).to_be_visible()
    await expect(page.locator("#hall-name")).to_have_text("驻马店市民中心服务大厅")
    await expect(page.locator(".zone-card")).to_have_count(10)
    zone_b = page.locator('.zone-card[data-zone="B"]')
    await expect(zone_b).to_contain_text("公积金综合受理区")
    await expect(zone_b).to_contain_text("一楼")
    # Nobody is signed in yet: the short cards say so where they would count who waits.
    await expect(zone_b.locator(".zone-figures")).to_have_text("一楼 · 暂无开放窗口")
    common_b01 = page.locator('.common-card[data-service="B01"] .service-detail')
    await expect(common_b01).to_have_text("一楼 B区 · 暂无开放窗口")
    await expect(page.locator("#nav")).to_be_hidden()  # the start screen is home
    await assert_fits(page, ".bar", "#search-open", "#common", "#zones", '.zone-card[data-zone="J"]', "#btn-green",
                      "#btn-check-in")
    await expect(page.locator("#zones-cue")).to_be_hidden()  # all ten zones in view
    await page.screenshot(path=artifacts / "kiosk-start.png")

    await zone_b.click()
    await expect(page.locator("#screen-services")).to_be_visible()
    await expect(page.locator("#services-zone")).to_have_text("公积金综合受理区")
    await expect(page.locator(".service-card")).to_have_count(4)
    await assert_fits(page, "#nav-back", "#nav-home", '.service-card[data-service="B04"]')
    await page.screenshot(path=artifacts / "kiosk-services.png")

    await page.locator('.service-card[data-service="B01"]').click()
    await expect(page.locator("#screen-ticket")).to_be_visible()
    await expect(page.locator("#ticket-number")).to_have_text("B001")
    await expect(page.locator("#ticket-service")).to_have_text("住房公积金提取")
    await expect(page.locator("#ticket-zone")).to_have_text("公积金综合受理区 · 一楼")
    await expect(page.locator("#ticket-windows .group")).to_have_text(["一楼 B区 8个窗口", "一楼 综合窗口 8个"])
    await expect(page.locator("#ticket-ahead")).to_have_text("0 人")
    await expect(page.locator("#ticket-wait")).to_have_text("暂无开放窗口")  # first, but nobody to call it yet
    qr = page.locator("#ticket-qr")
    await expect(qr).to_have_js_property("complete", True)
    assert await qr.evaluate("img => img.naturalWidth") > 0
    await assert_fits(page, "#ticket-number", ".facts", "#ticket-windows", ".qr-box", "#ticket-done")
    await page.screenshot(path=artifacts / "kiosk-ticket.png")
    qr_src = await qr.get_attribute("src")
    status_token = qr_src.split("/")[-2]

    async with aiohttp.ClientSession() as http, http.get(tabs.base + qr_src) as response:
        assert response.status == 200 and response.content_type == "image/svg+xml"
        assert (await response.text()).startswith("<svg")

    phone = await tabs.open(f"/t/{status_token}", PHONE_SIZE)
    await expect(phone.page.locator("#phone-number")).to_have_text("B001")
    await expect(phone.page.locator("#phone-status")).to_have_text("排队中")
    await expect(phone.page.locator("#phone-zone")).to_have_text("公积金综合受理区 · 一楼")

    screen = await tabs.open("/screen?token=demo-screen-hall", {"width": 1920, "height": 1080})
    await expect(screen.page.locator("#board")).to_be_visible()
    console = await tabs.open("/console", CONSOLE_SIZE)
    await sign_in_on_console(console, "zhangwei", 41)
    await expect(console.page.locator('#queue li[data-service="B01"]')).to_contain_text("1 人")
    await console.page.locator('[data-action="next"]').click()
    await expect(screen.page.locator("#now-number")).to_have_text("B001", timeout=1000)
    await expect(screen.page.locator("#now-window")).to_have_text("41", timeout=1000)
    await expect(console.page.locator("#current-number")).to_have_text("B001")
    await expect(console.page.locator("#current-status")).to_have_text("已叫号，等候到窗")
    await expect(phone.page.locator("#phone-status")).to_have_text("请到 41 号窗口办理")
    await assert_fits(console.page, ".top", "#current", "#actions", ".right")
    await console.page.screenshot(path=artifacts / "console-desk.png")
    await phone.page.screenshot(path=artifacts / "phone-called.png")

    await page.locator("#ticket-done").click()
    await expect(page.locator("#screen-start")).to_be_visible()
    for tab in (kiosk, phone, console):
        tab.assert_clean()


async def test_a_lost_answer_is_sent_again_and_gives_one_ticket(tabs, database_url):
    sent: list[dict[str, Any]] = []

    async def lose_the_first_answer(route: Route) -> None:
        sent.append(route.request.post_data_json)
        if len(sent) == 1:
            await route.fetch()  # the server issues the ticket...
            await route.abort("connectionreset")  # ...but the answer never reaches the kiosk
        else:
            await route.continue_()

    async def setup(page: Page) -> None:
        await page.route("**/api/v1/tickets", lose_the_first_answer)

    kiosk = await tabs.open("/kiosk?token=demo-kiosk-a", KIOSK_SIZE, setup)
    page = kiosk.page
    await page.locator('#home-services .service-card[data-service="A02"]').click()  # kiosk-a: zone A only
    await expect(page.locator("#overlay-retry")).to_be_visible()
    await expect(page.locator("#overlay-retry h2")).to_have_text("网络连接中断，正在重试…")
    await expect(page.locator("#screen-ticket")).to_be_visible()
    await expect(page.locator("#ticket-number")).to_have_text("A001")
    await expect(page.locator("#overlay-retry")).to_be_hidden()

    assert len(sent) == 2
    assert sent[0]["idempotency_key"] == sent[1]["idempotency_key"]
    issued = await count_tickets(database_url)
    assert [(t["number"], t["idempotency_key"]) for t in issued] == [("A001", sent[0]["idempotency_key"])]
    kiosk.assert_clean()


async def test_green_channel_and_the_return_to_the_start(tabs, live_server, database_url, artifacts):
    async with hall_api(live_server) as http:
        await clerk_at(http, "wangfang", 59)  # zone D's window: its card counts who waits, the others cannot
    kiosk = await tabs.open("/kiosk?token=demo-kiosk-entrance&idle=4", KIOSK_SIZE)
    page = kiosk.page
    await expect(page.locator('.zone-card[data-zone="D"] .zone-figures')).to_have_text("一楼 · 等候 0 人")
    await expect(page.locator('.zone-card[data-zone="F"] .zone-figures')).to_have_text("二楼 · 暂无开放窗口")
    await page.locator("#lang").click()
    await expect(page.locator("#zones-title")).to_have_text("Or choose the service area")
    await expect(page.locator('.zone-card[data-zone="F"]')).to_contain_text("Floor 2")
    await expect(page.locator('.zone-card[data-zone="F"] .zone-name')).to_have_text("Public Security")
    await assert_fits(page, ".bar", "#zones", "#btn-green", "#btn-check-in")
    await expect(page.locator("#zones-cue")).to_be_hidden()  # the longer English names fit too
    await page.screenshot(path=artifacts / "kiosk-start-en.png")
    await page.locator("#lang").click()
    await page.locator("#btn-green").click()
    await expect(page.locator("#mode-strip")).to_contain_text("绿色通道")
    await expect(page.locator("#priority-row")).to_be_hidden()  # chosen: only the services remain
    await page.screenshot(path=artifacts / "kiosk-green.png")
    await page.locator('.zone-card[data-zone="D"]').click()
    await page.locator('.service-card[data-service="D02"]').click()
    await expect(page.locator("#ticket-number")).to_have_text("D001")
    await expect(page.locator("#ticket-badge")).to_have_text("绿色通道 · 优先办理")
    await page.locator("#ticket-done").click()
    await expect(page.locator('.zone-card[data-zone="D"]')).to_contain_text("等候 1 人")  # the live queue

    await page.locator("#btn-green").click()
    await expect(page.locator("#mode-strip")).to_be_visible()
    # Left alone, the kiosk returns to its start screen.
    await expect(page.locator("#screen-start")).to_be_visible(timeout=8000)
    await expect(page.locator("#mode-strip")).to_be_hidden()
    issued = await count_tickets(database_url)
    assert [(t["number"], t["priority"]) for t in issued] == [("D001", "green")]
    kiosk.assert_clean()


async def test_the_card_reader_identity_is_shown_as_text(tabs):
    """The kiosk.identity hook: a masked name arrives on the kiosk's feed and is shown, never run as markup."""
    sockets: list[WebSocketRoute] = []

    async def setup(page: Page) -> None:
        def relay(ws: WebSocketRoute) -> None:
            ws.connect_to_server()
            sockets.append(ws)
        await page.route_web_socket("**/api/v1/live*", relay)

    kiosk = await tabs.open("/kiosk?token=demo-kiosk-entrance", KIOSK_SIZE, setup)
    page = kiosk.page
    await expect(page.locator("#screen-start")).to_be_visible()
    await until(lambda: bool(sockets))
    event = {"type": "event", "seq": 10**9, "kind": "kiosk.identity", "device": "kiosk-entrance",
             "identity": {"name_masked": XSS, "identity_token": "short-lived"}}
    sockets[-1].send(json.dumps(event))
    await expect(page.locator("#identity-strip")).to_be_visible()
    await expect(page.locator("#identity-name")).to_have_text(XSS)
    assert await page.locator("#identity-strip img").count() == 0
    await page.locator("#identity-clear").click()
    await expect(page.locator("#identity-strip")).to_be_hidden()

    other = {**event, "device": "kiosk-a", "identity": {"name_masked": "李*", "identity_token": "x"}}
    sockets[-1].send(json.dumps(other))  # meant for another kiosk
    await page.wait_for_timeout(200)
    await expect(page.locator("#identity-strip")).to_be_hidden()
    kiosk.assert_clean()


async def test_the_phone_page_follows_a_ticket_by_its_link(tabs):
    async with aiohttp.ClientSession(tabs.base) as http:
        issued = await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json={
            "service": "C01", "idempotency_key": "phone-xss-0001",
            "identity": {"id_number": "41010219800101123X", "name": XSS}}), 201)
    phone = await tabs.open(f"/t/{issued['status_token']}", PHONE_SIZE)
    await expect(phone.page.locator("#phone-number")).to_have_text("C001")
    await expect(phone.page.locator("#phone-holder")).to_have_text(issued["ticket"]["holder"])
    await expect(phone.page.locator("#phone-detail")).to_have_text("暂无开放窗口，窗口开放后先叫您")
    async with aiohttp.ClientSession(tabs.base) as http:
        await clerk_at(http, "zhaolei", 89)  # a universal window: it serves C01 too
    await expect(phone.page.locator("#phone-detail")).to_have_text("马上轮到您，请留意叫号")
    missing = await tabs.open("/t/no-such-token", PHONE_SIZE)
    await expect(missing.page.locator("#phone-error")).to_contain_text("找不到这张号票")
    phone.assert_clean()
    missing.assert_clean()

