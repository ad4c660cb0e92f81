"""The staff console in a real browser: shortcuts, the server's refusals in words, text-only rendering."""
from __future__ import annotations

import aiohttp
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

    await press(page, "f")  # finishing before starting: the server says why not
    await expect(banner).to_have_class("banner error")
    await expect(banner).to_contain_text("B001 号当前状态为 called，不能执行 finish")

    await press(page, "r")
    await expect(page.locator("#current-calls")).to_have_text("2")
    await expect(banner).to_be_hidden()
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

    await press(page, "n")  # calling while paused is refused by the server, in words
    await expect(banner).to_contain_text("41 号窗口已暂停，请先恢复")
    await expect(page.locator("#current-number")).to_have_text("—")

    await press(page, "p")
    await expect(page.locator("#who-state")).to_have_text("在岗")
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
    await expect(page.locator("#banner")).to_contain_text("89 号窗口由 liyang（A岗）在岗")
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
