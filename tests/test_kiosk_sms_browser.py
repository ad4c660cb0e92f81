"""A mobile number typed on the kiosk's ticket screen, in a real browser against a real server: it is
attached to the ticket, shown masked, and its queue reminder reaches the hall's SMS gateway (the
documented example receiver, verifying every signature)."""
from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import expect

from server.app import Settings, create_app
from tests.browser_support import KIOSK_SIZE, WALL, Tabs, assert_fits, base_url, clerk_at
from tests.support import KIOSK
from tests.support import expect as expect_status
from tests.test_notifications import SECRET, Gateway, notifying, settled

pytestmark = pytest.mark.browser

MOBILE = "13900000005"


async def test_a_mobile_number_given_on_the_ticket_screen_gets_its_queue_reminder(
        browser, city, database_url, clock, aiohttp_server, monkeypatch, artifacts: Path):
    monkeypatch.setenv("HALLQ_WEBHOOK_SECRET", SECRET)
    receiving = Gateway()
    hook = await aiohttp_server(receiving.app)
    settings = Settings(halls={"city": notifying(city, str(hook.make_url("/hook/")))}, database_url=database_url,
                        identity_key=b"k" * 32, clock=clock, pool_size=5)
    tabs = Tabs(browser, base_url(await aiohttp_server(create_app(settings))))
    try:
        async with aiohttp.ClientSession(tabs.base) as http:
            for n in range(4):  # B001-B004 wait: the kiosk's ticket has 4 ahead, one more than the reminder's 3
                await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json={
                    "service": "B01", "idempotency_key": f"ahead-{n:04d}"}), 201)
            clerk = await clerk_at(http, "zhangwei", 41)
            kiosk = await tabs.open("/kiosk?token=demo-kiosk-entrance", KIOSK_SIZE)
            page = kiosk.page
            await page.locator('#common [data-service="B01"]').click()
            await expect(page.locator("#ticket-number")).to_have_text("B005")
            await expect(page.locator("#ticket-ahead")).to_have_text("4 人")
            await expect(page.locator("#sms-sub")).to_have_text("留下手机号，前面还有 3 人时和叫号时发短信给您")
            await assert_fits(page, "#ticket-number", ".facts", ".qr-box", "#sms-open", "#ticket-done")
            await page.screenshot(path=artifacts / "kiosk-sms-offer-1080x1920.png")

            await page.locator("#sms-open").click()
            for digit in MOBILE:
                await page.locator(f'#sms-keypad [data-key="{digit}"]').click()
            await expect(page.locator("#sms-number")).to_have_text("139 0000 0005")
            await assert_fits(page, "#sms-number", "#sms-keypad", "#sms-ok", "#sms-cancel")
            await page.screenshot(path=artifacts / "kiosk-sms-number-1080x1920.png")
            await page.locator("#sms-ok").click()
            await expect(page.locator("#sms-done")).to_have_text("短信提醒：139****0005，前面还有 3 人时和叫号时发送")
            await expect(page.locator("#sms-open")).to_be_hidden()
            assert MOBILE not in await page.content()  # masked once entered
            await page.screenshot(path=artifacts / "kiosk-sms-done-1080x1920.png")
            await page.set_viewport_size(WALL)
            await page.wait_for_selector("body.landscape")
            await assert_fits(page, "#ticket-number", ".facts", ".qr-box", "#sms-done", "#ticket-done")
            await page.screenshot(path=artifacts / "kiosk-sms-done-1920x1080.png")

            await clerk.call_next()  # B001 to window 41: B005 has 3 ahead
            await settled(receiving, 1)
        assert receiving.texts() == [(MOBILE, "【驻马店市民中心服务大厅】您的 B005 号前面还有 3 人，请留意叫号。")]
        kiosk.assert_clean()
    finally:
        await tabs.close()
