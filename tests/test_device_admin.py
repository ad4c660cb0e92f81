"""Devices and staff in the database, managed live: seeding from the hall file, the admin API
with the file's own checks, revokes that hold at once (the next request, the open sockets,
every server process), heartbeats and the silent-device alarm on a stepped clock."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from server.app import create_app
from server.credentials import hash_token
from server.hall import Device, DeviceKind
from tests.support import KIOSK, PASSWORD, SCREEN, Clerk, expect
from tests.test_ratings import rows
from tests.test_sign_in import audit_rows

ADMIN, MANAGER = "chenjing", "wangfang"


async def admin(client: Any) -> Clerk:
    return await Clerk(client, ADMIN, 0).login()


async def test_seeding_is_idempotent_and_what_the_database_has_wins(settings, aiohttp_client, database_url, city):
    client = await aiohttp_client(create_app(settings))
    root = await admin(client)
    await expect(await client.patch("/api/v1/devices/screen-hall", json={"voice": "off"}, headers=root.headers), 200)
    before = await rows(database_url, "SELECT id, settings FROM hall_devices ORDER BY id")
    staff_before = await rows(database_url, "SELECT id FROM hall_staff ORDER BY id")
    assert [r["id"] for r in before] == sorted(d.id for d in city.devices)
    assert len(staff_before) == len(city.staff)
    await client.close()

    # The same file again, and one device more: only the new one is inserted, the changed one stays changed.
    extra = Device("screen-new", DeviceKind.SCREEN, hash_token("new-screen-token"), screen="hall")
    again = dataclasses.replace(settings, halls={city.id: dataclasses.replace(city, devices=(*city.devices, extra))})
    client = await aiohttp_client(create_app(again))
    after = await rows(database_url, "SELECT id, settings FROM hall_devices ORDER BY id")
    assert [r["id"] for r in after] == sorted([*(r["id"] for r in before), "screen-new"])
    kept = {r["id"]: r["settings"] for r in after if r["id"] != "screen-new"}
    assert kept == {r["id"]: r["settings"] for r in before}
    assert json.loads(next(r for r in after if r["id"] == "screen-hall")["settings"])["voice"] == "off"
    assert len(await rows(database_url, "SELECT id FROM hall_staff")) == len(city.staff)
    device = await expect(await client.get("/api/v1/device", headers={"Authorization": "Bearer new-screen-token"}), 200)
    assert device["device"]["screen"] == "hall"
    screen_hall = await expect(await client.get("/api/v1/device", headers=SCREEN), 200)
    assert screen_hall["device"]["voice"] is False  # the database's, not the file's "on"


async def test_devices_are_checked_as_strictly_as_the_file_and_only_admins_manage_them(client):
    root = await admin(client)
    manager = await Clerk(client, MANAGER, 0).login()

    async def add(status: int, who: Clerk = root, **body: Any) -> dict[str, Any]:
        return await expect(await client.post("/api/v1/devices", json=body, headers=who.headers), status)

    assert (await add(403, manager, id="s1", kind="screen", screen="hall"))["error"]["code"] == "forbidden"
    refused = await add(422, id="s1", kind="screen", screen="zone", zones=["Q"])
    assert refused["error"]["details"]["field"] == "zones[0]" and "unknown zone Q" in refused["error"]["message"]
    no_window = await add(422, id="s1", kind="screen", screen="window", window=9999)
    assert no_window["error"]["details"]["field"] == "window"
    assert (await add(422, id="s1", kind="evaluator"))["error"]["details"]["field"] == "(device)"  # needs its window
    assert "kind" in (await add(422, id="s1", kind="toaster"))["error"]["message"]
    assert (await add(409, id="screen-hall", kind="screen", screen="hall"))["error"]["code"] == "device_exists"
    patch = await client.patch("/api/v1/devices/kiosk-a", json={"zones": ["Z"]}, headers=root.headers)
    assert (await expect(patch, 422))["error"]["details"]["field"] == "zones[0]"
    added = await add(201, id="screen-b", kind="screen", screen="zone", zones=["B"])
    assert added["device"]["zones"] == ["B"] and len(added["token"]) > 20
    listed = await expect(await client.get("/api/v1/devices", headers=root.headers), 200)
    assert added["token"] not in str(listed) and "sha256$" not in str(listed)  # the token is shown once, never kept
    await expect(await client.get("/api/v1/device", headers={"Authorization": f"Bearer {added['token']}"}), 200)


async def test_a_revoked_kiosk_is_refused_at_once_and_its_sockets_closed(client, database_url):
    root = await admin(client)
    live = await client.ws_connect("/api/v1/live?token=demo-kiosk-a&topics=zone:A,kiosk:kiosk-a")
    agent = await client.ws_connect("/api/v1/agent", headers={"Authorization": "Bearer demo-kiosk-a"})
    await agent.send_json({"type": "hello", "agent": "test"})
    assert (await agent.receive_json())["type"] == "welcome"
    assert (await live.receive_json())["type"] == "hello"
    await root.post("/api/v1/devices/kiosk-a/revoke")
    for ws in (live, agent):
        closed = await asyncio.wait_for(_closing(ws), 5)
        assert (closed.data, closed.extra) == (4403, "device_revoked")
    refused = await client.post("/api/v1/tickets", json={"service": "A01", "idempotency_key": "revoked-1"},
                                headers={"Authorization": "Bearer demo-kiosk-a"})
    assert (await expect(refused, 401))["error"]["code"] == "device_revoked"
    await expect(await client.post("/api/v1/tickets", json={"service": "A01", "idempotency_key": "other-kiosk-1"},
                                   headers=KIOSK), 201)  # another kiosk goes on
    listed = await expect(await client.get("/api/v1/devices", headers=root.headers), 200)
    kiosk_a = next(d for d in listed["devices"] if d["id"] == "kiosk-a")
    assert kiosk_a["revoked"] and kiosk_a["alarms"] == []
    again = await client.post("/api/v1/devices/kiosk-a/revoke", headers=root.headers)
    assert (await expect(again, 409))["error"]["code"] == "device_revoked"
    assert ("device_revoked", "ok", ADMIN, "kiosk-a") in [
        (r["action"], r["outcome"], r["actor"], r["subject"]) for r in await audit_rows(database_url)]


async def _closing(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    while True:
        message = await ws.receive()
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            return message


async def test_staff_added_through_the_api_sign_in_and_revoked_ones_cannot(client, database_url):
    root = await admin(client)
    refused = await client.post("/api/v1/staff", json={"id": "newbie", "name": "新人", "role": "clerk",
                                                       "password": PASSWORD, "windows": [99999]}, headers=root.headers)
    assert (await expect(refused, 422))["error"]["details"]["field"] == "windows"
    refused = await client.post("/api/v1/staff", json={"id": "newbie", "name": "新人", "role": "clerk",
                                                       "password": PASSWORD, "halls": ["elsewhere"]},
                                headers=root.headers)
    assert (await expect(refused, 422))["error"]["details"]["field"] == "halls"
    await root.post("/api/v1/staff", 201, id="newbie", name="新人", role="clerk", password=PASSWORD, windows=[1, 2])
    newbie = await Clerk(client, "newbie", 1).login()
    await newbie.sign_in()
    assert (await newbie.get("/api/v1/staff/me"))["staff"]["windows"] == [1, 2]
    changed = await client.patch("/api/v1/staff/newbie", json={"name": "李新"}, headers=root.headers)
    assert (await expect(changed, 200))["staff"]["name"] == "李新"
    assert (await newbie.get("/api/v1/staff/me"))["staff"]["name"] == "李新"
    await newbie.get("/api/v1/stats", 403)
    promoted = await client.patch("/api/v1/staff/newbie", json={"role": "manager", "windows": None},
                                  headers=root.headers)
    assert (await expect(promoted, 200))["staff"]["role"] == "manager"
    await newbie.get("/api/v1/stats")  # the same session, a manager's at once
    own = await client.post(f"/api/v1/staff/{ADMIN}/revoke", headers=root.headers)
    assert (await expect(own, 409))["error"]["code"] == "own_account"
    await root.post("/api/v1/staff/newbie/revoke")
    await newbie.get("/api/v1/staff/me", 401)  # the session ended with the revoke
    login = await client.post("/api/v1/staff/login", json={"hall": "city", "staff_id": "newbie", "password": PASSWORD})
    assert (await expect(login, 401))["error"]["code"] == "bad_credentials"
    listed = await root.get("/api/v1/staff")
    assert next(m for m in listed["staff"] if m["id"] == "newbie")["revoked"]
    assert "password" not in str(listed)
    actions = [(r["action"], r["subject"]) for r in await audit_rows(database_url) if r["actor"] == ADMIN]
    assert [a for a, subject in actions if a.startswith("staff_") and subject == "newbie"] == [
        "staff_added", "staff_changed", "staff_changed", "staff_revoked"]


async def test_a_silent_screen_raises_its_alarm_after_the_configured_time_and_clears_when_heard(client, clock):
    root = await admin(client)
    managers = await client.ws_connect(f"/api/v1/live?token={root.headers['Authorization'][7:]}&topics=managers")
    beat = await client.post("/api/v1/device/heartbeat", json={"version": "0.1.0", "resolution": "1920x1080"},
                             headers=SCREEN)
    await expect(beat, 200)
    screen = await _device(root, "screen-hall")
    assert (screen["page_version"], screen["resolution"], screen["alarms"]) == ("0.1.0", "1920x1080", [])
    assert datetime.fromisoformat(screen["last_seen"]) == clock.now()
    clock.advance(minutes=4, seconds=59)
    assert (await _device(root, "screen-hall"))["alarms"] == []
    assert (await _device(root, "kiosk-a"))["alarms"] == []
    clock.advance(seconds=2)  # past the hall's 5 minutes
    assert [a["code"] for a in (await _device(root, "screen-hall"))["alarms"]] == ["device_silent"]
    assert [a["code"] for a in (await _device(root, "kiosk-a"))["alarms"]] == ["agent_never_connected"]
    raised = await _device_event(managers, "screen-hall")
    assert [a["code"] for a in raised["alarms"]] == ["device_silent"]
    await expect(await client.post("/api/v1/device/heartbeat", json={}, headers=SCREEN), 200)
    assert (await _device_event(managers, "screen-hall"))["alarms"] == []
    assert (await _device(root, "screen-hall"))["alarms"] == []


async def _device(who: Clerk, device_id: str) -> dict[str, Any]:
    return next(d for d in (await who.get("/api/v1/devices"))["devices"] if d["id"] == device_id)


async def _device_event(ws: aiohttp.ClientWebSocketResponse, device_id: str) -> dict[str, Any]:
    async def next_one() -> dict[str, Any]:
        while True:
            message = await ws.receive_json()
            if message.get("kind") == "device.status" and message.get("device") == device_id:
                return message
    return await asyncio.wait_for(next_one(), 10)


async def test_a_change_in_one_server_process_holds_in_the_other_at_once(servers):
    first, second = servers.urls
    async with aiohttp.ClientSession() as http:
        login = await http.post(f"{first}/api/v1/staff/login",
                                json={"hall": "city", "staff_id": ADMIN, "password": PASSWORD})
        root = {"Authorization": f"Bearer {(await expect(login, 200))['token']}"}
        screen = {"Authorization": "Bearer demo-screen-a"}
        await expect(await http.get(f"{second}/api/v1/device", headers=screen), 200)
        ws = await http.ws_connect(f"{second}/api/v1/live?token=demo-screen-a&topics=zone:A")
        assert (await ws.receive_json())["type"] == "hello"
        await expect(await http.post(f"{first}/api/v1/devices/screen-a/revoke", headers=root), 200)
        refused = await http.get(f"{second}/api/v1/device", headers=screen)  # no waiting for any notification
        assert (await expect(refused, 401))["error"]["code"] == "device_revoked"
        closed = await asyncio.wait_for(_closing(ws), 5)
        assert (closed.data, closed.extra) == (4403, "device_revoked")
        added = await http.post(f"{first}/api/v1/devices", headers=root,
                                json={"id": "screen-b2", "kind": "screen", "screen": "zone", "zones": ["B"]})
        token = (await expect(added, 201))["token"]
        device = await http.get(f"{second}/api/v1/device", headers={"Authorization": f"Bearer {token}"})
        assert (await expect(device, 200))["device"]["zones"] == ["B"]  # the other process knows it at once


def test_the_pages_report_the_version_of_the_package_they_ship_in():
    root = Path(__file__).resolve().parent.parent
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    heartbeat = (root / "server" / "web" / "common" / "heartbeat.js").read_text(encoding="utf-8")
    assert f'export const PAGE_VERSION = "{version}";' in heartbeat
