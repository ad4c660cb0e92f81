"""Summons in real browsers: the clerk presses 通知部门 at the console, the department's officer sees it
at once on a phone, acknowledges and arrives, and the console follows each step; the dashboard's summons
alarm turns yellow then red on a stepped clock when nobody comes."""
from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from playwright.async_api import expect

from server.clock import ManualClock
from tests.browser_support import (
    CONSOLE_SIZE,
    PHONE_SIZE,
    WALL,
    Tabs,
    clerk_at,
    english_words,
    hall_api,
    sign_in,
    sign_in_on_console,
)
from tests.support import KIOSK
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser


async def issue(base: str, service: str, key: str) -> dict[str, Any]:
    async with aiohttp.ClientSession(base) as http:
        body = {"service": service, "idempotency_key": key}
        return await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json=body), 201)


async def test_console_summons_the_officer_who_acknowledges_and_arrives(tabs: Tabs, clock: ManualClock, artifacts):
    officer = await tabs.open("/officer", PHONE_SIZE)
    await sign_in(officer.page, "sunbo")
    await expect(officer.page.locator("#department-name")).to_have_text("市应急管理局")
    await expect(officer.page.locator(".summons-list .empty")).to_have_text("暂无待办通知")
    await officer.page.wait_for_selector("body[data-live=online]")

    console = await tabs.open("/console", CONSOLE_SIZE)
    await sign_in_on_console(console, "zhangwei", 89)
    page = console.page
    plain = (await issue(tabs.base, "B01", "summons-plain"))["ticket"]
    await page.locator('[data-action="next"]').click()
    await expect(page.locator("#current-number")).to_have_text(plain["number"])
    await expect(page.locator("#summons-row")).to_be_hidden()  # not a 事进人不进 service
    issued = await issue(tabs.base, "J09", "summons-j09")
    ticket = issued["ticket"]
    phone = await tabs.open(f"/t/{issued['status_token']}", PHONE_SIZE)
    await phone.page.wait_for_selector("body[data-live=online]")
    await page.locator('[data-action="next"]').click()
    await expect(page.locator("#current-number")).to_have_text(ticket["number"])
    await page.locator('[data-action="start"]').click()
    await page.locator("#btn-summon").click()
    await expect(page.locator("#banner-text")).to_have_text("已通知市应急管理局，20分钟内到达")
    # the page counts on from the hall's time: a second may pass
    await expect(page.locator("#summons-state")).to_have_text(re.compile(r"已通知 · 剩余 (20:00|19:5\d)"))
    await expect(page.locator("#btn-summon")).to_be_hidden()
    await expect(phone.page.locator("#phone-detail")).to_have_text("已通知部门，工作人员将在20分钟内到达")
    await phone.page.screenshot(path=artifacts / "summons-phone.png")

    card = officer.page.locator(".summons")
    await expect(card).to_have_count(1, timeout=2000)  # at once, from the department's live topic
    await expect(card.locator(".s-window")).to_have_text("89 号窗口")
    await expect(card.locator(".s-ticket")).to_have_text(f"{ticket['number']} 号 · 危险化学品经营许可")
    await expect(card.locator(".s-countdown")).to_have_text(re.compile(r"剩余 (20:00|19:5\d)"))
    assert await card.get_attribute("data-light") == "green"
    assert await english_words(officer.page, frozenset({"sunbo"})) == []  # the staff id
    await officer.page.screenshot(path=artifacts / "summons-officer-phone.png")

    await card.locator("button.acknowledge").click()
    await expect(card.locator(".s-status")).to_have_text("已确认")
    await expect(card.locator("button.acknowledge")).to_be_disabled()
    await expect(page.locator("#summons-state")).to_have_text(re.compile(r"已确认 · 剩余 (20:00|19:5\d)"))
    # pages opened again while it is open learn it from the server, not only from its events
    await phone.page.reload()
    await expect(phone.page.locator("#phone-detail")).to_have_text("已通知部门，工作人员将在20分钟内到达")
    await page.reload()
    await expect(page.locator("#summons-state")).to_have_text(re.compile(r"已确认 · 剩余 (20:00|19:5\d)"))
    await card.locator("button.arrive").click()
    await expect(officer.page.locator(".summons")).to_have_count(0)
    await expect(page.locator("#summons-state")).to_have_text("已到达")
    await expect(page.locator("#btn-summons-cancel")).to_be_hidden()
    await expect(phone.page.locator("#phone-detail")).to_have_text("")  # the officer is here
    await page.screenshot(path=artifacts / "summons-console.png")

    await officer.page.locator("#lang").click()
    await expect(officer.page.locator(".summons-list .empty")).to_have_text("No open summons")
    await officer.page.set_viewport_size({"width": 1366, "height": 768})
    await officer.page.screenshot(path=artifacts / "summons-officer-desktop.png")
    officer.assert_clean()
    console.assert_clean()
    phone.assert_clean()


async def test_dashboard_alarm_turns_yellow_then_red_when_nobody_comes(tabs: Tabs, clock: ManualClock, artifacts,
                                                                        live_server):
    dashboard = await tabs.open("/dashboard", WALL)
    page = dashboard.page
    await sign_in(page, "wangfang")
    await page.wait_for_selector("body[data-live=online]")
    await expect(page.locator("#summons-alarms")).to_be_hidden()
    async with hall_api(live_server) as http:
        clerk = await clerk_at(http, "zhangwei", 89)
        issued = await issue(tabs.base, "J09", "alarm-j09")
        await clerk.call_next()
        await clerk.ticket_action(issued["ticket"]["id"], "start")
        await clerk.window_action("summons", 201)
        item = page.locator("#summons-alarm-list .alarm")
        await expect(item).to_have_count(1)
        await expect(item.locator("b")).to_have_text(f"市应急管理局 → 89 号窗口 {issued['ticket']['number']}")
        assert await item.get_attribute("data-light") == "green"

        for minutes, light, words in ((15, "yellow", r"剩余 [45]:\d\d"), (6, "red", r"超时 1:\d\d")):
            clock.advance(minutes=minutes)
            # a ticket issued pushes the queue figures, and with them the hall's time
            await issue(tabs.base, "B01", f"alarm-tick-{minutes}")
            await expect(item).to_have_attribute("data-light", light)
            await expect(page.locator("#summons-alarms")).to_have_class(f"alarms {light}")
            await expect(item.locator("small")).to_have_text(re.compile(words))
        await page.screenshot(path=artifacts / "summons-dashboard-red.png")
    dashboard.assert_clean()
