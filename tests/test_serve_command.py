"""`hallq serve` as the README runs it: embedded PostgreSQL, reference hall, pages on localhost."""
from __future__ import annotations

import aiohttp

from server.config import DEFAULT_CONFIG_DIR
from tests.processes import hallq_serve
from tests.support import KIOSK


async def test_serve_starts_the_reference_hall_on_its_embedded_database_and_keeps_it(tmp_path):
    tmp_path.chmod(0o755)  # the embedded PostgreSQL runs as its own system user
    server = hallq_serve("readme", DEFAULT_CONFIG_DIR, tmp_path)
    async with aiohttp.ClientSession() as http:
        server.start()
        try:
            await server.ready()
            health = await (await http.get(f"{server.url}/api/v1/health")).json()
            city = next(h for h in health["halls"] if h["id"] == "city")
            assert (city["zones"], city["windows"]) == (10, 192)
            for page in ("/", "/kiosk?token=demo-kiosk-entrance", "/screen?token=demo-screen-hall", "/console"):
                assert (await http.get(server.url + page)).status == 200, page
            issued = await http.post(f"{server.url}/api/v1/tickets", json={"service": "B01"}, headers=KIOSK)
            ticket = (await issued.json())["ticket"]
        finally:
            server.stop()
        assert (tmp_path / "pg" / "PG_VERSION").exists()

        server.start()  # the same data folder: what was issued is still there
        try:
            await server.ready()
            again = await http.post(f"{server.url}/api/v1/tickets", json={"service": "B01"}, headers=KIOSK)
            assert (await again.json())["ticket"]["number"] == "B002"
            assert ticket["number"] == "B001"
        finally:
            server.stop()
