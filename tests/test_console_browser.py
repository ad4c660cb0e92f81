"""The staff console in a real browser: one key per citizen, shortcuts, refusals in words from their codes,
messages that stay without moving the desk, a no-show taken back, text-only rendering."""
from __future__ import annotations

import re

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.browser_support import (
    CONSOLE_SIZE,
    PHONE_SIZE,
    XSS,
    Tabs,
    assert_fits,
    sign_in_on_console,
)
from tests.support import KIOSK, PASSWORD
from tests.support import expect as expect_status

pytestmark = pytest.mark.browser


async def issue(http: aiohttp.ClientSession, service: str, key: str, **fields) -> dict:
    body = {"service": service, "idempotency_key": key, **fields}
    return await expect_status(await http.post("/api/v1/tickets", headers=KIOSK, json=body), 201)


async def press(page: Page, key: str) -> None:
    await page.locator("body").press(key)


async def enabled(page: Page) -> set[str]:
    """The desk's buttons that may be pressed now."""
    return set(await page.eval_on_selector_all("#actions [data-action]:not([disabled])",
                                               "buttons => buttons.map((b) => b.dataset.action)"))


async def steps(database_url: str) -> list[tuple[str, int]]:
    """The hall's ticket events, in order: (kind, ticket id)."""
    con = await asyncpg.connect(database_url)
    try:
        rows = await con.fetch("SELECT kind, ticket_id FROM events WHERE kind LIKE 'ticket.%'"
                               " AND kind <> 'ticket.issued' ORDER BY seq")
    finally:
        await con.close()
    return [(row["kind"], row["ticket_id"]) for row in rows]


async def test_shortcut_keys_drive_the_window_and_refusals_are_shown_in_words(tabs: Tabs, artifacts):
    async with aiohttp.ClientSession(tabs.base) as http:
        for n in range(1, 4):
            await issue(http, "B01", f"console-keys-{n:04d}")
    console = await tabs.open("/console", CONSOLE_SIZE)
    page = console.page
    await sign_in_on_console(console, "zhangwei", 41)
    await expect(page.locator("#queue-total")).to_have_text("共 3 人等候")
    banner = page.locator("#banner")

    await press(page, "n")
    await expect(page.locator("#current-number")).to_have_text("B001")
    await expect(page.locator("#queue-total")).to_have_text("共 2 人等候")

    await press(page, "r")
    await expect(page.locator("#current-calls")).to_have_text("2")
    await expect(banner).to_have_text(re.compile("已重呼 B001 号"))
    await press(page, "s")
    await expect(page.locator("#current-status")).to_have_text("办理中")
    await page.screenshot(path=artifacts / "console-serving.png")
    await assert_fits(page, ".top", "#current", "#actions", ".right", ".log-panel")
    await press(page, "f")
    await expect(page.locator("#current-number")).to_have_text("—")
    await expect(page.locator("#today-served")).to_have_text("1")
    await expect(page.locator("#log li").first).to_contain_text("B001")
    await expect(page.locator("#log li").first).to_contain_text("办结")

    await press(page, "n")
    await expect(page.locator("#current-number")).to_have_text("B002")
    await press(page, "x")
    await expect(page.locator("#today-noshow")).to_have_text("1")

    await press(page, "p")
    dialog = page.locator("#dlg-pause")
    await expect(dialog).to_be_visible()
    await dialog.get_by_text("用餐").click()
    await page.locator("#pause-text").fill("十分钟")
    await page.locator("#pause-text").press("Enter")
    await expect(page.locator("#who-state")).to_have_text("暂停：用餐 · 十分钟")  # the note is for staff
    await expect(page.locator("#pause-label")).to_have_text("恢复")

    await expect(page.locator("#current-status")).to_have_text("暂停中，恢复后可叫号")
    assert await enabled(page) == {"pause"}
    await press(page, "n")  # a key whose button is off says why
    await expect(banner).to_contain_text("窗口已暂停，请先按 P 恢复")
    await expect(page.locator("#current-number")).to_have_text("—")

    await press(page, "p")
    await expect(page.locator("#who-state")).to_have_text("在岗")
    await press(page, "c")  # the server's refusal, said from its code in the page's words
    await page.locator("#number-input").fill("z999")
    await page.locator("#number-input").press("Enter")
    await expect(banner).to_have_class("banner error")
    await expect(banner).to_have_text(re.compile("没有这个号码或窗口"))
    await press(page, "c")
    await page.locator("#number-input").fill("b002")
    await page.locator("#number-input").press("Enter")
    await expect(page.locator("#current-number")).to_have_text("B002")
    await expect(page.locator("#queue-total")).to_have_text("共 1 人等候")
    await press(page, "c")
    await page.locator("#number-input").press("Escape")
    await expect(page.locator("#dlg-number")).to_be_hidden()
    await page.screenshot(path=artifacts / "console-called.png")
    console.assert_clean()


