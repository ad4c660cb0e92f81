"""Devices managed live, in real Chromium: the admin page adds a zone screen whose page then
runs (its own token, zone and heartbeat) without a restart; a kiosk and a screen revoked through
the API say 此设备已停用 at once, and after a reload, instead of a blank or stale screen."""
from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from playwright.async_api import expect

from tests.browser_support import CONSOLE_SIZE, KIOSK_SIZE, WALL, Tabs, base_url, sign_in
from tests.support import PASSWORD
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser


async def admin_headers(http: aiohttp.ClientSession) -> dict[str, str]:
    login = await expect_status(await http.post("/api/v1/staff/login", json={
        "hall": "city", "staff_id": "chenjing", "password": PASSWORD}), 200)
    return {"Authorization": f"Bearer {login['token']}"}


async def revoke(http: aiohttp.ClientSession, headers: dict[str, str], device_id: str) -> None:
    await expect_status(await http.post(f"/api/v1/devices/{device_id}/revoke", headers=headers), 200)


async def test_an_added_screen_runs_at_once_and_revoked_devices_say_why(tabs: Tabs, live_server: Any, artifacts):
    admin = await tabs.open("/admin", CONSOLE_SIZE)
    page = admin.page
    await sign_in(page, "chenjing")
    await expect(page.locator('#device-rows tr[data-device="kiosk-a"]')).to_contain_text("自助取号机")
    await page.locator("#device-id").fill("screen-zone-b")
    await page.locator("#device-kind").select_option("screen")
    await page.locator("#device-screen").select_option("zone")
    await page.locator("#device-zones").fill("Q")
    await page.locator("#device-submit").click()
    await expect(page.locator("#banner-text")).to_contain_text("填写有误：zones[0]")  # checked as the file is
    await page.locator("#device-zones").fill("B")
    await page.locator("#device-submit").click()
    await expect(page.locator("#new-token")).to_be_visible()
    token = await page.locator("#new-token-text").text_content() or ""
    assert len(token) > 20
    new_row = page.locator('#device-rows tr[data-device="screen-zone-b"]')
    await expect(new_row.locator(".state-waiting")).to_have_text("等待首次连接")  # unheard: not yet 正常
    await page.screenshot(path=str(artifacts / "admin-device-added-1366x768.png"), full_page=True)

    # The new screen's page, by the link the admin page gives: its zone, live, and its heartbeat.
    screen = await tabs.open(f"/screen?token={token}", WALL)
    await screen.page.wait_for_selector("body[data-live=online]", timeout=10000)
    await expect(screen.page.locator("#hall-name")).to_contain_text("B 区")
    await page.reload()
    row = page.locator('#device-rows tr[data-device="screen-zone-b"]')
    await expect(row.locator(".resolution")).to_have_text("1920x1080")
    await expect(row.locator(".version")).to_have_text("0.1.0")
    await expect(row.locator(".state-ok")).to_have_text("正常")
    assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # it scrolls down, never sideways
    await page.locator("#lang").click()
    await expect(page.locator("h1")).to_have_text("Devices and staff")
    await page.screenshot(path=str(artifacts / "admin-devices-en-1366x768.png"), full_page=True)

    kiosk = await tabs.open("/kiosk?token=demo-kiosk-a", KIOSK_SIZE)
    await kiosk.page.wait_for_selector("body[data-live=online]", timeout=10000)
    async with aiohttp.ClientSession(base_url=base_url(live_server)) as http:
        headers = await admin_headers(http)
        await revoke(http, headers, "kiosk-a")
        await revoke(http, headers, "screen-zone-b")
    for tab, name in ((kiosk, "kiosk-1080x1920"), (screen, "screen-1920x1080")):  # told by the socket's close
        await expect(tab.page.get_by_text("此设备已停用").first).to_be_visible()
        await tab.page.screenshot(path=str(artifacts / f"revoked-{name}.png"))
    await expect(screen.page.locator("#board")).to_be_hidden()
    await kiosk.page.reload()  # and refused on its next request
    await expect(kiosk.page.locator("#error-title")).to_have_text("此设备已停用")
    await expect(kiosk.page.locator("#error-ok")).to_be_hidden()
    await expect(page.locator('#device-rows tr[data-device="kiosk-a"] .state-revoked')).to_have_text("Revoked")
    for tab in (admin, screen, kiosk):
        tab.assert_clean()
