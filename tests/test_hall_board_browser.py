"""The hall screen of a big hall in Debian's Chromium: a board of the latest 16
calls held 45 s, with window, floor and zone on every row; a voice that keeps
up (stale announcements dropped, recalls always spoken, each call spoken by
the screens configured for it); a friendly empty board and the day's end
said as such, on the hall's clock."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from server.app import Settings, create_app
from server.hall import Hall
from tests.browser_support import HALL_SCREEN, WALL, WINDOW_SIGN, ZONE_SCREEN, clerk_at, hall_api, open_screen
from tests.conftest import SHANGHAI
from tests.support import issue

SIGN_SIZE = {"width": 800, "height": 480}

ROWS = """() => [...document.querySelectorAll('#recent-list li')].map(li => ({
  number: li.querySelector('.r-number').firstChild.textContent,
  window: li.querySelector('.r-window').textContent,
  where: li.querySelector('.r-where').textContent,
  latest: li.classList.contains('latest'),
  height: li.querySelector('.r-number').getBoundingClientRect().height,
  shown: li.getBoundingClientRect().bottom <= innerHeight && li.offsetParent !== null,
}))"""


async def call_through(clerk: Any) -> str:
    """Call the next ticket at the clerk's window and serve it at once: the next call can follow."""
    ticket = await clerk.call_next()
    await clerk.ticket_action(ticket["id"], "start")
    await clerk.ticket_action(ticket["id"], "finish")
    return str(ticket["number"])