async def test_transfer_notes_and_names_are_shown_as_text(tabs: Tabs):
    async with aiohttp.ClientSession(tabs.base) as http:
        issued = await issue(http, "B01", "console-xss-0001",
                             identity={"id_number": "41010219800101123X", "name": XSS})
        console = await tabs.open("/console", CONSOLE_SIZE)
        page = console.page
        await sign_in_on_console(console, "zhangwei", 41)
        await press(page, "n")
        await expect(page.locator("#current-number")).to_have_text("B001")
        await expect(page.locator("#current-holder")).to_have_text(issued["ticket"]["holder"])
        await expect(page.locator("#current-identity")).to_have_text("4101**********123X")

        # A transfer goes to an open window only: the colleague signs in at 42 first.
        login = await expect_status(await http.post("/api/v1/staff/login", json={
            "hall": "city", "staff_id": "liyang", "password": PASSWORD}), 200)
        colleague = {"Authorization": f"Bearer {login['token']}"}
        await expect_status(await http.post("/api/v1/windows/42/sign-in", headers=colleague, json={}), 200)

        await press(page, "t")
        dialog = page.locator("#dlg-transfer")
        await dialog.get_by_text("转到窗口").click()
        await page.locator("#transfer-window").fill("42")
        await page.locator("#transfer-note").fill("staff-only note")
        await page.locator("#transfer-message").fill(XSS)
        await dialog.locator("button[type=submit]").click()
        await expect(page.locator("#current-number")).to_have_text("—")
        await expect(page.locator("#log li").first).to_contain_text("转办 → 42 号窗口")

        phone = await tabs.open(f"/t/{issued['status_token']}", PHONE_SIZE)
        await expect(phone.page.locator("#phone-detail")).to_have_text("已转至 42 号窗口，请等候叫号")
        await expect(phone.page.locator("#phone-note")).to_have_text(XSS)

        assert "staff-only" not in await phone.page.content()  # the internal note stays with staff

        # The colleague at window 42 sends it back with a note; the console shows it on calling.
        called = await expect_status(await http.post("/api/v1/windows/42/call-next", headers=colleague), 200)
        assert called["ticket"]["number"] == "B001"
        await expect_status(await http.post(f"/api/v1/tickets/{called['ticket']['id']}/transfer", headers=colleague,
                                            json={"window": 41, "note": XSS}), 200)

    await expect(phone.page.locator("#phone-detail")).to_have_text("已转至 41 号窗口，请等候叫号")
    await press(page, "n")
    await expect(page.locator("#current-number")).to_have_text("B001")
    await expect(page.locator("#current-note")).to_have_text(XSS)
    await expect(phone.page.locator("#phone-status")).to_have_text("请到 41 号窗口办理")
    for tab in (console, phone):
        assert await tab.page.locator("img[src=x], img[src='x']").count() == 0
        tab.assert_clean()


async def test_a_held_window_and_a_bad_password_are_explained(tabs: Tabs):
    async with aiohttp.ClientSession(tabs.base) as http:
        login = await expect_status(await http.post("/api/v1/staff/login", json={
            "hall": "city", "staff_id": "liyang", "password": PASSWORD}), 200)
        await expect_status(await http.post("/api/v1/windows/89/sign-in",
                                            headers={"Authorization": f"Bearer {login['token']}"}, json={}), 200)
    console = await tabs.open("/console", CONSOLE_SIZE)
    page = console.page
    await expect(page.locator("#login-hall")).to_have_value("city")
    await page.locator("#login-staff").fill("zhangwei")
    await page.locator("#login-password").fill("wrong")
    await page.locator("#login-password").press("Enter")
    await expect(page.locator("#banner")).to_contain_text("工号或密码错误")

    await page.locator("#login-password").fill(PASSWORD)
    await page.locator("#login-password").press("Enter")
    await page.locator("#window-number").fill("89")
    await page.locator("#window-number").press("Enter")
    await expect(page.locator("#banner")).to_contain_text("89 号窗口已有同事在岗")
    await page.locator("#window-takeover").check()
    await page.locator("#window-number").press("Enter")  # only the A/B partner, on the other post, takes over
    await expect(page.locator("#banner")).to_contain_text("AB 岗搭档")
    await page.locator("#window-post").select_option("B")
    await page.locator("#window-takeover").check()
    await page.locator("#window-number").press("Enter")
    await expect(page.locator("#view-desk")).to_be_visible()
    await expect(page.locator("#who-window")).to_contain_text("89 号窗口")

    await page.reload()  # the session survives a reload, straight back to the desk
    await expect(page.locator("#view-desk")).to_be_visible()
    await page.locator("#btn-sign-out").click()
    await expect(page.locator("#view-window")).to_be_visible()
    console.assert_clean()


