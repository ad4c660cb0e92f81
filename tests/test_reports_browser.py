"""The reports in real Chromium: the public 周公示 on a 1920×1080 lobby screen, and the manager's
月通报 of two halls on screen and printed to A4 PDF."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import expect

from server.app import Settings, create_app
from server.clock import ManualClock
from server.config import DEFAULT_CONFIG_DIR, load_hall
from tests.browser_support import CONSOLE_SIZE, WALL, Tabs, assert_fits, base_url, hall_api, sign_in
from tests.reports_support import DISTRICT_KIOSK, READ_AT, Script
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser


@pytest.fixture
async def county(database_url, aiohttp_server, browser) -> AsyncIterator[tuple[Tabs, ManualClock, Any]]:
    """The scripted quarter on a live server, then a morning's services at district windows 1-3."""
    clock = ManualClock(READ_AT)
    halls = {name: load_hall(DEFAULT_CONFIG_DIR / f"{name}.toml") for name in ("district", "township")}
    server = await aiohttp_server(create_app(Settings(halls=halls, database_url=database_url,
                                                      identity_key=b"k" * 32, clock=clock, pool_size=5)))
    async with hall_api(server) as session:
        script = Script(session, clock)
        await script.run()
        await serve_a_morning(script, session, clock)
    tabs = Tabs(browser, base_url(server))
    yield tabs, clock, server
    await tabs.close()


# Window, service and handling minutes of each ticket served on 5 January 2027, and its rating.
MORNING = [(1, "A01", 8, "very_satisfied"), (2, "A02", 20, "satisfied"), (3, "A03", 5, "very_satisfied"),
           (1, "A02", 12, "very_satisfied"), (2, "A01", 9, "basic"), (3, "A03", 4, "satisfied")]


async def serve_a_morning(script: Script, session: Any, clock: ManualClock) -> None:
    moment = READ_AT
    desks = {n: await script.desk("district", n, moment) for n in (1, 2, 3)}
    for k, (window, service, minutes, level) in enumerate(MORNING):
        clerk = desks[window]
        clock.set(moment)
        issued = await expect_status(await session.post("/api/v1/tickets", headers=DISTRICT_KIOSK, json={
            "service": service, "idempotency_key": f"morning-{k}"}), 201)
        ticket = issued["ticket"]
        moment += timedelta(minutes=1)
        clock.set(moment)
        await clerk.window_action("call", number=ticket["number"])
        await clerk.ticket_action(ticket["id"], "start")
        moment += timedelta(minutes=minutes)
        clock.set(moment)
        await clerk.ticket_action(ticket["id"], "finish")
        await expect_status(await session.post(f"/api/v1/public/tickets/{issued['status_token']}/rating",
                                               json={"level": level}), 201)


async def test_the_weekly_ranking_on_a_lobby_screen(county, artifacts):
    tabs, _clock, _server = county
    tab = await tabs.open("/weekly?hall=district&period=2027-W01", WALL)
    page = tab.page
    rows = page.locator("#windows tbody tr")
    await expect(rows).to_have_count(3)
    await expect(page.locator("#hall-name")).to_have_text("许昌市魏都区便民服务大厅")
    await expect(page.locator("#span")).to_have_text("2027-W01（2027-01-04 至 2027-01-10）")
    # window 3: both 非常满意/满意 -> 100%; window 1 100% too but slower against its services' typical time
    first = await rows.nth(0).locator("td").all_inner_texts()
    assert first[:3] == ["1", "3", "区食药监分局"] and "100.0%" in first
    headers = await page.locator("#windows thead th").all_inner_texts()
    assert "大厅" not in headers and "满意率" in headers
    body = await page.locator("body").inner_text()
    assert not re.search(r"孙丽|周杰|吴敏|sunli|zhoujie|wumin", body)  # nothing personal
    await assert_fits(page, ".board-head", "#windows", "#units")
    await page.screenshot(path=str(artifacts / "reports-weekly-1920x1080.png"))
    await page.locator("#lang").click()
    await expect(page.locator("#windows thead th").nth(1)).to_have_text("Window")
    await page.screenshot(path=str(artifacts / "reports-weekly-1920x1080-en.png"))
    tab.assert_clean()


async def test_a_lobby_screen_turns_the_pages_of_a_ranking_longer_than_it(county):
    """A screen shows the rows that fit and turns the page every 15 seconds; ?all=1 shows every row."""
    tabs, _clock, _server = county
    tab = await tabs.open("/weekly?hall=district&period=2027-W01", {"width": 1200, "height": 330},
                          setup=lambda page: page.clock.install())
    page = tab.page
    rows = page.locator("#windows tbody tr")
    await expect(rows).to_have_count(3)
    await expect(page.locator("#windows-page")).to_have_text(re.compile(r"^第 1/[23] 页$"))
    first_page = await rows.locator("visible=true").all_inner_texts()
    assert 1 <= len(first_page) < 3 and first_page[0].startswith("1")
    await assert_fits(page, ".board-head", "#windows", "#units")
    await page.clock.run_for(15_000)
    await expect(page.locator("#windows-page")).to_have_text(re.compile(r"^第 2/[23] 页$"))
    assert (await rows.locator("visible=true").all_inner_texts())[0] != first_page[0]

    await page.goto(f"{tabs.base}/weekly?hall=district&period=2027-W01&all=1")
    await expect(rows.locator("visible=true")).to_have_count(3)
    await expect(page.locator("#windows-page")).to_have_text("")
    tab.assert_clean()


async def test_the_monthly_report_of_two_halls_on_screen_and_on_a4(county, artifacts):
    tabs, _clock, _server = county
    tab = await tabs.open("/reports", CONSOLE_SIZE)
    page = tab.page
    await page.locator("#login-hall").select_option("district")
    await sign_in(page, "wumin")
    await expect(page.locator("#view-report")).to_be_visible()
    await page.locator("#halls input[value=township]").check()
    await page.locator("#period").fill("2026-11")
    await page.locator("#pick button[type=submit]").click()
    await expect(page.locator("#report-title")).to_have_text("2026-11 月通报")
    await expect(page.locator(".report-table")).to_have_count(4)
    points = page.locator(".report-table").first.locator("tbody tr")
    await expect(points).to_have_count(5)
    first = await points.nth(0).locator("td").all_inner_texts()
    assert first[:5] == ["许昌市魏都区便民服务大厅", "1", "区工商分局", "1", "101.70"]
    await expect(page.locator(".note-bottom li")).to_have_text(["濮阳县柳屯镇政务服务中心 3 号窗口：65.00 分"])
    await expect(page.locator(".note-redFlags li")).to_have_count(3)
    await page.screenshot(path=str(artifacts / "reports-monthly-1366x768.png"), full_page=True)
    await page.locator("#lang").click()
    await expect(page.locator("#report-title")).to_have_text("Monthly report 2026-11")
    await expect(page.locator(".report-table").first.locator("thead th").nth(4)).to_have_text("Points")
    await page.locator("#lang").click()
    pdf = await page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 4  # a table a page
    (artifacts / "reports-monthly-a4.pdf").write_bytes(pdf)
    await page.emulate_media(media="print")
    await page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    await page.screenshot(path=str(artifacts / "reports-monthly-a4-print.png"))
    tab.assert_clean()
