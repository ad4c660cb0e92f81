"""The manager dashboard in a real browser: live zones and windows, 电子监察 cards, device alarms, refusals."""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta

import aiohttp
import pytest
from playwright.async_api import expect

from server.app import Settings
from server.clock import ManualClock
from tests.agents import KIOSK_ID, KIOSK_TOKEN
from tests.browser_support import CONSOLE_SIZE, WALL, XSS, Tabs, assert_fits, sign_in
from tests.conftest import SHANGHAI
from tests.support import KIOSK, PASSWORD
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser

# Text that must show whole (numbers, tickets, figures) and boxes that must sit inside their parents.
# The page may scroll down (its sections one below the other), never sideways.
OVERFLOWS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > innerWidth) problems.push(`page is ${root.scrollWidth}px wide`);
  const shown = (node) => node.offsetParent !== null;
  const name = (node) => `${node.className}: ${node.textContent.trim()}`;
  const whole = '.w-no, .w-ticket, .z-code, .z-wait, .z-longest, .z-windows, .z-card, .z-alarm, .totals > div, '
    + '.hall-clock, .alarms-title, .alarm, .w-group-head, #stats-body td, #stats-body th, .r-rank, .r-figures, '
    + '#estimates-body td, #estimates-body th, .estimates thead th, .panel h3, '
    + '#staffing-body td, #staffing-body th, #staffing-head th';
  for (const node of document.querySelectorAll(whole)) {
    if (shown(node) && node.scrollWidth > node.clientWidth + 1) problems.push(`cut: ${name(node)}`);
  }
  const boxes = '.top > *, .board > *, .alarm-rows > *, .lower > *, .side > *, .panel > *, .zone > *, .w > *, '
    + '.alarms > *, .w-group > *';
  for (const node of document.querySelectorAll(boxes)) {
    if (!shown(node)) continue;
    const box = node.getBoundingClientRect(), outer = node.parentElement.getBoundingClientRect();
    if (box.bottom > outer.bottom + 1 || box.right > outer.right + 1) problems.push(`outside: ${name(node)}`);
  }
  return problems;
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The hall as shipped, but its devices unheard for longer than this test plays: its kiosk-a has no
    agent and its screens are not switched on (their alarms: tests/test_device_admin.py)."""
    hall = settings.halls["city"]
    quiet = dataclasses.replace(hall, alarms=dataclasses.replace(hall.alarms, device_silent=timedelta(days=1)))
    return dataclasses.replace(settings, halls={"city": quiet})


async def staff_headers(http: aiohttp.ClientSession, staff_id: str, window: int) -> dict[str, str]:
    login = await expect_status(await http.post("/api/v1/staff/login", json={
        "hall": "city", "staff_id": staff_id, "password": PASSWORD}), 200)
    headers = {"Authorization": f"Bearer {login['token']}"}
    await expect_status(await http.post(f"/api/v1/windows/{window}/sign-in", headers=headers, json={}), 200)
    return headers


async def agent_says(agent: aiohttp.ClientWebSocketResponse, message: dict) -> None:
    await agent.send_str(json.dumps(message))


async def test_dashboard_follows_the_hall_live(tabs: Tabs, clock: ManualClock, artifacts):
    dashboard = await tabs.open("/dashboard", WALL)
    page = dashboard.page
    banner = page.locator("#banner")

    await sign_in(page, "zhangwei")  # a window clerk is refused, in words
    await expect(banner).to_contain_text("张伟（zhangwei）是窗口工作人员，没有管理权限")
    await expect(page.locator("#view-board")).to_be_hidden()
    await sign_in(page, "wangfang")
    await expect(page.locator("#view-board")).to_be_visible()
    await expect(banner).to_be_hidden()
    await expect(page.locator("#who")).to_have_text("王芳（wangfang）")
    await page.reload()  # the session survives a reload
    await expect(page.locator("#view-board")).to_be_visible()

    zone = page.locator('.zone[data-zone="B"]')
    w41, w42 = page.locator('.w[data-window="41"]'), page.locator('.w[data-window="42"]')
    await expect(page.locator(".w")).to_have_count(192)
    await expect(zone.locator(".z-wait")).to_have_text("0")
    await expect(w41).to_have_class("w closed")

    async with aiohttp.ClientSession(tabs.base) as http:
        async with http.get("/") as index:
            assert 'href="/dashboard"' in await index.text()
        clerk = await staff_headers(http, "zhangwei", 41)
        await expect(w41).to_have_class("w idle")
        await expect(w41.locator(".w-staff")).to_have_text("zhangwei")
        for n in (1, 2):
            await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json={
                "service": "B01", "idempotency_key": f"dashboard-{n:04d}"}), 201)
        await expect(zone.locator(".z-wait")).to_have_text("2")
        await expect(zone.locator(".z-windows")).to_have_attribute("title", "窗口：开放 1（空闲 1），暂停 0，未开放 7")

        called = await expect_status(await http.post("/api/v1/windows/41/call-next", headers=clerk), 200)
        ticket = called["ticket"]["id"]
        await expect(w41.locator(".w-ticket")).to_have_text("B001")
        await expect(w41).to_have_class("w called")
        await expect(zone.locator(".z-wait")).to_have_text("1")
        await expect(zone).to_have_attribute("data-card", "")

        # 电子监察: B002 has waited past the yellow limit (20 min), then past the red one (40 min).
        clock.advance(minutes=21)
        await expect_status(await http.post(f"/api/v1/tickets/{ticket}/start", headers=clerk), 200)
        await expect(w41).to_have_class("w serving")
        await expect(zone).to_have_attribute("data-card", "yellow")
        await expect(zone.locator(".z-card")).to_have_text("黄牌")
        await expect(zone.locator(".z-longest")).to_contain_text("最长等候 21:")
        clock.advance(minutes=20)
        await expect_status(await http.post(f"/api/v1/tickets/{ticket}/finish", headers=clerk), 200)
        await expect(w41).to_have_class("w idle")
        await expect(zone).to_have_attribute("data-card", "red")
        await expect(zone.locator(".z-card")).to_have_text("红牌")

        colleague = await staff_headers(http, "liyang", 42)
        await expect_status(await http.post("/api/v1/windows/42/pause", headers=colleague,
                                            json={"reason": "meal", "message": "十分钟",
                                                                              "note": "staff-only"}), 200)
        await expect(w42).to_have_class("w paused")
        await expect(w42.locator(".w-note")).to_have_text("用餐：十分钟")
        await expect_status(await http.post("/api/v1/windows/41/pause", headers=clerk,
                                            json={"reason": "other", "message": XSS}), 200)
        await expect(w41.locator(".w-note")).to_have_text(f"其他：{XSS}")
        await expect(zone.locator(".z-windows")).to_have_text("开 0闲 0停 2关 6")
        assert await page.locator("img").count() == 0

        await page.locator("#btn-refresh").click()
        row = page.locator('#stats-body tr[data-window="41"]')
        await expect(row.locator("td")).to_have_text(["1", "0", "0", "—", "0:00", "0:00", "20:00", "20:00"])
        await expect(page.locator("#ranking li").first).to_have_attribute("data-window", "41")
        await expect(page.locator("#ranking li").first).to_contain_text("办结 1")

        # A kiosk's device agent reports its printer out of paper: the alarm shows until it is cleared.
        await expect(page.locator("#alarms")).to_have_class("alarms ok")
        agent = await http.ws_connect("/api/v1/agent", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"})
        try:
            await agent_says(agent, {"type": "hello", "agent": "test", "reader": "ok", "printer": "ok"})
            assert (await agent.receive_json(timeout=5))["type"] == "welcome"
            await agent_says(agent, {"type": "status", "reader": "ok", "printer": "paper_out"})
            alarm = page.locator(f'#alarm-list li[data-device="{KIOSK_ID}"][data-code="printer_paper_out"]')
            await expect(alarm).to_contain_text("打印机缺纸")
            await expect(page.locator("#alarms")).to_have_class("alarms red")
            await expect(page.locator("#alarms-title")).to_have_text("设备告警 1")

            await page.evaluate("() => document.fonts.ready")
            await page.evaluate("() => scrollTo(0, 0)")  # the refresh button sits lower down
            await page.screenshot(path=artifacts / "dashboard-1920x1080.png", animations="disabled", full_page=True)
            assert await page.evaluate(OVERFLOWS) == []
            await assert_fits(page, ".top", "#trouble", "#alarms", "#zones")

            await agent_says(agent, {"type": "status", "reader": "ok", "printer": "ok"})
            await expect(page.locator("#alarms")).to_have_class("alarms ok")
            await expect(page.locator("#alarm-list li")).to_have_count(0)
        finally:
            await agent.close()
        await expect(page.locator('#alarm-list li[data-code="agent_offline"]')).to_contain_text("设备离线")

    await page.locator("#lang").click()
    await expect(page.locator("h1")).to_have_text("Hall dashboard")
    await expect(zone.locator(".z-card")).to_have_text("Red")
    await expect(w42.locator(".w-ticket")).to_have_text("paused")
    for updated in ("#charts-updated", "#bookings-updated", "#stats-updated"):  # said again in English
        await expect(page.locator(updated)).to_have_text(re.compile(r"^updated \d\d:\d\d"))
    await page.screenshot(path=artifacts / "dashboard-en-1920x1080.png", animations="disabled")
    assert await page.evaluate(OVERFLOWS) == []
    assert re.search(r"Devices? alarms?: 1", await page.locator("#alarms-title").text_content() or "")
    dashboard.assert_clean()


# Tickets an hour a week ago, per zone, from 09:00 to 16:00: a morning peak in zones A and F.
LAST_MONDAY_TICKETS = {"A": (4, 14, 10, 6, 5, 6, 5, 3), "B": (3, 6, 4, 2, 2, 3, 3, 2), "C": (2, 3, 3, 1, 1, 2, 2, 1),
                       "F": (3, 9, 8, 4, 3, 4, 4, 2), "J": (1, 2, 2, 1, 0, 1, 1, 1)}


async def script_last_monday(http: aiohttp.ClientSession, clock: ManualClock, city) -> None:
    """Monday a week ago: window 1 (zone A) open 09:00-12:00; LAST_MONDAY_TICKETS, spread over each hour."""
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI))
    clerk = await staff_headers(http, "liyang", 1)
    for index, hour in enumerate(range(9, 17)):
        tickets = [zone for zone, counts in LAST_MONDAY_TICKETS.items() for _ in range(counts[index])]
        for n, zone in enumerate(tickets):
            clock.set(datetime(2026, 11, 16, hour, n * 60 // len(tickets), tzinfo=SHANGHAI))
            await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json={
                "service": city.services_in(zone)[0].code, "idempotency_key": f"last-week-{hour}-{n:03d}"}), 201)
        if hour == 12:
            await expect_status(await http.post("/api/v1/windows/1/sign-out", headers=clerk, json={}), 200)


async def test_dashboard_advises_the_windows_each_zone_needs_each_hour(tabs: Tabs, clock: ManualClock, artifacts,
                                                                      city):
    async with aiohttp.ClientSession(tabs.base) as http:
        await script_last_monday(http, clock, city)
        clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))
        for staff_id, window in (("liyang", 1), ("zhaolei", 42)):
            await staff_headers(http, staff_id, window)
        clock.set(datetime(2026, 11, 23, 10, 30, tzinfo=SHANGHAI))
        await staff_headers(http, "zhangwei", 2)  # zone A, from 10:30
        boss = await expect_status(await http.post("/api/v1/staff/login", json={
            "hall": "city", "staff_id": "wangfang", "password": PASSWORD}), 200)
        advice = await expect_status(await http.get("/api/v1/staffing?day=2026-11-23", headers={
            "Authorization": f"Bearer {boss['token']}"}), 200)
    assert advice["forecast"]["source"] == "history"

    dashboard = await tabs.open("/dashboard", CONSOLE_SIZE)
    page = dashboard.page
    await sign_in(page, "wangfang")
    panel = page.locator("#staffing")
    await expect(panel.locator("#staffing-target")).to_have_text("目标：90% 在 20 分钟内叫号")
    await expect(panel.locator("#staffing-source")).to_have_text("依据：近1周同日取号")
    await expect(panel.locator("#staffing-head th")).to_have_text(["", *[f"{h}时" for h in range(9, 17)]])
    # The grid says what the API says: needed/open for each zone and hour, "+" where not enough.
    for code in "AB":
        cells = [r for r in advice["rows"] if r["zone"] == code]
        texts = [f"{r['needed']}{'' if r['enough'] else '+'}/{'—' if r['open'] is None else format(r['open'], 'g')}"
                 for r in cells]
        await expect(panel.locator(f'#staffing-body tr[data-zone="{code}"] td')).to_have_text(texts)
    ten_a = next(r for r in advice["rows"] if (r["zone"], r["hour"]) == ("A", 10))
    assert ten_a["needed"] > 1 and ten_a["open"] == 1.0  # window 1 all the hour so far (10:00-10:30)
    cell = panel.locator('#staffing-body tr[data-zone="A"] td[data-hour="10"]')
    await expect(cell).to_have_class("short")
    await expect(cell).to_have_attribute("title", re.compile(r"^A区 10时：预计 14\.0 人，需要 \d+ 个窗口.*实际开放 1$"))
    await expect(panel.locator('#staffing-body tr[data-zone="A"] td[data-hour="11"]')).to_contain_text("/2")
    eleven_b = panel.locator('#staffing-body tr[data-zone="B"] td[data-hour="11"]')
    await expect(eleven_b).to_have_attribute("title", re.compile(r"当前在岗 1$"))
    await expect(panel.locator('#staffing-body tr[data-zone="*"] th')).to_have_text("无差别")
    await expect(panel.locator("#staffing-body tr")).to_have_count(11)

    await page.evaluate("() => document.fonts.ready")
    await panel.scroll_into_view_if_needed()
    await page.screenshot(path=artifacts / "dashboard-staffing-1366x768.png", animations="disabled")
    assert await page.evaluate(OVERFLOWS) == []
    await page.set_viewport_size(WALL)
    await panel.scroll_into_view_if_needed()
    await page.screenshot(path=artifacts / "dashboard-staffing-1920x1080.png", animations="disabled")
    assert await page.evaluate(OVERFLOWS) == []

    await page.locator("#lang").click()
    await expect(panel.locator("h3 > span").first).to_have_text("Staffing advice")
    await expect(panel.locator("#staffing-target")).to_have_text("Target: 90% called within 20 min")
    await expect(panel.locator("#staffing-head th").nth(2)).to_have_text("10:00")
    await expect(panel.locator('#staffing-body tr[data-zone="*"] th')).to_have_text("Universal")
    await panel.scroll_into_view_if_needed()
    await page.screenshot(path=artifacts / "dashboard-staffing-en-1920x1080.png", animations="disabled")
    assert await page.evaluate(OVERFLOWS) == []
    dashboard.assert_clean()

