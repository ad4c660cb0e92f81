"""The live-events websocket: subscribe to topics, resume from a sequence number.

`GET /api/v1/live?token=…&topics=hall,zone:A&since=123`, or `?ticket=<status
token>` for a citizen's phone following one ticket. What is sent is described
in server/live_feed.py and server/figures.py.
"""
from __future__ import annotations

import weakref

from aiohttp import web

from server.api.endpoint import bearer_token
from server.errors import BadRequest
from server.live_feed import close_sockets
from server.services import SERVICES

OPEN_SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("live_sockets")


async def close_open_sockets(app: web.Application) -> None:
    sockets: weakref.WeakSet[web.WebSocketResponse] = app[OPEN_SOCKETS]
    await close_sockets(list(sockets))


async def live(request: web.Request) -> web.WebSocketResponse:
    services = request.app[SERVICES]
    access = await services.auth.live_access(bearer_token(request), request.query.get("ticket"),
                                             request.query.get("topics", "hall"), request.query.get("hall"))
    since = _since(request)
    # No per-message deflate: events are small, and compressing each one once
    # per socket costs more CPU than the bytes it saves on a hall LAN.
    ws = web.WebSocketResponse(heartbeat=20, compress=False)
    await ws.prepare(request)
    transport = request.transport
    if transport is None:  # the client left during the upgrade
        return ws
    request.app[OPEN_SOCKETS].add(ws)
    await services.live.serve(ws, transport, access, since)
    return ws


def _since(request: web.Request) -> int | None:
    raw = request.query.get("since")
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise BadRequest(f"since must be an event sequence number (0 or more), got {raw!r}")
    return int(raw)
