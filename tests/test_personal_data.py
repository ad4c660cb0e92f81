"""A morning of card reads, transfer notes and pauses leaves no personal data behind.

Neither the database (as `pg_dump` writes it) nor anything a screen, a ticket
link or a screen's window list receives holds a full ID number, a card
holder's full name or a birth date; staff notes stay with staff.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pgserver
import pytest

from server.app import Settings, create_app
from server.card_reads import CARD_READ_LIFETIME, FORGET_CARD_READS_AFTER
from tests.agents import KIOSK_TOKEN
from tests.support import SCREEN, expect

ZHANG = {"name": "张三丰", "id_number": "410502198503141239", "birth_date": "1985-03-14"}
ELDER = {"name": "李老四", "id_number": "11010519491231002X", "birth_date": "1949-12-31"}
SECRETS = ("410502198503141239", "11010519491231002X", "张三丰", "李老四",
           "19850314", "1985-03-14", "19491231", "1949-12-31")
PAUSE_NOTE_NAME = "王大锤"  # a colleague's name in an internal note: for staff, never for screens
MOBILE = "13812345678"
SCREEN_TOPICS = "hall,zone:A,zone:B,window:41,window:42"


class Listener:
    """Every text message one live socket receives, collected in the background."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.messages = ws, []
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(msg.data))

    async def wait_for(self, kind: str) -> dict[str, Any]:
        async with asyncio.timeout(10):
            while True:
                for message in self.messages:
                    if message.get("kind") == kind:
                        return message
                await asyncio.sleep(0.02)

    @property
    def text(self) -> str:
        return json.dumps(self.messages, ensure_ascii=False)

    async def close(self) -> None:
        await self.ws.close()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def base(live_server) -> str:
    return str(live_server.make_url("")).rstrip("/")


async def listen(session: aiohttp.ClientSession, url: str) -> Listener:
    return Listener(await session.ws_connect(url))


