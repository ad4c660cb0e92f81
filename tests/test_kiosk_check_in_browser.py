"""Checking a booking in at the kiosk in a real browser against a real server: by its number on the
keypad, by the QR code a keyboard-wedge scanner types, and by the ID card (a real device agent with
the reader emulator). The ticket ranks from the slot; an early one waits as a walk-in until then; a
late one is a walk-in; a made-up number, a booking of another day or one too early get a clear
refusal and no ticket. Bookings are made through the public booking API."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Page, expect

from hardware.reader_emulator import SAMPLE_CARD, ReaderEmulator
from tests.agents import agent_settings, running_agent
from tests.bookings_support import booking_body
from tests.browser_support import KIOSK_SIZE, WALL, Tabs, assert_fits, clerk_at, english_words
from tests.conftest import MONDAY_10AM
from tests.support import KIOSK
from tests.support import expect as expect_status
from tests.test_agent import OTHER_CARD

pytestmark = pytest.mark.browser

ENTRANCE = "/kiosk?token=demo-kiosk-entrance"
SLOT = MONDAY_10AM  # 10:00, the slot most bookings here are for


@pytest.fixture
def reader_emulator():
    with ReaderEmulator() as emulator:
        yield emulator


async def book(http: aiohttp.ClientSession, n: int, start: datetime, **extra: Any) -> dict[str, Any]:
    """A booking made as the citizen's phone makes it."""
    async with http.post("/api/v1/bookings", json=booking_body(n, start, **extra)) as answer:
        return await expect_status(answer, 201)


async def tickets(database_url: str) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch("SELECT number, priority, arrival_at, appointment_code, identity_masked"
                               " FROM tickets ORDER BY id")
    finally:
        await con.close()


async def type_booking_number(page: Page, number: str) -> None:
    for digit in number:
        await page.locator(f'#check-in-keypad [data-key="{digit}"]').click()
    await expect(page.locator("#check-in-number")).to_have_text(f"{number[:4]} {number[4:]}")
    await page.locator("#check-in-ok").click()


async def refusal(page: Page) -> str:
    await expect(page.locator("#overlay-error")).to_be_visible()
    await expect(page.locator("#error-title")).to_have_text("未能签到")
    return await page.locator("#error-text").inner_text()