@pytest.mark.browser
async def test_sixteen_calls_in_ten_seconds_all_stay_on_the_hall_screen_for_45_seconds(live_server, browser,
                                                                                       artifacts: Path):
    context = await browser.new_context(viewport=WALL, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await page.clock.install()  # the page's own clock, driven below instead of waiting 45 s
    await page.goto(str(live_server.make_url(f"/screen?token={HALL_SCREEN}&voice=off")))
    await page.wait_for_selector("body[data-live=online]")
    async with hall_api(live_server) as session:
        for _ in range(8):
            await issue(session, "A01")
            await issue(session, "F02")
        # window 89 is a universal window on floor 1: its rows name the ticket's zone, F on floor 2
        ground, second = await clerk_at(session, "zhangwei", 15), await clerk_at(session, "zhaolei", 89)
        called = []
        for _ in range(8):
            called += [await call_through(ground), await call_through(second)]
    await page.wait_for_function("() => document.querySelectorAll('#recent-list li').length === 16")
    await page.evaluate("() => document.fonts.ready")
    await page.screenshot(path=str(artifacts / "screen-board-1920x1080.png"), animations="disabled")

    rows = await page.evaluate(ROWS)
    assert [r["number"] for r in rows] == called[::-1]  # newest first, all 16 at once
    assert [r["latest"] for r in rows] == [True] + [False] * 15
    assert all(r["shown"] and r["height"] >= 100 for r in rows), rows
    for row in rows:
        zone_a = row["number"].startswith("A")
        assert row["window"] == ("15 号窗口" if zone_a else "89 号窗口")
        assert row["where"].startswith("一楼")
        assert row["where"].endswith("不动产登记综合受理区" if zone_a else "公安业务综合受理区")

    await page.clock.run_for(45_000)
    rows_later = await page.evaluate(ROWS)
    assert [r["number"] for r in rows_later] == called[::-1]
    assert all(r["shown"] for r in rows_later)
    await context.close()


BOARD_RUN = """async () => {
  const { CallBoard } = await import('/static/display/call_board.js');
  let now = 0;
  const board = new CallBoard({ rows: 4, holdMs: 45000, now: () => now });
  const calls = [];
  const served = new Set();
  const call = (seq) => { calls.unshift({ seq, ticket: { id: seq } }); now += 1000; };
  const seqs = () => board.update(calls, (c) => !served.has(c.seq)).map((c) => c.seq);
  const steps = {};
  for (const seq of [1, 2, 3, 4]) { call(seq); seqs(); }
  call(5);
  steps.full_early = seqs();            // all younger than 45 s: the oldest goes
  now += 45000;
  served.add(3);
  call(6);
  steps.served_first = seqs();          // held long enough: the served one gives way, not the oldest
  call(7);
  steps.then_oldest = seqs();
  return steps;
}"""


@pytest.mark.browser
async def test_the_board_gives_a_place_up_only_after_45_seconds_and_first_where_the_citizen_came(live_server,
                                                                                                browser):
    page = await browser.new_page()
    await page.goto(str(live_server.make_url("/screen")))
    steps = await page.evaluate(BOARD_RUN)
    assert steps == {"full_early": [5, 4, 3, 2], "served_first": [6, 5, 4, 2], "then_oldest": [7, 6, 5, 4]}
    await page.close()


QUEUE_RUN = """async () => {
  const { AnnouncementQueue } = await import('/static/display/announce_queue.js');
  let now = 0;
  const queue = new AnnouncementQueue({ now: () => now });
  const dropped = [];
  queue.onDrop = (item, why) => dropped.push([item.ticket, why]);
  const spoken = [];
  let oldest = 0, speakingUntil = 0, current = null;
  for (let ms = 0; ms <= 5 * 60000; ms += 100) {   // 30 calls a minute for five minutes
    now = ms;
    if (ms % 2000 === 0) {
      const ticket = ms / 2000;
      queue.add({ ticket, recall: false }, 0);
      if (ticket % 10 === 5) queue.add({ ticket: 1000 + ticket, recall: true }, 0);
    }
    if (current && ms >= speakingUntil) current = null;
    if (!current) {
      current = queue.take();
      if (current) { spoken.push([current.ticket, ms - current.madeAt]); speakingUntil = ms + 6100; }
    }
    queue.prune();
    oldest = Math.max(oldest, queue.oldestAge());
  }
  return { oldest, spoken, dropped, rest: queue.items.map((item) => item.ticket) };
}"""


@pytest.mark.browser
async def test_at_30_calls_a_minute_the_voice_queue_never_holds_a_call_older_than_30_seconds(live_server, browser):
    page = await browser.new_page()
    await page.goto(str(live_server.make_url("/screen")))
    run = await page.evaluate(QUEUE_RUN)
    await page.close()
    assert run["oldest"] <= 30_000
    assert max(lateness for ticket, lateness in run["spoken"] if ticket < 1000) <= 30_000
    recalls = {ticket for ticket, _ in [*run["spoken"], *((t, 0) for t in run["rest"])] if ticket >= 1000}
    assert recalls == {1000 + t for t in range(5, 151, 10)}  # every recall spoken or still to come, none dropped
    assert all(why == "stale" for ticket, why in run["dropped"])
    assert 40 <= len(run["spoken"]) <= 55  # it kept speaking all along: one call every ~6 s


@pytest.fixture
async def zone_voiced_server(database_url: str, aiohttp_server, city: Hall, clock):
    """The hall with its lobby screen on the default voice: zone A's calls are left to zone A's screen."""
    devices = tuple(dataclasses.replace(d, voice="auto") if d.id == "screen-hall" else d for d in city.devices)
    hall = dataclasses.replace(city, devices=devices)
    settings = Settings(halls={hall.id: hall}, database_url=database_url, identity_key=b"k" * 32, clock=clock,
                        pool_size=5)
    return await aiohttp_server(create_app(settings))


SPOKEN = "() => hallqAnnouncements.filter(a => a.via !== 'off').map(a => [a.number, a.kind, a.via])"


@pytest.mark.browser
async def test_zone_screen_speaks_only_its_zone_the_hall_screen_the_rest_and_a_recall_is_spoken(zone_voiced_server,
                                                                                                 browser):
    server = zone_voiced_server
    context = await browser.new_context(viewport=WALL)
    hall = await open_screen(context, server, HALL_SCREEN)
    zone = await open_screen(context, server, ZONE_SCREEN)
    async with hall_api(server) as session:
        await issue(session, "A01")
        await issue(session, "B01")
        zhang, li = await clerk_at(session, "zhangwei", 15), await clerk_at(session, "liyang", 41)
        a_call = (await zhang.call_next())["number"]
        b_call = (await li.call_next())["number"]
        await zhang.window_action("recall")
    for page, count in ((hall, 1), (zone, 2)):
        await page.wait_for_function(f"() => ({SPOKEN})().length === {count}")
        await page.wait_for_function(f"() => ({SPOKEN})().every(a => a[2] !== null)", timeout=40_000)
    assert [a[:2] for a in await hall.evaluate(SPOKEN)] == [[b_call, "ticket.called"]]
    zone_spoken = await zone.evaluate(SPOKEN)
    assert [a[:2] for a in zone_spoken] == [[a_call, "ticket.called"], [a_call, "ticket.recalled"]]
    assert zone_spoken[1][2] not in ("stale", "replaced")  # the recall was spoken
    heard_by_hall = await hall.evaluate("() => hallqAnnouncements.map(a => [a.number, a.via])")
    assert [a_call, "off"] in heard_by_hall  # shown on the lobby board, left to zone A's voice
    await context.close()


@pytest.mark.browser
async def test_before_the_first_call_the_board_says_so_and_after_hours_the_day_is_over(live_server, browser, clock,
                                                                                      artifacts: Path):
    context = await browser.new_context(viewport=WALL)
    small = await browser.new_context(viewport=SIGN_SIZE)
    empty = await open_screen(context, live_server, HALL_SCREEN, "&voice=off")
    await empty.wait_for_selector("#now-empty", state="visible")
    assert (await empty.inner_text("#now-empty")).startswith("今天还没有叫号")

    clock.set(datetime(2026, 11, 23, 16, 58, tzinfo=SHANGHAI))
    async with hall_api(live_server) as session:
        await issue(session, "A01")
        zhang = await clerk_at(session, "zhangwei", 15)
        last = await zhang.call_next()
        await zhang.ticket_action(last["id"], "start")
        await zhang.ticket_action(last["id"], "finish")
    await empty.wait_for_function("n => document.getElementById('now-number').textContent === n", arg=last["number"])
    clock.set(datetime(2026, 11, 23, 17, 30, tzinfo=SHANGHAI))

    hall = await open_screen(context, live_server, HALL_SCREEN, "&voice=off")
    sign = await open_screen(small, live_server, WINDOW_SIGN)
    await hall.wait_for_selector("#off-hours", state="visible")
    assert await hall.inner_text("#off-title") == "今日服务已结束"
    assert not await hall.is_visible("#now-number")
    assert not await hall.is_visible("#recent-list")
    await sign.wait_for_function("() => document.getElementById('sign').dataset.mode === 'off'")
    assert await sign.inner_text("#sign-number") == "今日服务已结束"
    await hall.screenshot(path=str(artifacts / "screen-hall-closed-1920x1080.png"), animations="disabled")
    await sign.screenshot(path=str(artifacts / "sign-15-closed-800x480.png"), animations="disabled")
    await context.close()
    await small.close()
