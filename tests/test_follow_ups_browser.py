"""差评整改 on the dashboard in Debian's Chromium: a 不满意 on 2026-09-28 is due on the 调休 Saturday 10-10
(past National Day), yellow from 10-09 and red after 10-10 on a stepped clock; the callback and fix dialogs
close it."""
from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from playwright.async_api import expect

from server.clock import ManualClock
from tests.browser_support import WALL, Tabs, sign_in
from tests.support import PASSWORD
from tests.support import expect as expect_status
from tests.test_follow_ups import BAD, DUE_AT, WARN_AT, settings  # noqa: F401  (the five-day hall on 09-28)
from tests.test_ratings import TABLET_41
from tests.test_ratings_browser import issue

pytestmark = pytest.mark.browser


async def bad_rating_at_41(http: aiohttp.ClientSession) -> None:
    ticket = (await issue(http, "follow-up-browser-1"))["ticket"]
    login = await expect_status(await http.post("/api/v1/staff/login", json={
        "hall": "city", "staff_id": "zhangwei", "password": PASSWORD}), 200)
    clerk = {"Authorization": f"Bearer {login['token']}"}
    await expect_status(await http.post("/api/v1/windows/41/sign-in", json={"post": "A"}, headers=clerk), 200)
    await expect_status(await http.post("/api/v1/windows/41/call-next", headers=clerk), 200)
    await expect_status(await http.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=clerk), 200)
    await expect_status(await http.post("/api/v1/ratings", json={"ticket": ticket["id"], **BAD},
                                        headers=TABLET_41), 201)


async def test_a_bad_rating_shows_as_a_case_turning_yellow_then_red_and_closes(tabs: Tabs, clock: ManualClock,
                                                                               artifacts):
    dashboard = await tabs.open("/dashboard", WALL)
    page = dashboard.page
    await sign_in(page, "wangfang")
    await expect(page.locator("#cases-body")).to_contain_text("暂无待整改的差评")
    async with aiohttp.ClientSession(tabs.base) as http:
        await bad_rating_at_41(http)
    row = page.locator("#cases-body tr.case")
    await expect(row).to_have_count(1)  # live: follow_up.opened on the managers' topic
    await expect(row.locator("td").nth(0)).to_have_text("41")
    await expect(row.locator("td").nth(1)).to_have_text("张伟")
    await expect(row.locator("td").nth(3)).to_have_text("不满意")
    await expect(row.locator("td").nth(4)).to_have_text("等候时间长")  # the checklist's name of "wait"
    await expect(row.locator("td").nth(5)).to_have_text("10-10")
    await expect(row).to_have_class("case open")
    await expect(page.locator("#cases-alarm")).to_have_class("alarms ok")
    assert "138****5678" in (await row.locator("td").nth(3).get_attribute("title") or "")

    for moment, state, strip in ((WARN_AT - timedelta(seconds=5), "open", "ok"), (WARN_AT, "warning", "yellow"),
                                 (DUE_AT, "overdue", "red")):
        clock.set(moment)
        await page.reload()  # the hall's clock comes with the snapshot
        await sign_in_if_asked(page)
        await expect(page.locator("#cases-body tr.case")).to_have_class(f"case {state}")
        await expect(page.locator("#cases-alarm")).to_have_class(f"alarms {strip}")
        await page.screenshot(path=artifacts / f"dashboard-case-{state}-1920x1080.png", full_page=True)
    await expect(page.locator("#cases-list li.alarm.red")).to_contain_text("差评整改已超期")

    await row.locator("button[data-step=callback]").click()
    await page.locator("#callback-note").fill("已致歉并说明材料")
    await page.locator("#callback-form button[type=submit]").click()
    await expect(row.locator("button[data-step=callback]")).to_have_count(0)
    await row.locator("button[data-step=fix]").click()
    await page.locator("#fix-note").fill("窗口一次性告知清单")
    await page.locator("#fix-form button[type=submit]").click()
    await expect(page.locator("#cases-body")).to_contain_text("暂无待整改的差评")  # closed, late
    await expect(page.locator("#cases-alarm")).to_have_class("alarms ok")
    dashboard.assert_clean()


async def sign_in_if_asked(page) -> None:
    """Sessions expire as the clock steps days ahead: sign in again when the login shows."""
    await expect(page.locator("#view-board, #view-login").locator("visible=true")).to_have_count(1)
    if await page.locator("#view-login").is_visible():
        await sign_in(page, "wangfang")
