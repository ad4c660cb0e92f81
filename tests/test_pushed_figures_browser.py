"""Screens live on what the server pushes: a busy spell of tickets and calls makes a hall and
a zone screen ask the server for nothing but the voice of each call, and their waiting
figures still come out as the server counts them."""
from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import HALL_SCREEN, WALL, ZONE_SCREEN, clerk_at, hall_api, open_screen
from tests.support import SCREEN, Clerk, expect, issue

pytestmark = pytest.mark.browser

# What a screen fetches when a call is announced (screen.js Announcer): the chime, then the speech.
ANNOUNCEMENT_AUDIO = {"/api/v1/announcements/chime.wav", "/api/v1/announcements/audio"}
# Ten in zone A (the zone screen's), ten elsewhere.
SERVICES = ["A01", "B01", "A02", "C01", "A03", "D01", "A01", "B02", "A04", "C02"] * 2

HALL_FIGURES = """() => Object.fromEntries([...document.querySelectorAll('.zone-card')].map(card => [
  card.dataset.zone,
  [card.querySelector('.zone-waiting b').textContent, card.querySelector('.zone-open b').textContent]]))"""
ZONE_FIGURES = """() => ['.stat-waiting', '.stat-open', '.stat-wait']
  .map(s => document.querySelector(`${s} .stat-figure b`).textContent)"""


def record_requests(page: Any) -> list[str]:
    """The path of every request the page sends the server from now on (not blob: URLs: the
    speech it fetched, played from memory; nor the favicon, which a browser asks for when it likes)."""
    paths: list[str] = []

    def on_request(request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https") and not url.path.endswith("/favicon.svg"):
            paths.append(url.path)

    page.on("request", on_request)
    return paths


async def serve_next(clerk: Clerk, serving: dict[int, int]) -> dict[str, Any] | None:
    """Finish the clerk's ticket at the window, if any, and call the next; `serving` maps window to ticket."""
    if clerk.window in serving:
        ticket = serving.pop(clerk.window)
        await clerk.ticket_action(ticket, "start")
        await clerk.ticket_action(ticket, "finish")
    called = await clerk.call_next()
    if called:
        serving[clerk.window] = called["id"]
    return called


async def figures_settle(read: Any, expected: Any, seconds: float = 2.0) -> Any:
    """What `read()` shows once it equals `expected`, or at the deadline."""
    deadline = asyncio.get_running_loop().time() + seconds
    shown = await read()
    while shown != expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        shown = await read()
    return shown


async def test_screens_follow_twenty_tickets_without_fetching_anything_but_call_audio(live_server, browser):
    context = await browser.new_context(viewport=WALL)
    hall = await open_screen(context, live_server, HALL_SCREEN)
    zone = await open_screen(context, live_server, ZONE_SCREEN)
    await hall.wait_for_function("() => document.querySelector('.zone-card .zone-waiting b').textContent !== '–'")
    await zone.wait_for_function("() => document.querySelector('.stat-waiting b').textContent !== '–'")
    asked = {"hall": record_requests(hall), "zone": record_requests(zone)}

    async with hall_api(live_server) as session:
        in_zone = [await clerk_at(session, "zhangwei", 15), await clerk_at(session, "liyang", 16)]
        elsewhere = [await clerk_at(session, "zhaolei", 41), await clerk_at(session, "wangfang", 49)]
        calls, serving = [], {}
        for n, service in enumerate(SERVICES, start=1):
            await issue(session, service)
            if n % 3 == 0:
                calls.append(await serve_next(in_zone[n % 2], serving))
            if n % 4 == 0:
                calls.append(await serve_next(elsewhere[n % 8 // 4], serving))
        for clerk in (in_zone[0], elsewhere[0], elsewhere[1]):
            calls.append(await serve_next(clerk, serving))
        queues = await expect(await session.get("/api/v1/queues", headers=SCREEN), 200)

    assert len(calls) == 14 and all(calls), calls
    zones = {z["zone"]: z for z in queues["zones"]}
    assert zones["A"]["waiting"] > 0 and sum(z["waiting"] for z in zones.values()) == len(SERVICES) - len(calls)
    hall_expected = {code: [str(z["waiting"]), str(z["open_windows"])] for code, z in zones.items()}
    zone_expected = [str(zones["A"][key]) for key in ("waiting", "open_windows", "estimated_wait_minutes")]
    assert await figures_settle(lambda: hall.evaluate(HALL_FIGURES), hall_expected) == hall_expected
    assert await figures_settle(lambda: zone.evaluate(ZONE_FIGURES), zone_expected) == zone_expected

    last_in_zone = next(c["number"] for c in reversed(calls) if c["zone"] == "A")
    assert await zone.eval_on_selector("#now-number", "n => n.textContent") == last_in_zone
    for name, paths in asked.items():
        assert set(paths) <= ANNOUNCEMENT_AUDIO, f"the {name} screen fetched {sorted(set(paths) - ANNOUNCEMENT_AUDIO)}"
    await context.close()
