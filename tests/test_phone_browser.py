"""The citizen's phone page (/t/<token>) at 390×844 on a phone set to UTC: hall time, the next
step after a no-show, and no offline badge once the ticket is final."""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser_support import PHONE_SIZE, Tab, Tabs, assert_fits, clerk_at, hall_api
from tests.support import KIOSK
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser

OFFLINE = "网络中断，正在重连…"


async def open_phone(tabs: Tabs, token: str, setup: Any = None) -> Tab:
    """The page as a phone whose clock runs on UTC opens it: hall time must not follow the phone's zone."""
    tab = await tabs.open(f"/t/{token}", PHONE_SIZE, setup, timezone_id="UTC")
    assert await tab.page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"
    return tab


async def without_live_socket(page: Page) -> None:
    """A network that lets plain requests through but drops every websocket."""
    await page.route_web_socket("**/api/v1/live*", lambda ws: ws.close())


async def assert_final_without_badge(page: Page) -> None:
    """Followed to its end: the socket closed on purpose, and no outage shown for it, also a while later."""
    await expect(page.locator("body")).to_have_attribute("data-live", "final")
    await page.wait_for_timeout(1500)  # longer than the first reconnect would wait
    await expect(page.locator("body")).not_to_have_class(re.compile(r"\boffline\b"))
    await expect(page.get_by_text(OFFLINE)).to_be_hidden()


async def test_hall_time_next_step_after_a_no_show_and_no_badge_once_finished(tabs, live_server, artifacts):
    async with hall_api(live_server) as http:
        issued = await expect_status(await http.post("/api/v1/tickets", json={"service": "B01"}, headers=KIOSK), 201)
        phone = await open_phone(tabs, issued["status_token"])
        page = phone.page
        await expect(page.locator("#phone-status")).to_have_text("排队中")
        # Issued at 10:00 in Zhumadian, 02:00 UTC: the page says the hall's time.
        await expect(page.locator("#phone-issued")).to_have_text("10:00")
        assert await page.locator("#phone-next").is_hidden()
        await assert_fits(page, ".phone-bar", "#phone-number", "#phone-status", ".phone-facts")
        await page.screenshot(path=artifacts / "phone-waiting-utc.png")

        clerk = await clerk_at(http, "zhangwei", 41)
        ticket_id = (await clerk.call_next())["id"]  # type: ignore[index]
        await expect(page.locator("#phone-status")).to_have_text("请到 41 号窗口办理")
        await clerk.ticket_action(ticket_id, "no-show")
        await expect(page.locator("#phone-status")).to_have_text("已过号")
        # The hall's rule (rejoin = "behind", rejoin_places = 3), and where to go.
        await expect(page.locator("#phone-next-text")).to_have_text(
            "请尽快回到 41 号窗口或服务台说明情况，工作人员可为您重新排队，前面约有 3 人。")
        await assert_fits(page, "#phone-status", "#phone-next")
        await page.screenshot(path=artifacts / "phone-no-show.png")
        await page.locator("#lang").click()
        await expect(page.locator("#phone-next-text")).to_have_text(
            "Go back to window 41 or the service desk soon: staff can put you back in the queue,"
            " about 3 places from its head.")
        await page.locator("#lang").click()
        await expect(page.locator("body")).to_have_attribute("data-live", "online")  # a no-show may rejoin

        await clerk.ticket_action(ticket_id, "rejoin")
        await expect(page.locator("#phone-status")).to_have_text("排队中")
        assert await page.locator("#phone-next").is_hidden()
        assert (await clerk.call_next())["id"] == ticket_id  # type: ignore[index]
        await clerk.ticket_action(ticket_id, "start")
        await clerk.ticket_action(ticket_id, "finish")
        await expect(page.locator("#phone-status")).to_have_text("已办结")
        await assert_final_without_badge(page)
        await page.screenshot(path=artifacts / "phone-done.png")

        reopened = await open_phone(tabs, issued["status_token"])  # the link opened again later
        await expect(reopened.page.locator("#phone-status")).to_have_text("已办结")
        await assert_final_without_badge(reopened.page)
        # No socket at all: the page asks once, learns the ticket is finished, and stops trying.
        unlinked = await open_phone(tabs, issued["status_token"], without_live_socket)
        await expect(unlinked.page.locator("#phone-status")).to_have_text("已办结")
        await assert_final_without_badge(unlinked.page)
    for tab in (phone, reopened, unlinked):
        tab.assert_clean()


async def test_a_no_show_of_a_past_day_tells_to_take_a_new_ticket(tabs, live_server, clock, artifacts):
    async with hall_api(live_server) as http:
        issued = await expect_status(await http.post("/api/v1/tickets", json={"service": "B01"}, headers=KIOSK), 201)
        clerk = await clerk_at(http, "zhangwei", 41)
        await clerk.call_next()
        await clerk.ticket_action(issued["ticket"]["id"], "no-show")
    clock.advance(days=1)
    phone = await open_phone(tabs, issued["status_token"])
    page = phone.page
    await expect(page.locator("#phone-status")).to_have_text("已过号")
    await expect(page.locator("#phone-next-text")).to_have_text(
        "当日办理已结束，此号不能再重新排队；如需办理，请在办公时间重新取号。")
    await assert_final_without_badge(page)
    await page.screenshot(path=artifacts / "phone-no-show-past-day.png")
    phone.assert_clean()
