"""The kiosk device agent against a real server, with the reader and printer emulated on ptys."""
from __future__ import annotations

import asyncio
import io
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from hardware.reader_emulator import SAMPLE_CARD, ReaderEmulator
from hardware.samframe import FIND, READ
from printers.emulator import PrinterEmulator
from printers.status import FIXED_BITS, OFFLINE_BIT, PAPER_ROLL, PRINTER, PrinterState
from tests import support
from tests.agents import KIOSK_ID, KIOSK_TOKEN, Feed, agent_settings, database_text, job_rows, running_agent
from tests.processes import HALLQ, Remote
from tests.support import KIOSK, PASSWORD

OTHER_CARD = SAMPLE_CARD | {"name": "李小四", "birth": "19900307", "id_number": "110101199003071233",
                            "address": "北京市东城区东华门大街1号"}


@pytest.fixture
def reader_emulator() -> Iterator[ReaderEmulator]:
    with ReaderEmulator() as emulator:
        yield emulator


@pytest.fixture
async def printer_emulator(tmp_path: Path) -> AsyncIterator[PrinterEmulator]:
    async with PrinterEmulator(tmp_path / "printer") as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def base_url(live_server) -> str:
    return str(live_server.make_url("")).rstrip("/")


@pytest.fixture
async def kiosk_feed(session: aiohttp.ClientSession, base_url: str) -> AsyncIterator[Feed]:
    """What the kiosk's own screen hears: its device topic."""
    feed = await Feed.open(session, base_url, KIOSK_TOKEN, f"kiosk:{KIOSK_ID}")
    yield feed
    await feed.close()


async def issue(session: aiohttp.ClientSession, base_url: str, service: str = "A01", **body: object) -> dict:
    return await support.issue(Remote(session, base_url), service, **body)


async def refused(session: aiohttp.ClientSession, base_url: str, status: int, **body: object) -> str:
    response = await session.post(f"{base_url}/api/v1/tickets", json={"service": "A01", **body}, headers=KIOSK)
    return (await support.expect(response, status))["error"]["code"]


async def manager_token(session: aiohttp.ClientSession, base_url: str) -> str:
    login = {"hall": "city", "staff_id": "wangfang", "password": PASSWORD}
    async with session.post(f"{base_url}/api/v1/staff/login", json=login) as response:
        return (await response.json())["token"]


async def swipe(reader: ReaderEmulator, kiosk_feed: Feed, card: dict[str, str] = SAMPLE_CARD) -> dict:
    """Take any card away and present `card`: the identity the kiosk hears."""
    reader.remove_card()
    # Two polls without a card: the reader has seen the field empty, so the card counts as new.
    seen = len(reader.received)
    async with asyncio.timeout(5):
        while sum((c.cmd, c.para) == FIND for c in reader.received[seen:]) < 2:
            await asyncio.sleep(0.02)
    reader.place_card(card)
    return (await kiosk_feed.next("kiosk.identity"))["identity"]


async def test_card_swipe_to_printed_ticket(reader_emulator, printer_emulator, kiosk_feed, session, base_url,
                                            database_url, tmp_path):
    settings = agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port,
                              printer=str(printer_emulator.link))
    async with running_agent(settings):
        identity = await swipe(reader_emulator, kiosk_feed)
        assert identity["name_masked"] == "张*"
        assert identity["id_masked"] == "1101**********002X"
        assert identity["green_eligible"] is True  # born 1949: over the hall's green_auto_age of 70

        issued = await issue(session, base_url, identity_token=identity["identity_token"])
        ticket = issued["ticket"]
        assert ticket["priority"] == "green" and ticket["holder"] == "张*"

        printout = await printer_emulator.wait_for_cuts(1, timeout=10)
        printed = await kiosk_feed.next("kiosk.printed")
        assert printed["ticket"] == {"id": ticket["id"], "number": ticket["number"]}

    lines = printout.text_lines
    assert ticket["number"] in printout.enlarged
    assert "驻马店市民中心服务大厅" in lines
    assert "不动产登记综合受理区 · 1楼" in lines
    assert "不动产转移登记（二手房买卖）" in lines
    assert "取号人：张*" in lines
    assert "暂无开放窗口" in lines  # no window is signed in: no wait is promised
    assert printout.qr_payloads == (f"{base_url}/t/{issued['status_token']}",)
    assert printout.code128_payloads == (ticket["number"],)
    assert [(r["ticket_id"], r["status"], r["attempts"]) for r in await job_rows(database_url)] == [
        (ticket["id"], "printed", 1)]


