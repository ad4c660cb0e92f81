"""Calling screens in Debian's Chromium: hall, zone and window sign, live
updates, announcements in order, reconnecting without a reload, text never
taken as HTML, layouts at their screens' resolutions; and the voice behind
the announcements."""
from __future__ import annotations

import asyncio
import dataclasses
import re
import time
import wave
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout

from display import voice as voice_module
from display.voice import BadAnnouncement, Voice, check_text, chime_wav, spoken_form
from server.app import Settings, create_app
from server.hall import Hall
from tests.browser_support import (
    HALL_SCREEN,
    WINDOW_SIGN,
    XSS,
    ZONE_SCREEN,
    clerk_at,
    hall_api,
    open_screen,
)
from tests.support import SCREEN, Clerk, issue

ID_NUMBER = "110105199001011232"
needs_espeak = pytest.mark.skipif(not Voice().available, reason="espeak-ng is not installed")


# --------------------------------------------------------------- helpers --

async def text_of(page: Any, selector: str) -> str:
    return await page.eval_on_selector(selector, "node => node.textContent")


async def seconds_until(page: Any, expression: str, arg: Any = None, timeout: float = 5000) -> float:
    start = time.monotonic()
    await page.wait_for_function(expression, arg=arg, polling=20, timeout=timeout)
    return time.monotonic() - start


def record_announcements(page: Any) -> list[str]:
    """Texts of the announcement audio the page asks for, in request order."""
    texts: list[str] = []

    def on_request(request: Any) -> None:
        url = urlsplit(request.url)
        if url.path == "/api/v1/announcements/audio":
            texts.append(parse_qs(url.query)["text"][0])

    page.on("request", on_request)
    return texts


SHOWS_NUMBER = "number => document.getElementById('now-number').textContent === number"
IN_RECENT = "n => [...document.querySelectorAll('#recent-list .r-number')].some(e => e.textContent.startsWith(n))"

# Text boxes cut off sideways, rows or cards cut off by their box, a page wider or higher than the screen.
OVERFLOWS = """() => {
  const root = document.documentElement;
  const shown = node => node.offsetParent !== null;
  const name = node => `${node.id || node.className}: ${node.textContent.trim()}`;
  const problems = [...document.querySelectorAll('[data-fit], .r-number, .r-window, .zone-figures, .stat-figure')]
    .filter(shown).filter(node => node.scrollWidth > node.clientWidth + 1).map(name);
  for (const node of document.querySelectorAll('.panel > *, .recent-list li, .zone-card, .stat, .sign > *')) {
    if (!shown(node)) continue;
    const box = node.getBoundingClientRect(), outer = node.parentElement.getBoundingClientRect();
    if (box.bottom > outer.bottom + 1 || box.right > outer.right + 1) problems.push(`cut off: ${name(node)}`);
  }
  if (root.scrollWidth > innerWidth) problems.push(`page is ${root.scrollWidth}px wide`);
  if (root.scrollHeight > innerHeight) problems.push(`page is ${root.scrollHeight}px high`);
  return problems;
}"""


# ------------------------------------------------------- live and voice --

