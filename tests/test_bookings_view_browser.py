"""Staff and managers see the day's bookings with their states: the dashboard the whole hall's, per
service, with one service's list; the console only its window's services. Names and ID numbers masked."""
from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from playwright.async_api import expect

from server.clock import ManualClock
from tests.bookings_support import booking_body, citizen_id
from tests.browser_support import Tabs, sign_in, sign_in_on_console
from tests.conftest import MONDAY_10AM
from tests.support import KIOSK
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
STATES = ("booked", "checked_in", "called", "served", "no_show", "cancelled", "unserved")


async def book(http: aiohttp.ClientSession, n: int, minutes: int, service: str = "B01") -> dict:
    body = booking_body(n, MONDAY_10AM + timedelta(minutes=minutes), service)
    return await expect_status(await http.post("/api/v1/bookings", json=body), 201)


async def summary_row(page, service: str) -> list[str]:
    cells = page.locator(f'.bookings-summary tr[data-service="{service}"] td')
    return [text.strip() for text in await cells.all_inner_texts()]


async def test_the_days_bookings_by_state_on_the_dashboard_and_the_windows_own_on_the_console(
        tabs: Tabs, clock: ManualClock, artifacts):
    async with aiohttp.ClientSession(tabs.base) as http:
        first, second = await book(http, 1, 30), await book(http, 2, 30)
        await book(http, 3, 60)
        later = await book(http, 4, 240)
        await book(http, 5, 30, service="A01")
        await expect_status(await http.post(f"/api/v1/bookings/{later['booking']['number']}/cancel",
                                            json={"token": later["token"]}), 200)
        checked_in = await expect_status(await http.post("/api/v1/check-in", headers=KIOSK,
                                                         json={"number": first["booking"]["number"]}), 201)

    dashboard = await tabs.open("/dashboard", LAPTOP, timezone_id="UTC")
    page = dashboard.page
    await sign_in(page, "wangfang")
    await expect(page.locator('.bookings-summary tr[data-service="B01"]')).to_be_visible()
    assert await summary_row(page, "B01") == ["2", "1", "0", "0", "0", "1", "0"]  # booked … unserved
    assert await summary_row(page, "A01") == ["1", "0", "0", "0", "0", "0", "0"]
    assert await page.locator(".bookings-summary tr.total td").all_inner_texts() == ["3", "1", "0", "0", "0", "1", "0"]
    await page.locator('.bookings-summary tr[data-service="B01"]').click()
    items = page.locator('.bookings-list[data-service="B01"] li')
    await expect(items).to_have_count(4)
    # still to come first, by slot; the checked-in one shows its ticket, the others their booking number
    await expect(items.first).to_contain_text("10:30–11:00")
    await expect(items.first).to_contain_text("已签到")
    await expect(items.first).to_contain_text(f"排队号 {checked_in['ticket']['number']}")
    await expect(page.locator(f'li[data-number="{second["booking"]["number"]}"]')).to_contain_text("张*丰")
    await expect(items.last).to_contain_text("已取消")
    text = await page.locator("#bookings").inner_text()
    assert citizen_id(2) not in text and "张二丰" not in text  # masked
    await page.screenshot(path=artifacts / "dashboard-bookings-1366x768.png", full_page=True)

    console = await tabs.open("/console", LAPTOP, timezone_id="UTC")
    await sign_in_on_console(console, "zhangwei", 41)  # a zone B window
    panel = console.page.locator("#bookings")
    await expect(panel.locator('.bookings-list[data-service="B01"] li')).to_have_count(4)  # its only service: open
    await expect(panel.locator('tr[data-service="A01"]')).to_have_count(0)
    await console.page.screenshot(path=artifacts / "console-bookings-1366x768.png")
    dashboard.assert_clean()
    console.assert_clean()
