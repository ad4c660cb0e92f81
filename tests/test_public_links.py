"""The ticket's QR code leads to the hall's public address (`public_url`), wherever the kiosk
reached the server from: on the kiosk's screen, on paper and in the issue answer; and the
server warns at start about a hall that sets none."""
from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from printers.emulator import PrinterEmulator
from server.app import Settings
from server.config import DEFAULT_CONFIG_DIR, load_hall
from server.hall import Hall
from tests import support
from tests.agents import agent_settings, running_agent
from tests.processes import hallq_serve
from tests.qr_codes import decode_png, decode_svg
from tests.support import KIOSK

PUBLIC = "https://zwfw.example.gov.cn/hallq"
UNSET_WARNING = "sets no public_url"


@pytest.fixture
def settings(city: Hall, settings: Settings) -> Settings:
    """The reference hall with its public address set; the server itself listens on localhost."""
    public = dataclasses.replace(city, public_url=PUBLIC)
    return dataclasses.replace(settings, halls={public.id: public})


async def qr_texts(client: TestClient | aiohttp.ClientSession, base: str, token: str) -> tuple[list[str], list[str]]:
    """What the kiosk screen's QR code (SVG) and the ticket's preview image (PNG) decode to."""
    async with client.get(f"{base}/api/v1/public/tickets/{token}/qr.svg") as svg:
        assert svg.status == 200 and svg.content_type == "image/svg+xml"
        on_screen = decode_svg(await svg.read())
    async with client.get(f"{base}/api/v1/public/tickets/{token}/preview.png") as png:
        assert png.status == 200
        on_paper = decode_png(await png.read())
    return on_screen, on_paper


async def test_the_issue_answer_and_the_kiosk_qr_code_lead_to_the_public_address(client: TestClient):
    issued = await support.issue(client, "B01")
    link = f"{PUBLIC}/t/{issued['status_token']}"
    assert issued["status_url"] == link
    assert await qr_texts(client, "", issued["status_token"]) == ([link], [link])


@pytest.fixture
async def printer_emulator(tmp_path: Path) -> AsyncIterator[PrinterEmulator]:
    async with PrinterEmulator(tmp_path / "printer") as emulator:
        yield emulator


async def test_the_printed_ticket_leads_to_the_public_address(live_server, printer_emulator, tmp_path):
    base = str(live_server.make_url("")).rstrip("/")  # http://127.0.0.1:<port>, as a kiosk on the LAN
    async with running_agent(agent_settings(base, tmp_path / "agent", printer=str(printer_emulator.link))), \
            aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/v1/tickets", json={"service": "A01"}, headers=KIOSK) as response:
            issued = await support.expect(response, 201)
        printout = await printer_emulator.wait_for_cuts(1, timeout=10)
        link = f"{PUBLIC}/t/{issued['status_token']}"
        assert printout.qr_payloads == (link,)
        assert (await qr_texts(http, base, issued["status_token"]))[1] == [link]  # the job's own layout


def test_without_a_public_address_the_link_follows_the_request():
    township = load_hall(DEFAULT_CONFIG_DIR / "township.toml")
    assert township.public_url is None
    assert township.status_url("tok", "http://192.168.1.20:8080") == "http://192.168.1.20:8080/t/tok"
    assert dataclasses.replace(township, public_url=PUBLIC).status_url("tok", "http://x") == f"{PUBLIC}/t/tok"


async def test_the_server_warns_at_start_for_each_hall_without_a_public_address(database_url: str, tmp_path):
    halls = tmp_path / "halls"
    halls.mkdir()
    city = (DEFAULT_CONFIG_DIR / "city.toml").read_text(encoding="utf-8")
    with_url = city.replace('timezone = "Asia/Shanghai"', f'timezone = "Asia/Shanghai"\npublic_url = "{PUBLIC}/"', 1)
    assert with_url != city
    (halls / "city.toml").write_text(with_url, encoding="utf-8")
    shutil.copy(DEFAULT_CONFIG_DIR / "township.toml", halls / "township.toml")
    server = hallq_serve("links", halls, tmp_path, database_url=database_url)
    server.start()
    try:
        await server.ready()
    finally:
        server.stop()
    warnings = [line for line in server.log_tail(200).splitlines() if UNSET_WARNING in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0] and "hall township" in warnings[0], server.log_tail()
