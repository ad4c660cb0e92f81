"""`hallq reload` against two real `hallq serve` processes on one database: a changed window
profile routes the next call, no waiting ticket is lost, and a broken file changes nothing."""
from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import aiohttp
import asyncpg

from server.config import DEFAULT_CONFIG_DIR
from tests.processes import HALLQ, Remote, hallq_serve
from tests.support import PASSWORD, Clerk, expect

TOWNSHIP_KIOSK = {"Authorization": "Bearer demo-township-kiosk"}
WINDOW_3 = '[[windows]]\nnumber = 3\nzone = "A"\nlabel = "民政窗口"\n'


def hallq_reload(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HALLQ_LOG": "WARNING"}
    return subprocess.run([str(HALLQ), "reload", "--data-dir", str(data_dir)], capture_output=True, text=True,
                          timeout=60, env=env, check=False)


async def reloaded_event(screen: aiohttp.ClientWebSocketResponse) -> dict:
    while True:
        message = await screen.receive_json(timeout=15)
        if message.get("kind") == "hall.reloaded":
            return message


async def take(http: aiohttp.ClientSession, url: str, service: str) -> dict:
    response = await http.post(f"{url}/api/v1/tickets", json={"service": service}, headers=TOWNSHIP_KIOSK)
    return (await expect(response, 201))["ticket"]


async def test_reload_changes_routing_for_the_next_call_and_a_broken_file_keeps_the_running_config(
        database_url, tmp_path):
    config = tmp_path / "township.toml"
    shipped = (DEFAULT_CONFIG_DIR / "township.toml").read_text(encoding="utf-8")
    assert WINDOW_3 in shipped
    config.write_text(shipped, encoding="utf-8")
    servers = [hallq_serve(f"server{n}", config, tmp_path, database_url=database_url) for n in (1, 2)]
    for server in servers:
        server.start()
    try:
        await asyncio.gather(*(s.ready() for s in servers))
        async with aiohttp.ClientSession() as http:
            first = await take(http, servers[0].url, "A01")  # waits longest: called first at one level
            second = await take(http, servers[1].url, "A02")
            screen = await http.ws_connect(f"{servers[1].url}/api/v1/live?token=demo-township-screen&topics=hall")

            # Window 3 now serves A02 before A01.
            config.write_text(shipped.replace(WINDOW_3, WINDOW_3 + 'services = ["A02", "A01"]\n'), encoding="utf-8")
            done = hallq_reload(tmp_path)
            assert done.returncode == 0, done.stderr
            assert done.stdout.count("township: window 3 changed") == 2, done.stdout  # each process took it
            assert (await reloaded_event(screen))["changes"] == ["window 3 changed"]  # the screen loads again
            await screen.close()

            hall = await expect(await http.get(f"{servers[1].url}/api/v1/hall", headers=TOWNSHIP_KIOSK), 200)
            assert next(w for w in hall["windows"] if w["number"] == 3)["services"] == ["A02", "A01"]
            clerk = Clerk(Remote(http, servers[1].url, servers[0].url), "hetao", 3)  # type: ignore[arg-type]
            body = await expect(await http.post(f"{servers[1].url}/api/v1/staff/login", json={
                "hall": "township", "staff_id": "hetao", "password": PASSWORD}), 200)
            clerk.headers = {"Authorization": f"Bearer {body['token']}"}
            await clerk.sign_in()
            assert (await clerk.call_next())["id"] == second["id"]
            served = await clerk.window_action("next")
            assert served["ticket"]["id"] == first["id"]  # still there: nothing lost

            # A profile naming a service the hall lacks: refused by every process, named by file and key.
            config.write_text(shipped.replace(WINDOW_3, WINDOW_3 + 'services = ["A09"]\n'), encoding="utf-8")
            third = await take(http, servers[0].url, "A01")
            broken = hallq_reload(tmp_path)
            assert broken.returncode == 1
            assert broken.stderr.count("invalid, the running config stays") == 2, broken.stderr
            assert f"{config}: windows[1].services[0]: unknown service A09" in broken.stderr
            assert "unknown service A09" in servers[0].log_tail()
            hall = await expect(await http.get(f"{servers[0].url}/api/v1/hall", headers=TOWNSHIP_KIOSK), 200)
            assert next(w for w in hall["windows"] if w["number"] == 3)["services"] == ["A02", "A01"]
            assert (await clerk.window_action("next"))["ticket"]["id"] == third["id"]
    finally:
        for server in servers:
            server.stop()
    con = await asyncpg.connect(database_url)
    try:
        audit = [(r["outcome"], r["detail"]) for r in await con.fetch(
            "SELECT outcome, detail FROM audit_log WHERE action = 'config_reload' ORDER BY id")]
        reloaded = await con.fetch("SELECT payload FROM events WHERE hall = 'township' AND kind = 'hall.reloaded'")
    finally:
        await con.close()
    assert audit[0] == ("ok", "window 3 changed")  # one row for the change, by the process that applied it first
    assert [o for o, _ in audit[1:]] == ["invalid", "invalid"]
    assert len(reloaded) == 1
