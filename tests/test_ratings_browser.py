"""好差评 in Debian's Chromium: the window's tablet asks within a second of the console's finish, a bad
rating names its reasons, a second rating is refused in words, an unanswered one is 未评价 on the tablet
and on the server, and the ticket's phone rates too; the tablet at 1280×800 and 800×1280, the phone at
390×844."""
from __future__ import annotations

import time

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.browser_support import (
    CONSOLE_SIZE,
    PHONE_SIZE,
    WALL,
    Tabs,
    assert_fits,
    clerk_at,
    sign_in,
    sign_in_on_console,
)
from tests.support import KIOSK, Clerk
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}
TABLET = "/evaluator?token=demo-tablet-41"


async def issue(http: aiohttp.ClientSession, key: str) -> dict:
    body = {"service": "B01", "idempotency_key": key}
    return await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json=body), 201)


async def stored_ratings(database_url: str) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch("SELECT r.*, s.window_no AS stay_window, s.outcome FROM ratings r"
                               " JOIN servings s ON s.id = r.serving_id ORDER BY r.id")
    finally:
        await con.close()


async def assert_nothing_cut_off(page: Page) -> None:
    """The question and its countdown fit between the window's bar and the foot: nothing hides under them."""
    await assert_fits(page, ".ev-bar", ".ev-staff", "#rating-form", ".ev-countdown")
    main, countdown = [await page.locator(s).bounding_box() for s in (".ev-main", ".ev-countdown")]
    assert main and countdown and countdown["y"] + countdown["height"] <= main["y"] + main["height"] + 0.5


async def open_tablet(tabs: Tabs, size: dict[str, int]) -> Page:
    tab = await tabs.open(TABLET, size)
    await expect(tab.page.locator("body")).to_have_attribute("data-live", "online")
    return tab.page


async def test_the_tablet_asks_within_a_second_and_keeps_one_bad_rating_with_its_reasons(tabs: Tabs, database_url,
                                                                                        artifacts):
    async with aiohttp.ClientSession(tabs.base) as http:
        issued = await issue(http, "rating-browser-0001")
    tablet = await open_tablet(tabs, LANDSCAPE)
    await expect(tablet.locator("#window-number")).to_have_text("41 号窗口")
    await expect(tablet.locator("#staff-name")).to_have_text("暂无人员在岗")

    console = await tabs.open("/console", CONSOLE_SIZE)
    await sign_in_on_console(console, "zhangwei", 41)
    await expect(tablet.locator("#staff-name")).to_have_text("张伟")
    await expect(tablet.locator("#staff-no")).to_have_text("zhangwei")
    await console.page.locator("body").press("n")
    await expect(tablet.locator("#serving-service")).to_have_text("住房公积金提取")
    await expect(tablet.locator("#serving-number")).to_have_text("B001")
    await tablet.screenshot(path=artifacts / "tablet-serving-1280x800.png")

    pressed = time.monotonic()
    await console.page.locator("body").press("f")
    await expect(tablet.locator("#view-asking")).to_be_visible(timeout=1000)
    assert time.monotonic() - pressed < 1.0
    await expect(tablet.locator("#asking-service")).to_have_text("住房公积金提取")
    await expect(tablet.locator(".level")).to_have_count(5)
    await expect(tablet.locator("#countdown")).to_contain_text("秒后结束评价")
    await assert_nothing_cut_off(tablet)
    await tablet.screenshot(path=artifacts / "tablet-asking-1280x800.png")

    # The phone opens its form meanwhile; the tablet answers first.
    phone = await tabs.open(f"/t/{issued['status_token']}", PHONE_SIZE)
    await expect(phone.page.locator("#rate-box .level")).to_have_count(5)

    await tablet.locator(".level[data-level=dissatisfied]").click()
    await expect(tablet.locator("#rating-form")).to_have_attribute("data-step", "reasons")
    submit = tablet.locator("#rating-form .rate-submit")
    await expect(submit).to_be_disabled()  # a bad rating names its reasons first
    await tablet.locator(".reason[data-reason=wait]").click()
    await tablet.locator(".reason[data-reason=unclear]").click()
    await tablet.locator("#rating-form textarea").fill("材料清单没讲清楚")
    await assert_nothing_cut_off(tablet)
    await tablet.screenshot(path=artifacts / "tablet-reasons-1280x800.png")
    await submit.click()
    await expect(tablet.locator("#result-title")).to_have_text("感谢您的评价，我们会认真改进")

    [rating] = await stored_ratings(database_url)
    assert (rating["ticket_id"], rating["stay_window"], rating["outcome"]) == (issued["ticket"]["id"], 41, "done")
    assert (rating["staff_id"], rating["service"], rating["level"]) == ("zhangwei", "B01", "dissatisfied")
    assert rating["reasons"] == ["wait", "unclear"] and rating["comment"] == "材料清单没讲清楚"

    # The phone's answer comes second: refused, and said so in words.
    await phone.page.locator("#rate-box .level[data-level=very_satisfied]").click()
    await expect(phone.page.locator("#rate-message")).to_have_text("本次服务已评价，每次服务只能评价一次")
    assert len(await stored_ratings(database_url)) == 1
    assert "材料清单" not in await phone.page.content()  # the citizen's words are never shown in public

    dashboard = await tabs.open("/dashboard", WALL)
    await sign_in(dashboard.page, "wangfang")
    zone_b = dashboard.page.locator(".zone[data-zone=B] .z-rating")
    await expect(zone_b).to_have_text("满意率 0.0% · 评价 1 · 差评 1")
    await expect(dashboard.page.locator(".zone[data-zone=A] .z-rating")).to_have_text("今日暂无评价")
    await dashboard.page.screenshot(path=artifacts / "dashboard-zone-satisfaction.png")
    for tab in tabs.opened:
        tab.assert_clean()