async def test_identity_token_is_single_use_and_counts_for_the_ticket_limit(
        reader_emulator, kiosk_feed, session, base_url, tmp_path):
    async with running_agent(agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port)):
        first = await swipe(reader_emulator, kiosk_feed, OTHER_CARD)
        issued = await issue(session, base_url, identity_token=first["identity_token"])
        assert issued["ticket"]["priority"] == "normal"  # 36 years old
        assert await refused(session, base_url, 409, identity_token=first["identity_token"]) == "identity_expired"
        # The same person by the raw number: the limit (2 per service) counts the card's ticket.
        await issue(session, base_url, identity={"id_number": OTHER_CARD["id_number"]})
        again = await swipe(reader_emulator, kiosk_feed, OTHER_CARD)
        assert await refused(session, base_url, 409, identity_token=again["identity_token"]) == "ticket_limit"
        # A refused ticket leaves the read unused: another service still takes it.
        other = await issue(session, base_url, "B01", identity_token=again["identity_token"])
        assert other["ticket"]["holder"] == "李*四"


async def test_corrupted_read_is_reported_and_the_next_card_goes_through(reader_emulator, kiosk_feed, base_url,
                                                                         tmp_path):
    async with running_agent(agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port)):
        reader_emulator.corrupt_next("checksum", READ)
        reader_emulator.place_card(SAMPLE_CARD)
        error = await kiosk_feed.next("kiosk.card_error")
        assert error["error"] == "ChecksumError" and error["device"] == KIOSK_ID
        identity = await swipe(reader_emulator, kiosk_feed, OTHER_CARD)
        assert identity["name_masked"] == "李*四"


async def test_printer_faults_reach_managers_and_the_kiosk_gets_the_preview(
        printer_emulator, kiosk_feed, session, base_url, database_url, tmp_path):
    token = await manager_token(session, base_url)
    managers = await Feed.open(session, base_url, token, "managers")

    async def status(printer: str, detail: str | None = None) -> dict:
        event = await managers.next("device.status", lambda e: e["printer"] == printer)
        assert event["device"] == KIOSK_ID and event["connected"] is True
        assert event["printer_detail"] == detail
        return event

    async def print_fails(error: str) -> None:
        issued = await issue(session, base_url)
        failed = await kiosk_feed.next("kiosk.print_failed")
        assert (failed["status_token"], failed["error"]) == (issued["status_token"], error)
        async with session.get(base_url + failed["preview"]) as response:
            assert response.status == 200 and response.content_type == "image/png"
            image = Image.open(io.BytesIO(await response.read()))
        assert image.width == 576  # the kiosk's 80 mm paper, one pixel per printer dot

    settings = agent_settings(base_url, tmp_path / "agent", printer=str(printer_emulator.link))
    async with running_agent(settings):
        await status("ok")
        printer_emulator.state = PrinterState.PAPER_OUT
        alarm = await status("paper_out")
        assert [a["code"] for a in alarm["alarms"]] == ["printer_paper_out"]
        await print_fails("paper_out")

        printer_emulator.state = PrinterState.OK
        assert (await status("ok"))["alarms"] == []
        printer_emulator.unplug()  # the cable is pulled
        await status("offline", "port_missing")
        printer_emulator.state = PrinterState.OFFLINE  # plugged back, but it does not answer
        printer_emulator.plug()
        await status("offline", "no_answer")
        await print_fails("offline")

        async with session.get(f"{base_url}/api/v1/devices", headers={"Authorization": f"Bearer {token}"}) as response:
            listed = {d["device"]: d for d in (await response.json())["devices"]}
        assert listed[KIOSK_ID]["printer"] == "offline" and listed[KIOSK_ID]["connected"] is True
        assert listed[KIOSK_ID]["alarms"][0]["code"] == "printer_offline"
        assert listed["kiosk-a"]["registered"] is False

    # The agent is gone: the managers hear it, and a ticket issued now is not queued for printing.
    gone = await managers.next("device.status", lambda e: not e["connected"])
    assert [a["code"] for a in gone["alarms"]] == ["agent_offline"]
    await print_fails("agent_offline")
    assert [r["status"] for r in await job_rows(database_url)] == ["failed"] * 3
    await managers.close()


