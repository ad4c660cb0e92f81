"""Every page names the one favicon, served with the static files."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

PAGES = ["/", "/kiosk?token=demo-kiosk-entrance", "/screen?token=demo-screen-hall", "/evaluator?token=demo-tablet-41",
         "/console", "/dashboard", "/t/some-ticket-token"]
ICON = "/static/common/favicon.svg"


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_links_the_favicon(client: TestClient, path: str):
    page = await (await client.get(path)).text()
    assert re.search(rf'<link rel="icon" href="{ICON}" type="image/svg\+xml">', page), path


async def test_the_favicon_is_served_as_an_svg_image(client: TestClient):
    response = await client.get(ICON)
    assert response.status == 200 and response.content_type == "image/svg+xml"
    assert (await response.text()).startswith("<svg")