@pytest.mark.browser
@needs_espeak
async def test_call_reaches_hall_and_zone_screens_within_a_second_and_is_announced_in_order(live_server, browser):
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    hall = await open_screen(context, live_server, HALL_SCREEN)
    zone = await open_screen(context, live_server, ZONE_SCREEN)
    heard = {"hall": record_announcements(hall), "zone": record_announcements(zone)}
    async with hall_api(live_server) as session:
        first_ticket = await issue(session, "A01")
        second_ticket = await issue(session, "A02")
        zhang = await clerk_at(session, "zhangwei", 15)
        li = await clerk_at(session, "liyang", 16)

        first = await zhang.call_next()
        delays = await asyncio.gather(*(seconds_until(p, SHOWS_NUMBER, first["number"]) for p in (hall, zone)))
        second = await li.call_next()
        delays += await asyncio.gather(*(seconds_until(p, SHOWS_NUMBER, second["number"]) for p in (hall, zone)))
    assert (first["number"], second["number"]) == (first_ticket["ticket"]["number"], second_ticket["ticket"]["number"])
    assert max(delays) < 1.0, f"screens updated {delays} s after the call answered"
    assert await text_of(hall, "#now-window") == "16"
    assert "不动产登记" in await text_of(hall, "#now-zone")

    expected = [f"请 {first['number']} 号 到 15 号窗口 办理", f"请 {second['number']} 号 到 16 号窗口 办理"]
    for page in (hall, zone):
        await page.wait_for_function(
            "() => hallqAnnouncements.length === 2 && hallqAnnouncements.every(a => a.endedAt)", timeout=30000)
        played = await page.evaluate("() => hallqAnnouncements")
        assert [a["text"] for a in played] == expected
        assert [a["via"] for a in played] == ["audio", "audio"]
        assert played[1]["startedAt"] >= played[0]["endedAt"], "announcements overlapped"
        assert played[0]["endedAt"] - played[0]["startedAt"] > 1500  # chime and speech were really played
    assert heard == {"hall": expected, "zone": expected}
    await context.close()


@pytest.fixture
def voiceless(settings: Settings) -> Settings:
    """The hall on a server without espeak-ng."""
    return dataclasses.replace(settings, voice=Voice(program=""))


@pytest.mark.browser
async def test_without_a_server_voice_the_screen_chimes_and_shows_the_text(voiceless, aiohttp_server, browser):
    server = await aiohttp_server(create_app(voiceless))
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    page = await open_screen(context, server, HALL_SCREEN)
    answers: list[tuple[str, int]] = []
    page.on("response", lambda response: answers.append((urlsplit(response.url).path, response.status)))
    async with hall_api(server) as session:
        await issue(session, "A01")
        called = await (await clerk_at(session, "zhangwei", 15)).call_next()
    await page.wait_for_function("() => hallqAnnouncements.length === 1 && hallqAnnouncements[0].endedAt",
                                 timeout=15000)
    played = (await page.evaluate("() => hallqAnnouncements"))[0]
    assert played["text"] == f"请 {called['number']} 号 到 15 号窗口 办理"
    assert played["via"] in ("speech", "text")  # the browser's own Chinese voice if it has one, else text only
    assert await text_of(page, "#now-caption") == played["text"]
    assert ("/api/v1/announcements/audio", 503) in answers
    assert ("/api/v1/announcements/chime.wav", 200) in answers
    await context.close()


@pytest.mark.browser
async def test_screen_shows_calls_missed_while_its_socket_was_cut_without_reloading(live_server, browser):
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    page = await context.new_page()
    cut = False
    sockets: list[tuple[Any, Any]] = []

    async def through_the_cable(ws: Any) -> None:
        if cut:  # the page's reconnect attempts fail while the cable is out
            await ws.close(code=1011, reason="cable pulled")
            return
        sockets.append((ws, ws.connect_to_server()))

    await page.route_web_socket(re.compile(r"/api/v1/live"), through_the_cable)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    await page.goto(str(live_server.make_url(f"/screen?token={HALL_SCREEN}&voice=off")))
    await page.wait_for_selector("body[data-live=online]")
    await page.evaluate("() => { window.__loadId = 'first-load'; }")
    loads = len(navigations)

    async with hall_api(live_server) as session:
        tickets = [await issue(session, "A01"), await issue(session, "B01")]
        zhang = await clerk_at(session, "zhangwei", 15)
        li = await clerk_at(session, "liyang", 41)

        cut = True
        for page_side, server_side in sockets:
            await page_side.close(code=1011, reason="cable pulled")
            await server_side.close()
        await page.wait_for_selector("body.offline .offline-marker", state="visible", timeout=5000)
        first = await zhang.call_next()
        second = await li.call_next()
        await asyncio.sleep(0.3)
        assert not await page.evaluate(IN_RECENT, first["number"]), "a call arrived through a cut cable"

        cut = False
        await page.wait_for_function(IN_RECENT, arg=first["number"], timeout=15000)
        await page.wait_for_function(IN_RECENT, arg=second["number"], timeout=5000)
    assert [t["ticket"]["number"] for t in tickets] == [first["number"], second["number"]]
    assert await text_of(page, "#now-number") == second["number"]
    assert await page.evaluate("() => window.__loadId") == "first-load"
    assert len(navigations) == loads, f"the page navigated: {navigations}"
    assert await page.evaluate("() => document.body.dataset.live") == "online"
    assert not await page.is_visible(".offline-marker")
    assert len(sockets) >= 2  # it came back by itself on a new connection
    missed = await page.evaluate("() => hallqAnnouncements.map(a => [a.number, a.replayed])")
    assert missed == [[first["number"], True], [second["number"], True]]  # queued for the voice, in order
    await context.close()


