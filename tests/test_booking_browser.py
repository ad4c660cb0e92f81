"""The phone booking page end to end in Chromium at 390×844 (and a desktop): choose a service, a day,
a slot, give name, ID and mobile, get the booking number and its QR code, follow its link, cancel;
every refusal said from its code, in Chinese first and in English."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.bookings_support import booking_body, citizen_id
from tests.browser_support import PHONE_SIZE, assert_fits, english_words
from tests.qr_codes import decode_png

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


async def fill_and_book(page, n: int) -> None:
    await page.locator("#bk-service").select_option("B01")
    await page.locator('.bk-day[data-day="2026-11-24"]').click()
    await page.locator('.bk-slot[data-start="2026-11-24T10:00:00+08:00"]').click()
    body = booking_body(n, "2026-11-24T10:00:00+08:00")
    await page.locator("#bk-name").fill(body["name"])
    await page.locator("#bk-id").fill(body["id_number"])
    await page.locator("#bk-mobile").fill(body["mobile"])
    await page.locator("#bk-submit").click()


async def test_book_see_the_qr_and_cancel_on_a_phone(tabs, artifacts):
    tab = await tabs.open("/book", PHONE_SIZE, timezone_id="UTC")  # hall time, whatever the phone's zone
    page = tab.page
    await expect(page.locator("#hall-name")).to_have_text("驻马店市民中心服务大厅")
    await expect(page.locator('.bk-day[data-day="2026-11-28"]')).to_be_disabled()  # a Saturday
    await page.locator("#bk-service").select_option("B01")
    await page.locator('.bk-day[data-day="2026-11-24"]').click()
    slot = page.locator('.bk-slot[data-start="2026-11-24T10:00:00+08:00"]')
    await expect(slot).to_contain_text("10:00-10:30")
    await assert_fits(page, ".bk-bar", "#bk-service", "#bk-slots")
    await page.screenshot(path=artifacts / "booking-phone-form.png", full_page=True)

    await fill_and_book(page, 1)
    await expect(page.locator("#bk-done-title")).to_have_text("预约成功")
    number = (await page.locator("#bk-number").text_content() or "").strip()
    assert len(number) == 8 and number.isdigit()
    await expect(page.locator("#bk-f-zone")).to_contain_text("一楼")
    await expect(page.locator("#bk-f-windows")).to_have_text("41-48、89-96 号窗口")
    await expect(page.locator("#bk-f-slot")).to_contain_text("10:00-10:30")
    await expect(page.locator("#bk-checkin")).to_contain_text("09:30 至 10:15")
    assert "/b/" in page.url
    qr = page.locator("#bk-qr")
    await expect(qr).to_be_visible()
    await page.wait_for_function("document.getElementById('bk-qr').naturalWidth > 0")
    assert decode_png(await qr.screenshot()) == [page.url.split("?")[0]]
    await assert_fits(page, ".bk-number", "#bk-qr")
    await page.screenshot(path=artifacts / "booking-phone-booked.png", full_page=True)

    await page.reload()  # the link keeps the booking
    await expect(page.locator("#bk-number")).to_have_text(number)
    await expect(page.locator("#bk-done-title")).to_have_text("我的预约")
    await page.locator("#bk-cancel").click()
    await expect(page.locator("#bk-cancel")).to_have_text("再按一次确认取消")
    await page.locator("#bk-cancel").click()
    await expect(page.locator("#bk-state")).to_have_text("已取消")
    await expect(page.locator("#bk-qr-box")).to_be_hidden()
    await page.screenshot(path=artifacts / "booking-phone-cancelled.png", full_page=True)
    tab.assert_clean()


async def test_refusals_are_said_from_their_codes_in_both_languages(tabs, artifacts):
    tab = await tabs.open("/book", DESKTOP)
    page = tab.page
    await fill_and_book(page, 2)
    await expect(page.locator("#bk-done-title")).to_have_text("预约成功")

    second = await tabs.open("/book?lang=en", DESKTOP)
    page = second.page
    await expect(page.locator("#lang")).to_have_text("中文")
    await fill_and_book(page, 2)  # the same person, service and day
    await expect(page.locator("#bk-error")).to_have_text(
        "You already booked this service that day: one booking per person, service and day.")
    await page.locator("#bk-id").fill(citizen_id(3)[:-1] + ("0" if citizen_id(3)[-1] != "0" else "1"))
    await page.locator("#bk-submit").click()
    await expect(page.locator("#bk-error")).to_have_text("That ID number is not valid: check it.")
    await page.locator("#lang").click()
    await expect(page.locator("#bk-error")).to_have_text("身份证号码有误，请核对。")
    assert await english_words(page) == []
    await page.screenshot(path=artifacts / "booking-desktop-refused.png", full_page=True)
    tab.assert_clean()
    second.assert_clean()
