"""`GET /metrics`: the Prometheus exposition (see docs/metrics.md for who may scrape it)."""
from __future__ import annotations

from aiohttp import web

from server.api.endpoint import bearer_token
from server.metrics import CONTENT_TYPE
from server.services import SERVICES


async def metrics(request: web.Request) -> web.Response:
    body = await request.app[SERVICES].scrape.exposition(bearer_token(request))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