# ------------------------------------------------------- text, not HTML --

@pytest.fixture
async def hostile_notice_server(database_url: str, aiohttp_server, city: Hall, clock):
    """The hall with a notice that looks like HTML (notices are typed in by the hall's staff)."""
    hall = dataclasses.replace(city, notices=(f"通知：{XSS}", *city.notices[1:]))
    settings = Settings(halls={hall.id: hall}, database_url=database_url, identity_key=b"k" * 32, clock=clock,
                        pool_size=5)
    return await aiohttp_server(create_app(settings))


@pytest.mark.browser
async def test_names_notices_and_pause_reasons_are_shown_as_text_never_run(hostile_notice_server, browser):
    server = hostile_notice_server
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    dialogs: list[str] = []
    context.on("dialog", lambda dialog: (dialogs.append(dialog.message), asyncio.ensure_future(dialog.dismiss())))
    hall = await open_screen(context, server, HALL_SCREEN, "&voice=off")
    zone = await open_screen(context, server, ZONE_SCREEN, "&voice=off")
    sign = await open_screen(context, server, WINDOW_SIGN)

    assert await text_of(hall, "#notice-text") == f"通知：{XSS}"  # idle: nothing called yet
    async with hall_api(server) as session:
        zhang = await clerk_at(session, "zhangwei", 15)
        await zhang.window_action("pause", reason="system", message=XSS, note="staff-only")
        await sign.wait_for_function("() => document.getElementById('sign').dataset.mode === 'paused'")
        assert await text_of(sign, "#sign-detail") == f"系统故障：{XSS}"  # the reason's label, then the message
        await zhang.window_action("resume")

        ticket = await issue(session, "A01", identity={"id_number": ID_NUMBER, "name": XSS})
        masked = ticket["ticket"]["holder"]
        assert masked.startswith("<") and masked.endswith(">") and "*" in masked
        called = await zhang.call_next()
        for page in (hall, zone):
            await page.wait_for_function(SHOWS_NUMBER, arg=called["number"])
        await sign.wait_for_function("n => document.getElementById('sign-number').textContent === n",
                                     arg=called["number"])
    assert await text_of(hall, "#now-holder") == masked
    assert await text_of(sign, "#sign-detail") == masked
    assert masked in await zone.inner_text("#recent-list")
    for page in (hall, zone, sign):
        assert await page.evaluate("() => document.querySelectorAll('img').length") == 0
    await asyncio.sleep(0.3)
    assert dialogs == []
    await hall.evaluate("() => setTimeout(() => alert('probe'))")  # the listener does catch dialogs
    await hall.wait_for_timeout(300)
    assert dialogs == ["probe"]
    await context.close()


# ------------------------------------------------------- screenshots --

async def busy_morning(session: aiohttp.ClientSession) -> tuple[list[str], str]:
    """Calls across zones, so the screens have something to show; returns them and the one recalled last."""
    for service in ("A01", "A02", "B01", "C01", "A03", "F02", "B02", "A01", "D01", "C02", "A04", "A01"):
        await issue(session, service)
    clerks = [await clerk_at(session, "zhangwei", 15), await clerk_at(session, "liyang", 41),
              await clerk_at(session, "zhaolei", 89), await clerk_at(session, "wangfang", 16)]
    called = []
    for round_no in range(3):
        for clerk in clerks:
            ticket = await clerk.call_next()
            if ticket is None:
                continue
            called.append(ticket["number"])
            if clerk is clerks[0]:
                recalled = ticket["number"]
            if round_no < 2:
                await clerk.ticket_action(ticket["id"], "start")
                await clerk.ticket_action(ticket["id"], "finish")
    await clerks[0].window_action("recall")
    return called, recalled


