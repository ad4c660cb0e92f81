"""What the server shows strangers: security headers on every answer, demo tokens only for the
shipped demo halls, and a warning at start while demo credentials still work."""
from __future__ import annotations

import asyncio
import dataclasses
import secrets

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from server.app import Settings, create_app
from server.config import DEFAULT_CONFIG_DIR
from server.credentials import hash_password, hash_token
from tests.processes import hall_config, hallq_serve
from tests.support import KIOSK, PASSWORD, expect

PAGES = ["/kiosk?token=demo-kiosk-entrance", "/screen?token=demo-screen-hall", "/evaluator?token=demo-tablet-41",
         "/console", "/dashboard", "/t/some-ticket-token", "/", "/static/common/base.css"]
DEMO_WARNING = "accepts demo credentials"


def assert_protected(response: aiohttp.ClientResponse) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, (response.url, csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert headers.get("X-Frame-Options") == "DENY", response.url
    assert headers.get("X-Content-Type-Options") == "nosniff", response.url
    assert headers.get("Referrer-Policy") == "no-referrer", response.url


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_is_sent_with_the_security_headers(client: TestClient, path: str):
    response = await client.get(path)
    assert response.status == 200, path
    assert_protected(response)


async def test_api_answers_and_errors_carry_the_headers_and_are_never_stored(client: TestClient):
    issued = await client.post("/api/v1/tickets", json={"service": "A01"}, headers=KIOSK)
    assert issued.status == 201  # its body carries the ticket's status token
    login = await client.post("/api/v1/staff/login", json={"hall": "city", "staff_id": "zhangwei",
                                                           "password": PASSWORD})
    assert login.status == 200  # its body carries a session token
    refused = await client.get("/api/v1/windows")
    assert refused.status == 401
    missing = await client.get("/api/v1/no-such-call")
    assert missing.status == 404
    for response in (issued, login, refused, missing, await client.get("/")):
        assert_protected(response)
        assert response.headers["Cache-Control"] == "no-store", response.url


async def test_the_index_lists_demo_device_tokens_only_for_the_shipped_demo_halls(settings: Settings, aiohttp_client):
    own = await aiohttp_client(create_app(settings))  # demo False: the halls came from a config of its own
    assert "token=" not in await (await own.get("/")).text()
    demo = await aiohttp_client(create_app(dataclasses.replace(settings, demo=True)))
    index = await (await demo.get("/")).text()
    assert "/kiosk?token=demo-kiosk-entrance" in index and "/screen?token=demo-screen-hall" in index


async def test_the_shipped_halls_warn_at_start_and_list_their_demo_links(database_url: str, tmp_path):
    server = hallq_serve("demo", DEFAULT_CONFIG_DIR, tmp_path, database_url=database_url)
    server.start()
    try:
        await server.ready()
        async with aiohttp.ClientSession() as http:
            index = await (await http.get(server.url + "/")).text()
    finally:
        server.stop()
    assert "token=demo-kiosk-entrance" in index
    warnings = [line for line in server.log_tail(200).splitlines() if DEMO_WARNING in line]
    assert any("WARNING" in line and "hall city" in line for line in warnings), server.log_tail()


def without_demo_credentials(text: str) -> str:
    """The hall with a password of its own for every staff member and its own device tokens."""
    password = hash_password("a-password-of-the-hall-only")
    lines = []
    for line in text.splitlines():
        if line.startswith("password_hash"):
            line = f'password_hash = "{password}"'
        elif line.startswith("token_hash"):
            line = f'token_hash = "{hash_token(secrets.token_urlsafe(24))}"'
        lines.append(line)
    return "\n".join(lines) + "\n"


async def test_a_hall_with_its_own_config_shows_no_tokens_and_starts_without_warning(database_url: str, tmp_path):
    own_dir, copy_dir = tmp_path / "own", tmp_path / "copy"
    own_dir.mkdir()
    copy_dir.mkdir()
    own_config = hall_config(own_dir, clerks=0)  # copies of the city hall, outside the shipped folder
    own_config.write_text(without_demo_credentials(own_config.read_text(encoding="utf-8")), encoding="utf-8")
    own = hallq_serve("own", own_config, own_dir, database_url=database_url)
    # The copy has a database of its own: devices and staff live in the database, so a second hall file
    # on the same database would seed its demo kiosk into the first hall too.
    copy = hallq_serve("copy", hall_config(copy_dir, clerks=0), copy_dir)
    own.start()
    copy.start()
    try:
        await asyncio.gather(own.ready(), copy.ready())
        async with aiohttp.ClientSession() as http:
            own_index = await (await http.get(own.url + "/")).text()
            copy_index = await (await http.get(copy.url + "/")).text()
            await expect(await http.post(own.url + "/api/v1/tickets", json={"service": "A01"}, headers=KIOSK), 401)
    finally:
        own.stop()
        copy.stop()
    assert "token=" not in own_index and "token=" not in copy_index  # neither runs the shipped halls
    assert DEMO_WARNING not in own.log_tail(200)
    assert DEMO_WARNING in copy.log_tail(200)  # the copy still takes the demo password and tokens
