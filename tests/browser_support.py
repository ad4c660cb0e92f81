"""What the browser tests share: pages that record script errors, screen sizes, sign-in steps,
layout checks and the hall API as the pages' neighbours use it. Fixtures built on it are in conftest."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from playwright.async_api import Browser, Page, expect

from tests.support import PASSWORD, Clerk

KIOSK_SIZE = {"width": 1080, "height": 1920}
CONSOLE_SIZE = {"width": 1366, "height": 768}
PHONE_SIZE = {"width": 390, "height": 844}
WALL = {"width": 1920, "height": 1080}
XSS = "<img src=x onerror=alert(1)>"

HALL_SCREEN = "demo-screen-hall"
ZONE_SCREEN = "demo-screen-a"  # zone A
WINDOW_SIGN = "demo-sign-15"


class Tab:
    """A page that records what must never happen: script errors and dialogs (alert() from injected markup)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs


def base_url(live_server: Any) -> str:
    return str(live_server.make_url("/")).rstrip("/")


class Tabs:
    """Pages on the live server, all closed before the server stops (their live sockets would hold it up)."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.opened: list[Tab] = []

    async def open(self, path: str, viewport: dict[str, int], setup: Any = None,
                   timezone_id: str = "Asia/Shanghai") -> Tab:
        page = await self.browser.new_page(viewport=viewport, locale="zh-CN", timezone_id=timezone_id)
        tab = Tab(page)
        self.opened.append(tab)
        if setup:
            await setup(page)
        await page.goto(self.base + path)
        return tab

    async def close(self) -> None:
        for tab in self.opened:
            await tab.page.close()


async def until(condition: Callable[[], bool], seconds: float = 5) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def assert_fits(page: Page, *selectors: str) -> None:
    """Nothing wider than the screen, and each named box wholly on screen with its text inside it."""
    size = await page.evaluate("() => [document.documentElement.scrollWidth, innerWidth, innerHeight]")
    assert size[0] <= size[1], f"page is {size[0]} px wide on a {size[1]} px screen"
    boxes = await page.evaluate(
        """(selectors) => selectors.map((selector) => {
            const node = document.querySelector(selector);
            if (!node) return {selector, missing: true};
            const r = node.getBoundingClientRect();
            return {selector, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                    scroll: node.scrollWidth, client: node.clientWidth};
        })""",
        list(selectors),
    )
    for box in boxes:
        assert not box.get("missing"), f"{box['selector']} not found"
        where = f"{box['selector']}: {box}"
        assert box["left"] >= 0 and box["top"] >= 0, where
        assert box["right"] <= size[1] + 0.5 and box["bottom"] <= size[2] + 0.5, where
        assert box["scroll"] <= box["client"] + 1, f"text overflows {where}"


async def sign_in(page: Page, staff_id: str) -> None:
    """The staff pages' sign-in form, with the demo password."""
    await page.locator("#login-staff").fill(staff_id)
    await page.locator("#login-password").fill(PASSWORD)
    await page.locator("#login-form button[type=submit]").click()


async def sign_in_on_console(tab: Tab, staff_id: str, window: int) -> None:
    page = tab.page
    await sign_in(page, staff_id)
    await page.locator("#window-number").fill(str(window))
    await page.locator("#window-form button[type=submit]").click()
    await expect(page.locator("#view-desk")).to_be_visible()


@asynccontextmanager
async def hall_api(server: Any) -> AsyncIterator[aiohttp.ClientSession]:
    """Kiosk and console calls against the server the browser uses."""
    async with aiohttp.ClientSession(base_url=str(server.make_url("/"))) as session:
        yield session


async def clerk_at(session: aiohttp.ClientSession, staff_id: str, window: int) -> Clerk:
    clerk = await Clerk(session, staff_id, window).login()  # type: ignore[arg-type]
    await clerk.sign_in()
    return clerk


async def open_screen(context: Any, server: Any, token: str, query: str = "") -> Any:
    """A calling screen, once its live socket is up."""
    page = await context.new_page()
    await page.goto(str(server.make_url(f"/screen?token={token}{query}")))
    await page.wait_for_selector("body[data-live=online]", timeout=10000)
    return page


# Latin words a Chinese page may show: none of its own. Ticket numbers (A023) and zone letters are
# one letter with digits or alone, so only runs of two or more letters count as English; text marked
# as English (the language switch, lang="en") is meant to be.
ENGLISH_WORDS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const box = node.parentElement;
    if (!box || box.closest("script, style, [hidden], [aria-hidden=true]") || box.offsetParent === null) continue;
    if ((box.closest("[lang]")?.lang || "zh").startsWith("en")) continue;
    if (getComputedStyle(box).visibility === "hidden") continue;
    const where = box.className || box.tagName;
    for (const word of node.textContent.match(/[A-Za-z]{2,}/g) || []) found.push(`${word} (${where})`);
  }
  return found;
}"""


async def english_words(page: Page, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The Latin words on a Chinese page that are not names it may show as they are (e.g. "ID")."""
    words = await page.evaluate(ENGLISH_WORDS)
    return [word for word in words if word.split(" ", 1)[0] not in allowed]
