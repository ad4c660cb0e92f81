"""The kiosk as a 70-year-old meets it, in a real browser against a real server: a common matter in
one tap, a search by pinyin initials, a zone kiosk without the zone step, Back and Home at the foot,
a cue under a list that goes on, names that never break inside a word, the windows by floor and
zone on screen and on paper, and a closed screen that says when ticketing opens again."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from printers.emulator import PrinterEmulator
from tests.agents import agent_settings, running_agent
from tests.browser_support import KIOSK_SIZE, WALL, Tabs, assert_fits, english_words
from tests.conftest import MONDAY_10AM

pytestmark = pytest.mark.browser

ENTRANCE = "/kiosk?token=demo-kiosk-entrance"
TABLET = {"width": 768, "height": 1366}
HOURS = "办公时间：周一至周五 09:00-12:00 13:00-17:00 （午间不间断）"
HALL_WORDS = frozenset({"IC"})  # 公交IC卡: a name the hall gives, not English on the page

# The words of the reference hall's zone names, as a reader of Chinese cuts them.
ZONE_WORDS = {
    "A": ["不动产", "登记", "综合", "受理区"],
    "B": ["公积金", "综合", "受理区"],
    "C": ["人力资源", "社保", "综合", "受理区"],
    "D": ["医保", "综合", "受理区"],
    "E": ["365", "服务区"],
    "F": ["公安", "业务", "综合", "受理区"],
    "G": ["税务", "综合", "受理区"],
    "H": ["企业", "设立", "专区"],
    "I": ["工程", "建设", "项目", "综合", "受理区"],
    "J": ["社会", "事务", "综合", "受理区"],
}

# For each word of a box's text, the line boxes its characters lie on (by their tops).
LINES_OF_WORDS = """([box, words]) => {
  const tops = [];
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      tops.push(Math.round(range.getClientRects()[0].top));
    }
  }
  const text = box.textContent;
  return {lines: new Set(tops).size, words: Object.fromEntries(words.map((word) => {
    const at = text.indexOf(word);
    return [word, at < 0 ? -1 : new Set(tops.slice(at, at + word.length)).size];
  }))};
}"""


async def lines_of_words(page: Page, selector: str, words: list[str]) -> dict[str, Any]:
    box = await page.locator(selector).element_handle()
    return await page.evaluate(LINES_OF_WORDS, [box, words])


@pytest.fixture
async def printer_emulator(tmp_path: Path) -> AsyncIterator[PrinterEmulator]:
    async with PrinterEmulator(tmp_path / "printer") as emulator:
        yield emulator


async def assert_at_the_foot(page: Page) -> None:
    """Back and Home in the bottom fifth of the screen, where a seated or short person reaches."""
    box = await page.evaluate("""() => {
        const r = (id) => document.getElementById(id).getBoundingClientRect();
        return {back: r("nav-back").top, home: r("nav-home").top, bottom: Math.max(r("nav-back").bottom,
                r("nav-home").bottom), height: innerHeight};
    }""")
    assert min(box["back"], box["home"]) > box["height"] * 0.8, box
    assert box["bottom"] <= box["height"], box


async def test_a_common_service_is_one_tap_from_the_start_to_a_ticket_on_screen_and_paper(
        tabs: Tabs, artifacts: Path, live_server: Any, printer_emulator: PrinterEmulator, tmp_path: Path):
    settings = agent_settings(tabs.base, tmp_path / "agent", printer=str(printer_emulator.link))
    async with running_agent(settings):
        kiosk = await tabs.open(ENTRANCE, KIOSK_SIZE)
        page = kiosk.page
        await expect(page.locator("#common .common-card")).to_have_count(8)
        common = page.locator('#common [data-service="B01"]')
        await expect(common).to_contain_text("住房公积金提取")
        await expect(common).to_contain_text("一楼 B区 · 暂无开放窗口")  # no window is signed in
        assert await english_words(page, HALL_WORDS) == []
        await assert_fits(page, "#common", "#zones", '.zone-card[data-zone="J"]', "#priority-row")
        await page.screenshot(path=artifacts / "kiosk-elderly-start-1080x1920.png")

        await common.click()  # the one tap
        await expect(page.locator("#ticket-number")).to_have_text("B001")
        await expect(page.locator("#ticket-service")).to_have_text("住房公积金提取")
        await expect(page.locator("#ticket-windows .group")).to_have_text(["一楼 B区 8个窗口", "一楼 综合窗口 8个"])
        assert await english_words(page, HALL_WORDS) == []
        await page.screenshot(path=artifacts / "kiosk-elderly-ticket-1080x1920.png")
        printout = await printer_emulator.wait_for_cuts(1, timeout=10)
        assert "办理窗口：1楼 B区 8个窗口、1楼 综合窗口 8个" in "".join(printout.text_lines)
        assert "号窗口" not in "".join(printout.text_lines)  # no run of window numbers
        kiosk.assert_clean()


async def test_pinyin_initials_find_the_real_estate_services_and_lists_say_they_go_on(tabs: Tabs, artifacts: Path):
    kiosk = await tabs.open(ENTRANCE, KIOSK_SIZE)
    page = kiosk.page
    await page.locator("#search-open").click()
    await expect(page.locator("#nav")).to_be_visible()
    await assert_at_the_foot(page)
    for key in "bdc":
        await page.locator(f'#keyboard [data-key="{key}"]').click()
    await expect(page.locator("#search-input")).to_have_value("bdc")
    results = page.locator("#search-results .service-name")
    await expect(results).to_have_count(4)
    assert all(name.startswith("不动产") for name in await results.all_text_contents())
    await expect(page.locator("#search-status")).to_have_text("找到 4 项，点一下即取号")
    assert await english_words(page, HALL_WORDS) == []
    await page.screenshot(path=artifacts / "kiosk-elderly-search-1080x1920.png")

    await page.locator('#keyboard [data-key="back"]').click()
    await page.locator('#keyboard [data-key="q"]').click()
    await expect(page.locator("#search-status")).to_have_text("没有找到，请少按几个字母，或返回按区域选择")
    await page.locator("#search-input").fill("budongchandiya")  # full pinyin, from a keyboard
    await expect(results).to_have_text(["不动产抵押权登记"])
    await page.locator("#search-input").fill("公积金")  # Chinese, from a keyboard or a scanner
    await expect(results).to_have_count(4)

    await page.locator("#nav-home").click()
    await page.locator('.zone-card[data-zone="J"]').click()  # ten services: more than a screen
    cue = page.locator("#services-cue")
    await expect(cue).to_have_text("下面还有 1 项 ▼ 点此查看")
    await assert_at_the_foot(page)
    await page.screenshot(path=artifacts / "kiosk-elderly-zone-j-1080x1920.png")
    await cue.click()
    await expect(cue).to_be_hidden()
    await assert_fits(page, '.service-card[data-service="J10"]', "#nav-back")
    await page.locator("#nav-back").click()
    await expect(page.locator("#screen-start")).to_be_visible()

    await page.set_viewport_size(WALL)  # the kiosk lying down
    await page.locator("#search-open").click()
    for key in "gjj":
        await page.locator(f'#keyboard [data-key="{key}"]').click()
    await expect(results).to_have_count(4)
    await assert_fits(page, "#keyboard", "#search-results", "#nav-home")
    await page.screenshot(path=artifacts / "kiosk-elderly-search-1920x1080.png")
    await page.locator('#search-results [data-service="B04"]').click()
    await expect(page.locator("#ticket-number")).to_have_text("B001")
    await assert_fits(page, "#ticket-number", ".facts", ".qr-box", "#ticket-done")
    await page.screenshot(path=artifacts / "kiosk-elderly-ticket-1920x1080.png")
    kiosk.assert_clean()


async def test_no_zone_name_breaks_inside_a_word(tabs: Tabs, artifacts: Path):
    kiosk = await tabs.open(ENTRANCE, KIOSK_SIZE)
    page = kiosk.page
    await expect(page.locator(".zone-card")).to_have_count(10)
    for size in (KIOSK_SIZE, WALL, TABLET):
        await page.set_viewport_size(size)
        await page.wait_for_timeout(100)
        lines = {}
        for zone, words in ZONE_WORDS.items():
            measured = await lines_of_words(page, f'.zone-card[data-zone="{zone}"] .zone-name', words)
            assert measured["words"] == dict.fromkeys(words, 1), (size, zone, measured)
            lines[zone] = measured["lines"]
        assert lines["C"] == 2, (size, lines)  # the long names do wrap: between words
    await page.screenshot(path=artifacts / "kiosk-elderly-start-768x1366.png")
    await page.set_viewport_size(WALL)
    await page.screenshot(path=artifacts / "kiosk-elderly-start-1920x1080.png")
    kiosk.assert_clean()


async def test_a_zone_kiosk_opens_on_its_zones_services(tabs: Tabs, artifacts: Path):
    kiosk = await tabs.open("/kiosk?token=demo-kiosk-a", KIOSK_SIZE)
    page = kiosk.page
    await expect(page.locator("#zones-title")).to_have_text("不动产登记综合受理区")
    await expect(page.locator("#home-services .service-card")).to_have_count(7)
    await expect(page.locator(".zone-card")).to_have_count(0)
    await expect(page.locator("#common-block")).to_be_hidden()
    await expect(page.locator("#nav")).to_be_hidden()
    await assert_fits(page, '#home-services [data-service="A07"]', "#btn-green")
    await page.screenshot(path=artifacts / "kiosk-elderly-zone-kiosk-1080x1920.png")
    await page.locator('#home-services [data-service="A05"]').click()
    await expect(page.locator("#ticket-windows .group")).to_have_text(["一楼 A区 31个窗口", "一楼 综合窗口 8个"])

    await page.locator("#ticket-done").click()
    await page.locator("#btn-green").click()  # the green channel: the zone's services, nothing else
    await expect(page.locator("#mode-text")).to_have_text("绿色通道取号 · 请选择要办理的事项")
    await expect(page.locator("#priority-row")).to_be_hidden()
    await page.screenshot(path=artifacts / "kiosk-elderly-green-1080x1920.png")
    await page.locator('#home-services [data-service="A02"]').click()
    await expect(page.locator("#ticket-badge")).to_have_text("绿色通道 · 优先办理")
    kiosk.assert_clean()


@pytest.mark.parametrize(("at", "title", "next_open"), [
    (MONDAY_10AM.replace(hour=17, minute=30), "今日取号已结束", "明天 09:00 开始取号"),
    (MONDAY_10AM.replace(hour=7), "现在暂停取号", "今天 09:00 开始取号"),
    (MONDAY_10AM.replace(day=28, hour=10), "今天不办公，暂停取号", "11月30日周一 09:00 开始取号"),
])
async def test_the_closed_screen_says_when_ticketing_opens_on_the_halls_clock(tabs: Tabs, clock, artifacts: Path,
                                                                             at, title, next_open):
    clock.set(at)
    kiosk = await tabs.open(ENTRANCE, KIOSK_SIZE, timezone_id="UTC")  # a device on UTC: hall time all the same
    page = kiosk.page
    await expect(page.locator("#screen-closed")).to_be_visible()
    await expect(page.locator("#closed-title")).to_have_text(title)
    await expect(page.locator("#closed-next")).to_have_text(next_open)
    await expect(page.locator("#clock-time")).to_have_text(at.strftime("%H:%M"))
    await expect(page.locator("#closed-hours")).to_have_text(HOURS)
    ranges = await page.locator("#closed-hours .range").evaluate_all(
        "spans => spans.map((span) => span.getClientRects().length)")
    assert ranges == [1, 1, 1]  # "09:00-12:00" never over two lines
    assert await english_words(page) == []
    await page.screenshot(path=artifacts / f"kiosk-elderly-closed-{at:%a-%H%M}-1080x1920.png")
    await page.locator("#lang").click()
    await expect(page.locator("#closed-next")).to_contain_text("Tickets again")
    await expect(page.locator("#closed-next")).to_contain_text("09:00")
    kiosk.assert_clean()