async def test_check_in_on_the_keypad_early_late_on_time_and_refused(tabs: Tabs, clock, database_url: str,
                                                                    artifacts: Path):
    clock.set(SLOT - timedelta(hours=1))  # 09:00, the hall opens
    async with aiohttp.ClientSession(tabs.base) as http:
        early = await book(http, 1, SLOT)
        late = await book(http, 2, SLOT - timedelta(minutes=30))  # 09:30: check-in closes at 09:45
        on_time = await book(http, 3, SLOT)
        too_early = await book(http, 4, SLOT + timedelta(hours=1))
        tomorrow = await book(http, 5, SLOT + timedelta(days=1))
        clock.set(SLOT - timedelta(minutes=20))
        walk_in = await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json={
            "service": "B01", "idempotency_key": "walk-in-0001"}), 201)
        clerk = await clerk_at(http, "zhangwei", 41)

        clock.set(SLOT - timedelta(minutes=15))  # 09:45
        kiosk = await tabs.open(ENTRANCE, KIOSK_SIZE)
        page = kiosk.page
        await page.locator("#btn-check-in").click()
        await expect(page.locator("#screen-check-in")).to_be_visible()
        await expect(page.locator("#nav")).to_be_visible()
        await assert_fits(page, "#check-in-number", "#check-in-keypad", ".other-ways", "#check-in-ok", "#nav-home")
        assert await english_words(page) == []
        await page.screenshot(path=artifacts / "kiosk-check-in-1080x1920.png")
        await page.set_viewport_size(WALL)
        await page.wait_for_selector("body.landscape")  # laid out lying down
        await assert_fits(page, "#check-in-number", "#check-in-keypad", ".other-ways", "#check-in-ok", "#nav-home")
        await page.screenshot(path=artifacts / "kiosk-check-in-1920x1080.png")
        await page.set_viewport_size(KIOSK_SIZE)
        await page.wait_for_selector("body:not(.landscape)")

        await type_booking_number(page, early["booking"]["number"])
        await expect(page.locator("#ticket-number")).to_have_text("B002")
        await expect(page.locator("#ticket-badge")).to_have_text("预约 · 10:00-10:30")
        await expect(page.locator("#ticket-check-in")).to_have_text("您已签到，预约时段 10:00 开始后优先叫号")
        await expect(page.locator("#ticket-ahead")).to_have_text("1 人")  # until 10:00 it waits as a walk-in
        await assert_fits(page, "#ticket-number", "#ticket-check-in", ".facts", ".qr-box", "#ticket-done")
        await page.screenshot(path=artifacts / "kiosk-check-in-early-1080x1920.png")
        await page.locator("#ticket-done").click()

        clock.set(SLOT - timedelta(minutes=10))  # 09:50: the walk-in who came first is called first
        assert (await clerk.call_next())["number"] == walk_in["ticket"]["number"]
        await page.locator("#btn-check-in").click()
        await type_booking_number(page, late["booking"]["number"])
        await expect(page.locator("#ticket-number")).to_have_text("B003")
        await expect(page.locator("#ticket-badge")).to_be_hidden()
        await expect(page.locator("#ticket-check-in")).to_have_text("已超过预约签到时间，按现场取号排队")
        await page.screenshot(path=artifacts / "kiosk-check-in-late-1080x1920.png")
        await page.locator("#ticket-done").click()

        await page.locator("#btn-check-in").click()
        await type_booking_number(page, "12345678")  # made up
        assert "没有找到这个预约号" in await refusal(page)
        await expect(page.locator("#error-walk-in")).to_be_visible()
        await page.screenshot(path=artifacts / "kiosk-check-in-unknown-1080x1920.png")
        await page.locator("#error-ok").click()
        await expect(page.locator("#screen-check-in")).to_be_visible()  # to type it again
        await page.locator('#check-in-keypad [data-key="clear"]').click()
        await type_booking_number(page, tomorrow["booking"]["number"])
        assert "您的预约在 11月24日周二 10:00，不是今天" in await refusal(page)
        await page.locator("#error-ok").click()
        await page.locator('#check-in-keypad [data-key="clear"]').click()
        await page.locator("#lang").click()
        await type_booking_number(page, too_early["booking"]["number"])
        await expect(page.locator("#error-title")).to_have_text("Not checked in")
        await expect(page.locator("#error-text")).to_have_text(
            "Your booking begins at 11:00: check in from 10:30. In a hurry? Take a ticket now.")
        await page.screenshot(path=artifacts / "kiosk-check-in-too-early-en-1080x1920.png")
        await page.locator("#error-walk-in").click()  # "Take a ticket": the start screen
        await expect(page.locator("#screen-start")).to_be_visible()
        await page.locator("#lang").click()

        clock.set(SLOT + timedelta(minutes=1))
        await page.locator("#btn-check-in").click()
        await type_booking_number(page, on_time["booking"]["number"])
        await expect(page.locator("#ticket-number")).to_have_text("B004")
        await expect(page.locator("#ticket-badge")).to_have_text("预约 · 10:00-10:30")
        await expect(page.locator("#ticket-check-in")).to_have_text("签到成功，按预约优先叫号")
        await page.set_viewport_size(WALL)
        await page.wait_for_selector("body.landscape")
        await assert_fits(page, "#ticket-number", "#ticket-check-in", ".facts", "#ticket-done")
        await page.screenshot(path=artifacts / "kiosk-check-in-on-time-1920x1080.png")

        # The two checked in on time rank from their slot, before a walk-in who came at 09:40.
        served = [(await clerk.window_action("next"))["ticket"] for _ in range(3)]
        assert [t["number"] for t in served] == ["B002", "B004", "B003"]
        assert [(t["priority"], datetime.fromisoformat(t["arrival_at"])) for t in served[:2]] == [
            ("appointment", SLOT), ("appointment", SLOT)]
    issued = await tickets(database_url)
    assert [(t["number"], t["priority"], t["appointment_code"]) for t in issued] == [
        ("B001", "normal", None), ("B002", "appointment", early["booking"]["number"]),
        ("B003", "normal", late["booking"]["number"]), ("B004", "appointment", on_time["booking"]["number"])]
    kiosk.assert_clean()