async def drawn_with(page: Any, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew the element's text with, and how many glyphs each."""
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("DOM.enable")
        await cdp.send("CSS.enable")
        root = await cdp.send("DOM.getDocument")
        node = await cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
        fonts = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    finally:
        await cdp.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts["fonts"]}


async def check_layout(page: Any, artifacts: Path, name: str, chinese: str = "#hall-name") -> None:
    await page.evaluate("() => document.fonts.ready")
    try:  # the page shrinks long text to fit after rendering: give a loaded machine time for that
        await page.wait_for_function(f"() => ({OVERFLOWS})().length === 0", timeout=5000)
    except PlaywrightTimeout:
        pass  # reported with the details below
    await page.screenshot(path=str(artifacts / f"{name}.png"), animations="disabled")
    assert await page.evaluate(OVERFLOWS) == [], f"{name}: text does not fit"
    text = await text_of(page, chinese)
    fonts = await drawn_with(page, chinese)
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    cjk = sum(count for family, count in fonts.items() if "CJK" in family)
    assert han and cjk >= han, f"{name}: {text!r} drawn with {fonts}"


@pytest.mark.browser
async def test_screens_fit_their_resolutions(live_server, browser, artifacts):
    async with hall_api(live_server) as session:
        called, recalled = await busy_morning(session)
    assert len(called) >= 10

    big = await browser.new_context(viewport={"width": 1920, "height": 1080})
    small = await browser.new_context(viewport={"width": 800, "height": 480})
    hall, english, idle, zone, sign = await asyncio.gather(
        open_screen(big, live_server, HALL_SCREEN, "&voice=off"),
        open_screen(big, live_server, HALL_SCREEN, "&voice=off&lang=en"),
        open_screen(big, live_server, HALL_SCREEN, "&voice=off&idle=0.5"),
        open_screen(big, live_server, ZONE_SCREEN, "&voice=off"),
        open_screen(small, live_server, WINDOW_SIGN),
    )
    await hall.wait_for_function("() => document.querySelectorAll('#recent-list li').length === 10")
    await hall.wait_for_function("() => document.querySelector('.zone-card b').textContent !== '–'")
    await check_layout(hall, artifacts, "screen-hall-1920x1080")
    assert await text_of(hall, "#now-number") == recalled
    assert await text_of(hall, "#recent-list li:first-child .badge") == "重呼"

    await english.wait_for_function("() => document.querySelectorAll('#recent-list li').length === 10")
    await check_layout(english, artifacts, "screen-hall-en-1920x1080")
    assert "Window" in await text_of(english, "#recent-list")

    await idle.wait_for_selector("body.idle #notice-text", state="visible", timeout=5000)
    await check_layout(idle, artifacts, "screen-hall-notices-1920x1080")

    await zone.wait_for_function("() => document.querySelectorAll('#recent-list li').length > 3")
    await check_layout(zone, artifacts, "screen-zone-a-1920x1080")
    zone_numbers = await zone.eval_on_selector_all("#recent-list .r-number", "nodes => nodes.map(n => n.textContent)")
    assert all(n.startswith("A") for n in zone_numbers)

    await sign.wait_for_function("() => document.getElementById('sign').dataset.mode === 'called'")
    await check_layout(sign, artifacts, "sign-15-800x480")
    assert await text_of(sign, "#hall-name") == "15 号窗口"

    async with hall_api(live_server) as session:
        zhang = await Clerk(session, "zhangwei", 15).login()  # type: ignore[arg-type]
        windows = (await zhang.get("/api/v1/windows"))["windows"]
        current = next(w["current_ticket"] for w in windows if w["number"] == 15)
        await zhang.ticket_action(current, "start")
        await sign.wait_for_function("() => document.getElementById('sign').dataset.mode === 'serving'")
        assert await text_of(sign, "#sign-status") == "正在办理"
        assert await text_of(sign, "#sign-number") == recalled
        await zhang.ticket_action(current, "finish")
        await zhang.window_action("pause", reason="meal")
    await sign.wait_for_function("() => document.getElementById('sign').dataset.mode === 'paused'")
    await check_layout(sign, artifacts, "sign-15-paused-800x480")
    assert await text_of(sign, "#sign-number") == "暂停服务"
    await big.close()
    await small.close()


