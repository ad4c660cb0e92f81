"""The central view in real Chromium: a county manager of two halls sees both halls' figures live on one
page (1920×1080), opens either hall's dashboard from it, and is refused a hall outside their scope."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from server.app import Settings
from tests.browser_support import WALL, english_words, hall_api, sign_in
from tests.support import Clerk

TOWNSHIP_KIOSK = {"Authorization": "Bearer demo-township-kiosk"}
DISTRICT_KIOSK = {"Authorization": "Bearer demo-district-kiosk"}


@pytest.fixture
def settings(all_settings: Settings) -> Settings:
    return all_settings


async def issue(session, headers: dict[str, str], service: str, key: str) -> None:
    async with session.post("/api/v1/tickets", json={"service": service, "idempotency_key": key},
                            headers=headers) as response:
        assert response.status == 201, await response.text()


async def test_a_county_manager_watches_both_halls_live_and_no_other(tabs, live_server, artifacts, clock):
    tab = await tabs.open("/central", WALL)
    page = tab.page
    await page.locator("#login-hall").select_option("district")
    await sign_in(page, "wumin")
    await page.wait_for_selector("body[data-live=online]")
    district, township = page.locator(".hall[data-hall=district]"), page.locator(".hall[data-hall=township]")
    await expect(district.locator(".h-name")).to_have_text("许昌市魏都区便民服务大厅")
    await expect(township.locator(".h-wait")).to_have_text("0")

    async with hall_api(live_server) as session:
        for n in range(2):
            await issue(session, TOWNSHIP_KIOSK, "A01", f"township-{n:04d}")
        clock.advance(minutes=20)  # township's first two wait past its yellow limit (15 min)
        await issue(session, TOWNSHIP_KIOSK, "A01", "township-0002")
        await issue(session, DISTRICT_KIOSK, "A01", "district-0001")
        clerk = await Clerk(session, "sunli", 2).login("district")  # type: ignore[arg-type]
        await clerk.sign_in()
    await expect(township.locator(".h-wait")).to_have_text("3")  # pushed, no reload
    await expect(township.locator(".h-card")).to_have_text("黄牌")
    await expect(township.locator(".f-longest dd")).to_have_text(re.compile(r"^20:0\d$"))  # counted on between pushes
    await expect(district.locator(".h-wait")).to_have_text("1")
    await expect(district.locator(".f-windowsOpen dd")).to_have_text("1/30")
    await expect(township.locator(".h-alarms [data-code=unattended]")).to_be_visible()  # nobody open there
    await expect(district.locator(".h-alarms .alarm.ok")).to_have_text("运行正常")  # window 2 serves A01
    await expect(page.locator("#total-waiting")).to_have_text("4")
    assert await english_words(page, frozenset({"wumin"})) == []  # the staff id is as it is
    await page.screenshot(path=str(artifacts / "central-1920x1080.png"))

    await page.locator("#lang").click()
    await expect(township.locator(".h-unit")).to_have_text("waiting")
    await page.locator("#lang").click()

    await township.click()
    await expect(page).to_have_url(f"{tabs.base}/dashboard?hall=township")
    await expect(page.locator("#hall-name")).to_have_text("濮阳县柳屯镇政务服务中心")
    await expect(page.locator("#view-board")).to_be_visible()
    await page.wait_for_selector("body[data-live=online]")
    await expect(page.locator("#total-waiting")).to_have_text("3")

    await page.goto(f"{tabs.base}/dashboard?hall=city")
    await expect(page.locator("#banner-text")).to_have_text("您无权查看或操作 city 大厅")
    await expect(page.locator("#view-board")).to_be_hidden()
    await expect(page.locator("#view-login")).to_be_hidden()  # still signed in: the way back is open
    await page.goto(f"{tabs.base}/central")
    await expect(page.locator(".hall")).to_have_count(2)
    tab.assert_clean()