async def test_one_key_per_citizen_with_messages_that_stay_put_and_a_no_show_taken_back(tabs: Tabs, artifacts,
                                                                                     database_url):
    async with aiohttp.ClientSession(tabs.base) as http:
        ids = [(await issue(http, "B01", f"console-one-key-{n:04d}"))["ticket"]["id"] for n in range(1, 6)]
    console = await tabs.open("/console", CONSOLE_SIZE)
    page = console.page
    await sign_in_on_console(console, "zhangwei", 41)
    await expect(page.locator("#queue-total")).to_have_text("共 5 人等候")
    banner, number = page.locator("#banner"), page.locator("#current-number")
    assert await enabled(page) == {"next", "number", "pause"}
    desk = await page.locator("#view-desk").bounding_box()

    await press(page, "n")
    await expect(number).to_have_text("B001")
    await expect(banner).to_have_text(re.compile("已叫 B001 号"))
    assert await page.locator("#view-desk").bounding_box() == desk  # the message floats: the desk stays put
    assert await enabled(page) == {"next", "recall", "noshow", "start", "finish", "transfer"}
    await page.wait_for_timeout(2000)
    await expect(banner).to_have_text(re.compile("已叫 B001 号"))  # still there to be read
    for done, called in (("B001", "B002"), ("B002", "B003"), ("B003", "B004")):
        await press(page, "n")  # one key: the citizen at the window is finished, the next one called
        await expect(number).to_have_text(called)
        await expect(banner).to_have_text(re.compile(f"{done} 号已办结，已叫 {called} 号"))
    await expect(page.locator("#today-served")).to_have_text("3")
    assert await steps(database_url) == [
        ("ticket.called", ids[0]), ("ticket.finished", ids[0]), ("ticket.called", ids[1]),
        ("ticket.finished", ids[1]), ("ticket.called", ids[2]), ("ticket.finished", ids[2]), ("ticket.called", ids[3])]

    await press(page, "f")  # a called ticket is finished without a separate start
    await expect(number).to_have_text("—")
    await expect(page.locator("#today-served")).to_have_text("4")
    await expect(banner).to_have_text(re.compile("B004 号已办结"))

    await press(page, "n")
    await expect(number).to_have_text("B005")
    await press(page, "x")
    await expect(number).to_have_text("—")
    await expect(banner).to_have_text(re.compile("B005 号已过号"))
    await expect(page.locator("#banner-undo")).to_be_visible()
    await expect(page.locator("#today-noshow")).to_have_text("1")
    assert await page.locator("#view-desk").bounding_box() == desk
    await page.screenshot(path=artifacts / "console-no-show-undo.png")
    await press(page, "u")
    await expect(number).to_have_text("B005")
    await expect(page.locator("#current-status")).to_have_text("已叫号，等候到窗")
    await expect(banner).to_have_text(re.compile("已撤销过号，B005 号回到本窗口"))
    await expect(page.locator("#today-noshow")).to_have_text("0")
    assert (await steps(database_url))[-2:] == [("ticket.no_show", ids[4]), ("ticket.no_show_undone", ids[4])]

    await press(page, "s")
    await expect(page.locator("#current-status")).to_have_text("办理中")
    assert await enabled(page) == {"next", "finish", "transfer"}
    await press(page, "n")  # the last citizen served: nobody waits
    await expect(banner).to_have_text(re.compile("B005 号已办结，当前没有等候的号"))
    await expect(page.locator("#current-status")).to_have_text("空闲，可叫号")
    await page.screenshot(path=artifacts / "console-one-key.png")
    await assert_fits(page, ".top", "#current", "#actions", ".right", ".log-panel", "#banner")

    await page.locator("#lang").click()  # the same codes, in English
    await press(page, "t")
    await expect(banner).to_have_text(re.compile("No ticket at this window"))
    await press(page, "c")
    await page.locator("#number-input").fill("z999")
    await page.locator("#number-input").press("Enter")
    await expect(banner).to_have_text(re.compile("No such ticket or window"))  # the server's code, not its words
    console.assert_clean()