# ------------------------------------------------------- voice --

@needs_espeak
async def test_voice_makes_wav_once_per_text_and_keeps_it(tmp_path):
    voice = Voice(cache_dir=tmp_path)
    text = "请 A023 号 到 15 号窗口 办理"
    audio = await voice.wav(text)
    with wave.open(BytesIO(audio)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert audio[:4] == b"RIFF" and 1.5 < seconds < 10
    assert voice.syntheses == 1
    assert await voice.wav(f"  {text} ") == audio and voice.syntheses == 1  # memory
    again = Voice(cache_dir=tmp_path)
    assert await again.wav(text) == audio and again.syntheses == 0  # disk, e.g. after a restart
    crowd = Voice(cache_dir=tmp_path / "crowd")
    results = await asyncio.gather(*(crowd.wav("请 B007 号 到 41 号窗口 办理") for _ in range(8)))
    assert crowd.syntheses == 1 and len(set(results)) == 1  # eight screens at once: one synthesis


@needs_espeak
def test_voice_speaks_mandarin_and_reads_ticket_numbers_digit_by_digit():
    assert Voice().voice_name() in voice_module.VOICE_CANDIDATES
    assert spoken_form("请 A023 号 到 15 号窗口 办理") == "请 A 零二三 号 到 15 号窗口 办理"
    assert spoken_form("请A105号到7号窗口") == "请A 一零五号到7号窗口"


@pytest.mark.parametrize("text", ["", "   ", "请" * 61, XSS, "请 A023 号\x00到 15 号窗口", "A023 号 $(reboot)",
                                  "请 A023 号 到 15 号窗口 办理 😀"])
def test_voice_rejects_what_no_call_would_say(text):
    with pytest.raises(BadAnnouncement):
        check_text(text)


def test_voice_accepts_call_texts_and_tidies_their_spaces():
    assert check_text(" 请 A023 号\n到 15 号窗口 办理 ") == "请 A023 号 到 15 号窗口 办理"
    assert check_text("请 A023 号 到 15 号窗口（一楼）办理。") == "请 A023 号 到 15 号窗口（一楼）办理。"
    assert check_text("请" * 60) == "请" * 60


def test_chime_is_a_short_wav():
    with wave.open(BytesIO(chime_wav())) as wav:
        assert wav.getnchannels() == 1 and 0.5 < wav.getnframes() / wav.getframerate() < 2


@needs_espeak
async def test_announcement_audio_api(client):
    response = await client.get("/api/v1/announcements/audio", params={"text": "请 A001 号 到 15 号窗口 办理"},
                                headers=SCREEN)
    assert response.status == 200 and response.content_type == "audio/wav"
    assert (await response.read())[:4] == b"RIFF"
    assert (await client.get("/api/v1/announcements/audio", params={"text": "请 A001 号"})).status == 401
    bad = await client.get("/api/v1/announcements/audio", params={"text": XSS}, headers=SCREEN)
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "invalid"
    missing = await client.get("/api/v1/announcements/audio", headers=SCREEN)
    assert missing.status == 422
    chime = await client.get("/api/v1/announcements/chime.wav")
    assert chime.status == 200 and (await chime.read())[:4] == b"RIFF"


async def test_announcement_audio_without_espeak_is_503_for_the_screen_to_fall_back(voiceless, aiohttp_client):
    client = await aiohttp_client(create_app(voiceless))
    response = await client.get("/api/v1/announcements/audio", params={"text": "请 A001 号 到 15 号窗口 办理"},
                                headers=SCREEN)
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "voice_unavailable"
