"""全程留痕 in real Chromium: the manager finds a failed sign-in and a take-over by staff id, pages on with
"more" without losing or repeating an entry, and downloads the same query as CSV; at 1366×768 and 1920×1080."""
from __future__ import annotations

import csv
import io

from playwright.async_api import expect

from tests.browser_support import CONSOLE_SIZE, WALL, english_words, hall_api, sign_in
from tests.support import KIOSK, Clerk


async def test_the_manager_queries_pages_and_exports_the_trail(tabs, live_server, artifacts):
    async with hall_api(live_server) as session:
        async with session.post("/api/v1/staff/login",
                                json={"hall": "city", "staff_id": "zhangwei", "password": "wrong"}) as bad:
            assert bad.status == 401
        holder = await Clerk(session, "zhangwei", 89).login()  # type: ignore[arg-type]
        await holder.sign_in("A")
        partner = await Clerk(session, "liyang", 89).login()  # type: ignore[arg-type]
        await partner.window_action("sign-in", post="B", take_over=True)
        for n in range(105):  # more than one page of the trail
            async with session.post("/api/v1/tickets", json={"service": "B01", "idempotency_key": f"audit-{n:05d}"},
                                    headers=KIOSK) as issued:
                assert issued.status == 201

    tab = await tabs.open("/audit", CONSOLE_SIZE)
    page = tab.page
    await sign_in(page, "wangfang")
    rows = page.locator("#entries tr")
    await expect(rows).to_have_count(100)
    await expect(page.locator("#btn-more")).to_be_visible()
    await page.locator("#btn-more").click()
    await expect(page.locator("#btn-more")).to_be_hidden()
    total = await rows.count()
    assert total > 105
    seen = await page.locator("#entries tr td:first-child").all_text_contents()
    assert seen == sorted(seen, reverse=True)
    await expect(page.locator("#count")).to_have_text(f"共 {total} 条")
    assert await english_words(page, frozenset({"wangfang", "zhangwei", "liyang", "CSV"})) == []
    await page.evaluate("scrollTo(0, 0)")
    await page.screenshot(path=str(artifacts / "audit-1366x768.png"))

    await page.locator("#f-staff").fill("zhangwei")
    await page.locator("#filters button[type=submit]").click()
    # his failed sign-in and his sign-in, his window's sign-in event, and liyang taking the window from him
    await expect(rows).to_have_count(4)
    await expect(page.locator("#entries tr[data-kind=take_over] td:nth-child(6)")).to_have_text("zhangwei")
    failed = page.locator("#entries tr[data-outcome=bad_credentials]")
    await expect(failed.locator("td:nth-child(3)")).to_have_text("工号或密码错误")
    await expect(failed.locator("td:nth-child(5)")).to_have_text("zhangwei")

    async with page.expect_download() as download:
        await page.locator("#btn-csv").click()
    path = await (await download.value).path()
    exported = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert exported[0][0] == "时间" and len(exported) == 5
    assert {row[3] for row in exported[1:]} >= {"take_over", "sign_in"}

    await page.locator("#f-from").fill("2026-11-23T12:00")  # the end before the start
    await page.locator("#f-to").fill("2026-11-23T11:00")
    await page.locator("#filters button[type=submit]").click()
    await expect(page.locator("#banner-text")).to_have_text("查询条件有误，请检查后重试")
    await page.locator("#lang").click()
    await expect(page.locator("#btn-more")).to_have_text("More")
    await page.locator("#lang").click()
    tab.assert_clean()

    wide = await tabs.open("/audit", WALL)
    await sign_in(wide.page, "wangfang")
    await expect(wide.page.locator("#entries tr")).to_have_count(100)
    await wide.page.screenshot(path=str(artifacts / "audit-1920x1080.png"))