async def test_unanswered_is_unrated_on_the_tablet_and_the_server_and_the_tablet_stands_upright(
        tabs: Tabs, live_server, clock, database_url, artifacts):
    async with aiohttp.ClientSession(tabs.base) as http:
        issued = await issue(http, "rating-browser-0002")
        clerk = await clerk_at(http, "zhangwei", 41)
        await clerk.call_next()
        await clerk.ticket_action(issued["ticket"]["id"], "finish")
        clock.advance(seconds=56)  # a tablet that starts now has 4 s of the minute left

        tablet = await open_tablet(tabs, PORTRAIT)
        await expect(tablet.locator("#view-asking")).to_be_visible()
        await expect(tablet.locator("#countdown")).to_have_text("4 秒后结束评价")
        await assert_nothing_cut_off(tablet)
        await tablet.screenshot(path=artifacts / "tablet-asking-800x1280.png")
        await tablet.locator(".level[data-level=very_dissatisfied]").click()
        await tablet.locator(".reason[data-reason=attitude]").click()
        await assert_nothing_cut_off(tablet)
        await tablet.screenshot(path=artifacts / "tablet-reasons-800x1280.png")

        await expect(tablet.locator("#result-title")).to_have_text("未评价", timeout=8000)
        await tablet.screenshot(path=artifacts / "tablet-unrated-800x1280.png")
        clock.advance(seconds=5)
        state = await expect_status(await http.get(f"/api/v1/public/tickets/{issued['status_token']}/rating"), 200)
        assert (state["status"], state["rating"]) == ("unrated", None)
        assert await stored_ratings(database_url) == []
        manager = await Clerk(http, "wangfang", 0).login()  # type: ignore[arg-type]
        [window] = (await manager.get("/api/v1/stats?by=window"))["groups"]
        assert window["ratings"] == {"valid": 0, "valid_rate": 0.0, "satisfaction": None, "bad": 0,
                                     "levels": dict.fromkeys(["very_satisfied", "satisfied", "basic", "dissatisfied",
                                                              "very_dissatisfied"], 0),
                                     "follow_up_due": 0, "follow_up_on_time": 0, "follow_up_rate": None}
    await expect(tablet.locator("#view-idle")).to_be_visible(timeout=8000)
    await tablet.locator("#lang").click()
    await expect(tablet.locator("#idle-title")).to_have_text("Welcome")
    await tablet.screenshot(path=artifacts / "tablet-idle-en-800x1280.png")
    tabs.opened[0].assert_clean()


async def test_the_phone_rates_its_finished_service_once(tabs: Tabs, database_url, artifacts):
    async with aiohttp.ClientSession(tabs.base) as http:
        issued = await issue(http, "rating-browser-0003")
        clerk = await clerk_at(http, "zhangwei", 41)
        await clerk.call_next()
        phone = await tabs.open(f"/t/{issued['status_token']}", PHONE_SIZE)
        page = phone.page
        await expect(page.locator("#phone-status")).to_have_text("请到 41 号窗口办理")
        await expect(page.locator("#phone-rate")).to_be_hidden()  # nothing to rate before the finish
        await clerk.ticket_action(issued["ticket"]["id"], "finish")

    await expect(page.locator("#phone-status")).to_have_text("已办结")
    await expect(page.locator("#rate-box .level")).to_have_count(5)
    await assert_fits(page, "#phone-ticket")
    await page.locator("#rate-box").scroll_into_view_if_needed()
    await assert_fits(page, "#rate-box")
    await page.screenshot(path=artifacts / "phone-rating-390x844.png", full_page=True)
    await page.locator("#rate-box .level[data-level=very_dissatisfied]").click()
    await page.locator("#rate-box .reason[data-reason=slow]").click()
    await page.locator("#rate-box textarea").fill("排了很久")
    await page.locator("#rate-box .rate-submit").scroll_into_view_if_needed()
    await assert_fits(page, "#rate-box .reasons", "#rate-box .rate-back", "#rate-box .rate-submit")
    await page.screenshot(path=artifacts / "phone-rating-reasons-390x844.png", full_page=True)
    await page.locator("#rate-box .rate-submit").click()
    await expect(page.locator("#rate-message")).to_have_text("您已评价：非常不满意，感谢您的参与")
    await expect(page.locator("#rate-box")).to_be_hidden()
    [rating] = await stored_ratings(database_url)
    assert (rating["channel"], rating["level"], rating["reasons"], rating["staff_id"]) == (
        "phone", "very_dissatisfied", ["slow"], "zhangwei")

    await page.reload()  # once rated, the page says so and asks no more
    await expect(page.locator("#rate-message")).to_have_text("您已评价：非常不满意，感谢您的参与")
    await page.locator("#lang").click()
    await expect(page.locator("#rate-message")).to_have_text("You rated this service: Very dissatisfied. Thank you")
    await page.screenshot(path=artifacts / "phone-rated-en-390x844.png", full_page=True)
    phone.assert_clean()