async def test_a_sam_that_fails_on_find_is_a_reader_alarm_not_a_stream_of_card_errors(
        reader_emulator, kiosk_feed, session, base_url, tmp_path):
    managers = await Feed.open(session, base_url, await manager_token(session, base_url), "managers")
    async with running_agent(agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port)):
        await managers.next("device.status", lambda e: e["reader"] == "ok")
        reader_emulator.break_sam(0x60, FIND)  # SAM self-test failed, on every find
        faulty = await managers.next("device.status", lambda e: e["reader"] == "faulty")
        assert [a["code"] for a in faulty["alarms"]] == ["reader_faulty"]
        await asyncio.sleep(1.5)  # some fifteen polls of the broken SAM
        assert [e for e in kiosk_feed.events if e["kind"] == "kiosk.card_error"] == []
        reader_emulator.repair()
        assert (await managers.next("device.status", lambda e: e["reader"] == "ok"))["alarms"] == []
        identity = await swipe(reader_emulator, kiosk_feed)
        assert identity["name_masked"] == "张*"
    await managers.close()


async def test_a_printer_that_answers_is_reported_by_its_bits_and_prints_without_paper_sensors(
        printer_emulator, kiosk_feed, session, base_url, tmp_path):
    managers = await Feed.open(session, base_url, await manager_token(session, base_url), "managers")

    async def status(printer: str, detail: str | None) -> dict:
        return await managers.next("device.status", lambda e: (e["printer"], e["printer_detail"]) == (printer, detail))

    async with running_agent(agent_settings(base_url, tmp_path / "agent", printer=str(printer_emulator.link))):
        await status("ok", None)
        printer_emulator.replies = {PRINTER: FIXED_BITS | OFFLINE_BIT}  # it answers, and says it is offline
        assert [a["code"] for a in (await status("offline", "offline"))["alarms"]] == ["printer_offline"]
        printer_emulator.replies = {PAPER_ROLL: None}  # a model without paper sensors
        assert (await status("ok", "paper_unknown"))["alarms"] == []
        issued = await issue(session, base_url)
        printed = await kiosk_feed.next("kiosk.printed")
        assert printed["ticket"]["number"] == issued["ticket"]["number"]
        assert issued["ticket"]["number"] in (await printer_emulator.wait_for_cuts(1)).enlarged
    await managers.close()


async def test_no_full_id_number_or_name_in_logs_or_database(reader_emulator, printer_emulator, kiosk_feed, session,
                                                              base_url, database_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("server", "hardware", "printers", "aiohttp", "asyncpg", "websockets"):
        caplog.set_level(logging.DEBUG, logger=name)
    settings = agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port,
                              printer=str(printer_emulator.link))
    async with running_agent(settings):
        reader_emulator.corrupt_next("checksum", READ)
        reader_emulator.place_card(SAMPLE_CARD)
        await kiosk_feed.next("kiosk.card_error")
        identity = await swipe(reader_emulator, kiosk_feed)
        await issue(session, base_url, identity_token=identity["identity_token"])
        await kiosk_feed.next("kiosk.printed")
        printer_emulator.state = PrinterState.PAPER_OUT
        other = await swipe(reader_emulator, kiosk_feed, OTHER_CARD)
        await issue(session, base_url, identity_token=other["identity_token"])
        await kiosk_feed.next("kiosk.print_failed")

    personal = [SAMPLE_CARD["id_number"], SAMPLE_CARD["name"], SAMPLE_CARD["address"],
               OTHER_CARD["id_number"], OTHER_CARD["name"], OTHER_CARD["address"]]
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "card read: IdCard(resident, 张*, 1101**********002X)" in logged  # the agent did log the card
    stored = await database_text(database_url)
    assert "1101**********002X" in stored and "张*" in stored  # masked forms are kept
    printed = "\n".join(printer_emulator.decode().text_lines)
    for data in personal:
        assert data not in logged, f"{data!r} was logged"
        assert data not in stored, f"{data!r} is in the database"
        assert data not in printed, f"{data!r} was printed"


