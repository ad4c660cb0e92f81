"""The live-events websocket: subscribe to topics, resume from a sequence number.

`GET /api/v1/live?token=…&topics=hall,zone:A&since=123`, or `?ticket=<status
token>` for a citizen's phone following one ticket. What is sent is described
in server/live_feed.py and server/figures.py.
"""
from __future__ import annotations

import weakref

from aiohttp import web

from server import inputs
from server.api.endpoint import WEBSOCKET, Api, Call, Query
from server.auth import Access
from server.live_feed import close_sockets

api = Api("live")
OPEN_SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("live_sockets")


async def close_open_sockets(app: web.Application) -> None:
    sockets: weakref.WeakSet[web.WebSocketResponse] = app[OPEN_SOCKETS]
    await close_sockets(list(sockets))


# Who may follow what is decided by the topics (or the ticket link), so the route itself is open.
@api.get("/api/v1/live", access=Access.PUBLIC, media_type=WEBSOCKET, query={
    "token": Query("device token or staff session (browsers cannot send Authorization on a websocket)"),
    "topics": Query("comma-separated: hall, zone:<code>, window:<n>, staff:<n>, managers, kiosk:<own id>"
                    " (default hall)"),
    "since": Query("the last event seq the client saw: it gets what it missed", inputs.SequenceNo),
    "ticket": Query("a ticket's status token: follow that one ticket, anonymously"),
    "hall": Query("the hall to follow, for a manager of several halls (default: their own)"),
}, summary="Websocket of live events: ?token=&topics=hall,zone:A,window:15&since=<seq>, or ?ticket=<status token>")
async def live(call: Call) -> web.WebSocketResponse:
    services = call.services
    topics = call.query("topics")
    access = await services.auth.live_access(call.principal, call.query("ticket"),
                                             "hall" if topics is None else topics, call.query("hall"))
    # No per-message deflate: events are small, and compressing each one once
    # per socket costs more CPU than the bytes it saves on a hall LAN.
    ws = web.WebSocketResponse(heartbeat=20, compress=False)
    request = call.request
    await ws.prepare(request)
    transport = request.transport
    if transport is None:  # the client left during the upgrade
        return ws
    request.app[OPEN_SOCKETS].add(ws)
    await services.live.serve(ws, transport, access, call.query("since"))
    return ws
