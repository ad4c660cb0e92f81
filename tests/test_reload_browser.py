"""A hall screen told by hall.reloaded that the hall's definition changed loads itself again."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from server.services import SERVICES
from tests.browser_support import HALL_SCREEN, WALL


async def test_a_screen_loads_again_with_the_new_hall_after_a_reload(live_server, browser, artifacts: Path):
    context = await browser.new_context(viewport=WALL, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await page.goto(str(live_server.make_url(f"/screen?token={HALL_SCREEN}&voice=off")))
    await page.wait_for_selector("body[data-live=online]")
    await page.evaluate("window.loadedBefore = true")
    services = live_server.app[SERVICES]
    hall = services.ctx.hall("city")
    await services.reload.apply(replace(hall, notices=("大厅布局已调整，请留意窗口指引。",)), ["notices changed"])
    async with page.expect_event("load", timeout=10_000):  # a fresh page
        pass
    assert await page.evaluate("window.loadedBefore") is None
    await page.wait_for_selector("body[data-live=online]")
    hall_now = await page.evaluate(
        "fetch('/api/v1/hall', {headers: {Authorization: 'Bearer demo-screen-hall'}}).then((r) => r.json())")
    assert hall_now["notices"] == ["大厅布局已调整，请留意窗口指引。"]
    await page.screenshot(path=artifacts / "screen-after-reload-1920x1080.png")
    await context.close()