async def test_hallq_agent_command(reader_emulator, printer_emulator, kiosk_feed, session, base_url, tmp_path):
    """The installed `hallq agent`, logging at DEBUG: a card and a ticket, and only masked data in its log."""
    log_path = tmp_path / "agent.log"
    with open(log_path, "wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(HALLQ), "agent", "--server", base_url.replace("http://", "ws://"), "--reader", reader_emulator.port,
            "--printer", str(printer_emulator.link), "--state-dir", str(tmp_path / "agent"), "--status-interval", "1",
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            env={**os.environ, "HALLQ_AGENT_TOKEN": KIOSK_TOKEN, "HALLQ_LOG": "DEBUG"},
        )
    try:
        await kiosk_feed.next("device.status", lambda e: e["connected"] and e["printer"] == "ok", timeout=20)
        identity = await swipe(reader_emulator, kiosk_feed)
        await issue(session, base_url, identity_token=identity["identity_token"])
        printout = await printer_emulator.wait_for_cuts(1, timeout=10)
        assert "取号人：张*" in printout.text_lines
    finally:
        process.terminate()
        await process.wait()
    logged = log_path.read_text(encoding="utf-8")
    assert "card read: IdCard(resident, 张*, 1101**********002X)" in logged
    assert SAMPLE_CARD["id_number"] not in logged and SAMPLE_CARD["name"] not in logged


async def kiosk_page(browser, base_url: str):
    """The kiosk page, once its live socket has said hello (so it hears its own topic)."""
    context = await browser.new_context(viewport={"width": 1080, "height": 1920})
    page = await context.new_page()
    async with page.expect_websocket() as opened:
        await page.goto(f"{base_url}/kiosk?token={KIOSK_TOKEN}")
    socket = await opened.value
    await socket.wait_for_event("framereceived")
    return page


@pytest.mark.browser
@pytest.mark.parametrize("paper", [PrinterState.OK, PrinterState.PAPER_OUT])
async def test_the_kiosk_page_uses_the_swiped_card_and_shows_the_ticket_when_it_cannot_print(
        paper, reader_emulator, printer_emulator, kiosk_feed, browser, base_url, tmp_path, artifacts):
    from playwright.async_api import expect

    printer_emulator.state = paper
    settings = agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port,
                              printer=str(printer_emulator.link))
    async with running_agent(settings):
        page = await kiosk_page(browser, base_url)
        await swipe(reader_emulator, kiosk_feed)
        await expect(page.locator("#identity-name")).to_have_text("张*")
        await page.locator('.zone-card[data-zone="A"]').click()
        await page.locator('.service-card[data-service="A01"]').click()
        await expect(page.locator("#ticket-number")).to_have_text("A001")
        await expect(page.locator("#ticket-badge")).to_be_visible()  # green channel from the card's birth date
        if paper is PrinterState.OK:
            printout = await printer_emulator.wait_for_cuts(1, timeout=10)
            assert "A001" in printout.enlarged
            await expect(page.locator("#qr-box")).to_be_visible()
            assert await page.locator("#print-failed").is_hidden()
        else:
            await expect(page.locator("#print-failed")).to_be_visible()
            await expect(page.locator("#print-preview")).to_have_attribute("src", re.compile(r"/preview\.png$"))
            await page.wait_for_function("() => document.getElementById('print-preview').naturalWidth === 576")
            assert await page.locator("#qr-box").is_hidden()
            assert printer_emulator.decode().cuts == 0
            await page.screenshot(path=artifacts / "kiosk-ticket-no-paper.png")
            fits = "() => document.documentElement.scrollHeight <= innerHeight && " \
                   "document.getElementById('ticket-done').getBoundingClientRect().bottom <= innerHeight"
            assert await page.evaluate(fits), "the ticket screen overflows the kiosk"


@pytest.mark.browser
async def test_the_kiosk_page_asks_for_the_card_again_after_a_failed_read(
        reader_emulator, kiosk_feed, browser, base_url, tmp_path, artifacts):
    from playwright.async_api import expect

    async with running_agent(agent_settings(base_url, tmp_path / "agent", reader=reader_emulator.port)):
        page = await kiosk_page(browser, base_url)
        prompt = page.locator("#card-again")
        await expect(page.locator("#screen-start")).to_be_visible()
        assert await prompt.is_hidden()
        reader_emulator.corrupt_next("checksum", READ)
        reader_emulator.place_card(SAMPLE_CARD)
        await kiosk_feed.next("kiosk.card_error")
        await expect(prompt).to_be_visible()
        await expect(prompt).to_have_text("请重新放置身份证")
        await page.screenshot(path=artifacts / "kiosk-card-again.png")
        await page.locator("#lang").click()
        await expect(prompt).to_have_text("Please place your ID card on the reader again")
        await page.locator("#lang").click()
        await page.locator('.zone-card[data-zone="A"]').click()
        await expect(page.locator("#screen-services")).to_be_visible()
        await expect(prompt).to_be_visible()  # still asked on the next screen

        await swipe(reader_emulator, kiosk_feed)
        await expect(page.locator("#identity-name")).to_have_text("张*")
        await expect(prompt).to_be_hidden()
