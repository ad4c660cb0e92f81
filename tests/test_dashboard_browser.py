"""The manager dashboard in a real browser: live zones and windows, 电子监察 cards, device alarms, refusals."""
from __future__ import annotations

import json
import re

import aiohttp
import pytest
from playwright.async_api import expect

from server.clock import ManualClock
from tests.agents import KIOSK_ID, KIOSK_TOKEN
from tests.browser_support import WALL, XSS, Tabs, assert_fits, sign_in
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
    + '#estimates-body td, #estimates-body th, .estimates thead th, .panel h3';
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
        await expect(row.locator("td")).to_have_text(["1", "0", "0", "0:00", "0:00", "20:00", "20:00"])
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
    await page.screenshot(path=artifacts / "dashboard-en-1920x1080.png", animations="disabled")
    assert await page.evaluate(OVERFLOWS) == []
    assert re.search(r"Devices? alarms?: 1", await page.locator("#alarms-title").text_content() or "")
    dashboard.assert_clean()
