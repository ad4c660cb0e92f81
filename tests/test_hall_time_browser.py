"""Pages on a device whose clock runs on UTC show the hall's time, and Chinese pages show no English:
the calling screens and the window console (the kiosk's and the dashboard's are in their own tests)."""
from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import expect

from tests.browser_support import (
    CONSOLE_SIZE,
    HALL_SCREEN,
    WALL,
    WINDOW_SIGN,
    ZONE_SCREEN,
    Tabs,
    english_words,
    sign_in_on_console,
)
from tests.support import KIOSK
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser

UTC = "UTC"  # the hall's clock reads 10:00 in Beijing, 02:00 here


async def test_screens_show_hall_time_and_chinese_only_on_a_utc_device(tabs: Tabs, artifacts):
    for token in (HALL_SCREEN, ZONE_SCREEN, WINDOW_SIGN):
        tab = await tabs.open(f"/screen?token={token}", WALL, timezone_id=UTC)
        page = tab.page
        await page.wait_for_selector("body[data-live=online]", timeout=10000)
        if token != WINDOW_SIGN:
            await expect(page.locator("#clock-time")).to_have_text("10:00")
            await expect(page.locator("#clock-date")).to_contain_text("11月23日")
        assert await english_words(page) == []
        await page.screenshot(path=artifacts / f"utc-screen-{token}.png")
        tab.assert_clean()


async def test_console_records_hall_time_and_speaks_chinese_only_on_a_utc_device(tabs: Tabs, artifacts):
    async with aiohttp.ClientSession(tabs.base) as http:
        await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json={
            "service": "B01", "idempotency_key": "utc-console-0001"}), 201)
    console = await tabs.open("/console", CONSOLE_SIZE, timezone_id=UTC)
    page = console.page
    assert await english_words(page) == []  # the sign-in form
    await sign_in_on_console(console, "zhangwei", 41)
    await page.locator("body").press("n")
    await expect(page.locator("#banner")).to_contain_text("B001")
    await page.locator("body").press("n")  # finishes B001 (the log notes when); nobody else waits
    await expect(page.locator("#log .log-number")).to_have_text(["B001"])
    await expect(page.locator("#log .log-at").first).to_have_text("10:00:00")
    assert await english_words(page, allowed=frozenset({"zhangwei"})) == []  # the clerk's staff id is data
    await expect(page.locator("#queue-total")).to_have_text("共 0 人等候")
    await page.screenshot(path=artifacts / "utc-console-1366x768.png")
    console.assert_clean()