async def agent_reads(session: aiohttp.ClientSession, base: str, *cards: dict[str, str]) -> list[str]:
    """The kiosk's agent reports `cards`; returns the identity token the kiosk's screen got for each."""
    kiosk = await listen(session, f"{base}/api/v1/live?token={KIOSK_TOKEN}&topics=kiosk:kiosk-entrance")
    agent = await session.ws_connect(f"{base}/api/v1/agent", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"})
    await agent.send_json({"type": "hello", "agent": "test", "reader": "ok"})
    assert (await agent.receive_json(timeout=10))["type"] == "welcome"
    tokens = []
    for card in cards:
        await agent.send_json({"type": "card", "card": {**card, "card_type": "resident"}})
        async with asyncio.timeout(10):
            while len([m for m in kiosk.messages if m.get("kind") == "kiosk.identity"]) <= len(tokens):
                await asyncio.sleep(0.02)
        reads = [m for m in kiosk.messages if m.get("kind") == "kiosk.identity"]
        tokens.append(reads[-1]["identity"]["identity_token"])
    await agent.close()
    await kiosk.close()
    return tokens


async def staff(session: aiohttp.ClientSession, base: str, staff_id: str, window: int) -> dict[str, str]:
    login = await expect(await session.post(f"{base}/api/v1/staff/login", json={
        "hall": "city", "staff_id": staff_id, "password": "hallq-demo"}), 200)
    headers = {"Authorization": f"Bearer {login['token']}"}
    await expect(await session.post(f"{base}/api/v1/windows/{window}/sign-in", json={}, headers=headers), 200)
    return headers


async def pg_dump(database_url: str) -> str:
    """The whole database as `pg_dump` writes it (pgserver ships it next to postgres)."""
    binary = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    process = await asyncio.create_subprocess_exec(
        str(binary), "--no-owner", "-d", database_url, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "PGCLIENTENCODING": "UTF8"})
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_morning_leaves_no_id_number_name_or_birth_date_behind(session, base, database_url, caplog):
    caplog.set_level(logging.DEBUG)
    screen = await listen(session, f"{base}/api/v1/live?token=demo-screen-hall&topics={SCREEN_TOPICS}")
    zhang_token, elder_token = await agent_reads(session, base, ZHANG, ELDER)
    kiosk = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
    issued = await expect(await session.post(f"{base}/api/v1/tickets", headers=kiosk, json={
        "service": "B01", "identity_token": zhang_token, "idempotency_key": "morning-0001"}), 201)
    elder = await expect(await session.post(f"{base}/api/v1/tickets", headers=kiosk, json={
        "service": "B01", "identity_token": elder_token, "idempotency_key": "morning-0002"}), 201)
    assert elder["ticket"]["priority"] == "green"  # the age rule still works without a birth date kept
    link = await listen(session, f"{base}/api/v1/live?ticket={issued['status_token']}")

    clerk = await staff(session, base, "zhangwei", 41)
    await staff(session, base, "liyang", 42)  # a transfer goes to an open window only
    number = issued["ticket"]["number"]
    called = await expect(await session.post(f"{base}/api/v1/windows/41/call", json={"number": number},
                                             headers=clerk), 200)
    ticket_id = called["ticket"]["id"]
    await expect(await session.post(f"{base}/api/v1/tickets/{ticket_id}/start", headers=clerk), 200)
    moved = await expect(await session.post(f"{base}/api/v1/tickets/{ticket_id}/transfer", headers=clerk, json={
        "window": 42, "note": f"张三丰 {ZHANG['id_number']} 电话 {MOBILE}，需补材料",
        "message": f"张三丰您好，请持 {ZHANG['id_number']} 的身份证到 42 号窗口，有事请拨 {MOBILE}"}), 200)
    assert moved["ticket"]["note"] == "张*丰 4105**********1239 电话 138****5678，需补材料"  # staff see it, masked
    await expect(await session.post(f"{base}/api/v1/windows/41/pause", headers=clerk, json={
        "reason": "meeting", "note": f"{PAUSE_NOTE_NAME} 来电 {ZHANG['id_number']}",
        "message": f"请咨询 {MOBILE}"}), 200)
    await screen.wait_for("window.paused")
    await link.wait_for("ticket.transferred")

    public = await expect(await session.get(f"{base}/api/v1/public/tickets/{issued['status_token']}"), 200)
    assert public["ticket"]["message"] == (
        "张*丰您好，请持 4105**********1239 的身份证到 42 号窗口，有事请拨 138****5678")
    windows = await expect(await session.get(f"{base}/api/v1/windows", headers=SCREEN), 200)
    at_41 = next(w for w in windows["windows"] if w["number"] == 41)
    assert at_41["pause_reason"] == "meeting" and at_41["pause_message"] == "请咨询 138****5678"
    staff_view = await expect(await session.get(f"{base}/api/v1/windows", headers=clerk), 200)
    assert next(w for w in staff_view["windows"] if w["number"] == 41)["pause_note"] == (
        f"{PAUSE_NOTE_NAME} 来电 4105**********1239")

    public_text = json.dumps([screen.messages, link.messages, public, windows], ensure_ascii=False)
    for secret in (*SECRETS, MOBILE, PAUSE_NOTE_NAME, "需补材料"):
        assert secret not in public_text, secret
    await screen.close()
    await link.close()
    dump = await pg_dump(database_url)
    assert "4105**********1239" in dump  # the masked form is what is kept
    for secret in (*SECRETS, MOBILE):
        assert secret not in dump, secret
        assert secret not in caplog.text, secret


@pytest.fixture
async def sweeping_server(settings: Settings, aiohttp_server):
    """The app deleting expired card reads every 50 ms instead of every minute."""
    return await aiohttp_server(create_app(Settings(**{**vars(settings), "card_read_sweep": 0.05})))


async def card_reads(database_url: str) -> int:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetchval("SELECT count(*) FROM card_reads")
    finally:
        await con.close()


async def test_expired_card_reads_are_deleted_on_a_timer_without_another_read(sweeping_server, session,
                                                                              database_url, clock):
    await agent_reads(session, str(sweeping_server.make_url("")).rstrip("/"), ZHANG)
    assert await card_reads(database_url) == 1
    await asyncio.sleep(0.3)
    assert await card_reads(database_url) == 1  # still valid: kept
    clock.advance(seconds=(CARD_READ_LIFETIME + FORGET_CARD_READS_AFTER).total_seconds() + 1)
    async with asyncio.timeout(5):
        while await card_reads(database_url):
            await asyncio.sleep(0.05)
