"""Logs a hall can run on: one JSON object per line, whatever a client sends, with the
request's id on the lines of a request and in its answer; a client that leaves is a
line of information, not an error with a traceback."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from simulator.server_process import ServerProcess
from tests.processes import Remote, hall_config, hallq_serve
from tests.support import issue

FORGED = "/api/v1/public/tickets/%00%0A2026-12-02%2006:00:00,000%20INFO%20server.app:%20FORGED%20LINE"
DROPPED = 300  # clients that leave during hello


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """`hallq serve` logging at INFO, access lines included."""
    process = hallq_serve("logs", hall_config(tmp_path, clerks=0), tmp_path, database_url=database_url,
                          log_level="INFO")
    process.start()
    try:
        await process.ready()
        yield process
    finally:
        process.stop()


def records(process: ServerProcess) -> list[dict[str, Any]]:
    """Every line of the server's log, each of which must be one JSON object."""
    return [json.loads(line) for line in process.log_path.read_text(encoding="utf-8").splitlines()]


async def test_a_path_forging_a_log_line_stays_a_field_of_one_json_line(server: ServerProcess):
    async with aiohttp.ClientSession() as http:
        async with http.get(URL(server.url + FORGED, encoded=True), headers={"X-Request-Id": "kiosk-7.42"}) as got:
            body, header = await got.json(), got.headers["X-Request-Id"]
    await asyncio.sleep(0.5)  # the access line is written after the answer
    server.stop()

    lines = server.log_path.read_text(encoding="utf-8").splitlines()
    assert all(line.startswith("{") for line in lines), lines
    forged = [r for r in records(server) if "FORGED LINE" in json.dumps(r, ensure_ascii=False)]
    access = [r for r in forged if r["logger"] == "hallq.access"]
    assert len(access) == 1, forged
    assert access[0]["path"].endswith("\n2026-12-02 06:00:00,000 INFO server.app: FORGED LINE")
    assert all(r["request_id"] == "kiosk-7.42" for r in forged), forged
    assert header == body["error"]["request_id"] == "kiosk-7.42"


async def test_error_answers_carry_the_request_id_and_an_insane_one_is_replaced(client):
    kept = await client.get("/api/v1/tickets/1", headers={"X-Request-Id": "desk-3:abc"})
    assert kept.status == 401
    assert (await kept.json())["error"]["request_id"] == kept.headers["X-Request-Id"] == "desk-3:abc"

    replaced = await client.get("/api/v1/nowhere", headers={"X-Request-Id": "x" * 65})
    made = (await replaced.json())["error"]["request_id"]
    assert replaced.status == 404 and made == replaced.headers["X-Request-Id"]
    assert len(made) == 16 and made != "x" * 65

    answered = await client.get("/api/v1/health")
    assert answered.status == 200 and len(answered.headers["X-Request-Id"]) == 16


async def _leave_during_hello(port: int, wait_for_upgrade: bool) -> None:
    """Ask for a screen's socket replaying from seq 0, then reset the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(("GET /api/v1/live?token=demo-screen-hall&topics=hall&since=0 HTTP/1.1\r\nHost: hall\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    await writer.drain()
    if wait_for_upgrade:
        await reader.readuntil(b"\r\n")
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
    writer.close()


async def test_clients_leaving_during_hello_leave_no_error_in_the_log(server: ServerProcess):
    async with aiohttp.ClientSession() as http:
        kiosk = Remote(http, server.url)
        for _ in range(5):  # events to replay: the resume writes to the socket the client reset
            await issue(kiosk)
        for _ in range(DROPPED // 50):
            await asyncio.gather(*(_leave_during_hello(server.port, n % 2 == 0) for n in range(50)))
        await asyncio.sleep(1.0)
        async with http.get(server.url + "/api/v1/ready") as ready:
            assert ready.status == 200
    server.stop()

    logged = records(server)
    assert not [r for r in logged if r["level"] in ("ERROR", "CRITICAL") or "exc_info" in r], logged[-5:]
    left = [r for r in logged if "left" in r["message"]]
    assert left and all(r.get("request_id") for r in left), left[:5]