async def test_check_in_by_id_card_and_by_scanned_qr_code(tabs: Tabs, clock, database_url: str, artifacts: Path,
                                                         reader_emulator: ReaderEmulator, tmp_path: Path):
    clock.set(SLOT - timedelta(hours=1))
    async with aiohttp.ClientSession(tabs.base) as http:
        by_card = await book(http, 1, SLOT, id_number=SAMPLE_CARD["id_number"], name=SAMPLE_CARD["name"])
        by_qr = await book(http, 2, SLOT)
    clock.set(SLOT - timedelta(minutes=10))
    async with running_agent(agent_settings(tabs.base, tmp_path / "agent", reader=reader_emulator.port)):
        kiosk = await tabs.open(ENTRANCE, KIOSK_SIZE)
        page = kiosk.page
        await page.wait_for_selector("body[data-live=online]")
        await page.locator("#btn-check-in").click()
        reader_emulator.place_card(SAMPLE_CARD)  # on the check-in screen: today's booking of the card's holder
        await expect(page.locator("#ticket-number")).to_have_text("B001")
        await expect(page.locator("#ticket-badge")).to_have_text("预约 · 10:00-10:30")
        await expect(page.locator("#ticket-check-in")).to_have_text("您已签到，预约时段 10:00 开始后优先叫号")
        await page.screenshot(path=artifacts / "kiosk-check-in-card-1080x1920.png")
        await page.locator("#ticket-done").click()

        reader_emulator.remove_card()
        await page.wait_for_timeout(300)  # the reader sees the field empty: the next card is a new read
        reader_emulator.place_card(SAMPLE_CARD)  # again, on the start screen: checked in already
        assert "这个预约已签到，您的号码是 B001" in await refusal(page)
        await expect(page.locator("#error-walk-in")).to_be_hidden()
        await page.locator("#error-ok").click()
        await page.locator("#identity-clear").click()
        reader_emulator.remove_card()
        await page.wait_for_timeout(300)
        reader_emulator.place_card(OTHER_CARD)  # no booking: the card is read for a walk-in ticket, as ever
        await expect(page.locator("#identity-name")).to_have_text("李*四")
        await page.wait_for_timeout(300)
        await expect(page.locator("#overlay-error")).to_be_hidden()
        await expect(page.locator("#screen-start")).to_be_visible()
        await page.locator("#identity-clear").click()

        # A person typing on a keyboard is no scanner, however long the text.
        await page.evaluate("document.activeElement.blur()")
        await page.keyboard.type(by_qr["qr_payload"][:12], delay=120)
        await page.keyboard.press("Enter")
        await page.wait_for_timeout(300)
        await expect(page.locator("#screen-start")).to_be_visible()
        await expect(page.locator("#overlay-busy")).to_be_hidden()
        # The scanner types the booking's link at once, then Enter, with no field focused.
        await page.keyboard.type(by_qr["qr_payload"])
        await page.keyboard.press("Enter")
        await expect(page.locator("#ticket-number")).to_have_text("B002")
        await expect(page.locator("#ticket-badge")).to_have_text("预约 · 10:00-10:30")
        kiosk.assert_clean()
    issued = await tickets(database_url)
    assert [(t["number"], t["priority"], t["appointment_code"], t["arrival_at"]) for t in issued] == [
        ("B001", "appointment", by_card["booking"]["number"], SLOT),
        ("B002", "appointment", by_qr["booking"]["number"], SLOT)]
    assert issued[0]["identity_masked"] == "1101**********002X"  # the card's holder, masked
