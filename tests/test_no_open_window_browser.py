"""No window open for a service: the kiosk, the ticket, the phone page and the zone screen say 暂无开放窗口
instead of promising minutes, and show a wait once a window serving it signs in, as the server pushes it."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser_support import KIOSK_SIZE, PHONE_SIZE, WALL, ZONE_SCREEN, assert_fits, clerk_at, hall_api
from tests.support import issue
from tests.test_screens_browser import check_layout

pytestmark = pytest.mark.browser

NO_WINDOW = "暂无开放窗口"
MINUTES = re.compile(r"^约 \d+ 分钟$")


async def test_no_window_open_is_said_until_one_signs_in(tabs, live_server, artifacts):
    async with hall_api(live_server) as http:
        await issue(http, "A01")  # one ahead: with a window open the wait is minutes, not "no wait"
        kiosk = await tabs.open("/kiosk?token=demo-kiosk-a", KIOSK_SIZE)  # zone A's kiosk: no window signed in
        page = kiosk.page
        card = page.locator('#home-services .service-card[data-service="A01"]')
        await expect(card.locator(".waiting")).to_have_text("等候 1 人")
        await expect(card.locator(".estimate")).to_have_text(NO_WINDOW)
        await assert_fits(page, '#home-services .service-card[data-service="A01"] .service-figures')
        await page.screenshot(path=artifacts / "kiosk-no-window.png")

        await card.click()
        await expect(page.locator("#ticket-number")).to_have_text("A002")
        await expect(page.locator("#ticket-ahead")).to_have_text("1 人")
        await expect(page.locator("#ticket-wait")).to_have_text(NO_WINDOW)
        await assert_fits(page, "#ticket-number", ".facts", "#ticket-wait", ".qr-box", "#ticket-done")
        await page.screenshot(path=artifacts / "kiosk-ticket-no-window.png")
        token = (await page.locator("#ticket-qr").get_attribute("src") or "").split("/")[-2]
        await page.locator("#ticket-done").click()
        await expect(card.locator(".waiting")).to_have_text("等候 2 人")
        await expect(card.locator(".estimate")).to_have_text(NO_WINDOW)

        phone = await tabs.open(f"/t/{token}", PHONE_SIZE)
        detail = phone.page.locator("#phone-detail")
        await expect(detail).to_have_text(f"前面还有 1 人，{NO_WINDOW}")
        await phone.page.locator("#lang").click()
        await expect(detail).to_have_text("1 ahead of you. No window open")
        await phone.page.locator("#lang").click()
        await assert_fits(phone.page, "#phone-status", "#phone-detail")
        await phone.page.screenshot(path=artifacts / "phone-no-window.png")

        zone = await tabs.open(f"/screen?token={ZONE_SCREEN}", WALL)
        wait = zone.page.locator(".stat-wait .stat-figure b")
        await expect(wait).to_have_text(NO_WINDOW)
        await check_layout(zone.page, artifacts, "zone-no-window")

        await clerk_at(http, "zhangwei", 15)  # a window of zone A signs in: every page is pushed a wait
        await expect(card.locator(".estimate")).to_have_text(MINUTES)
        await expect(detail).to_have_text(re.compile(r"^前面还有 1 人，预计等候约 \d+ 分钟(（\d+–\d+ 分钟）)?$"))
        await expect(wait).to_have_text(re.compile(r"^\d+$"))
        await page.screenshot(path=artifacts / "kiosk-window-open.png")
        await zone.page.screenshot(path=artifacts / "zone-window-open.png")

        await page.locator('#home-services .service-card[data-service="A03"]').click()  # window 15 serves it too
        await expect(page.locator("#ticket-ahead")).to_have_text("2 人")
        # A window is open: a wait, which may be none at all (window 15 may call A03 before the two ahead).
        await expect(page.locator("#ticket-wait")).to_have_text(re.compile(r"^(约 \d+ 分钟(（\d+–\d+）)?|即到即办)$"))
    for tab in (kiosk, phone, zone):
        tab.assert_clean()
