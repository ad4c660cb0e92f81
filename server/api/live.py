"""The live-events websocket: subscribe to topics, resume from a sequence number.

`GET /api/v1/live?token=…&topics=hall,zone:A&since=123`. A client that sends
the last seq it saw gets exactly the events it missed, in order, then live
ones; one that is too far behind (or new) gets a snapshot first.
"""
from __future__ import annotations

import asyncio
import json
import weakref
from aiohttp import WSCloseCode, WSMsgType, web

from server.api.endpoint import bearer_token, dumps
from server.auth import Principal
from server.errors import BadRequest, Forbidden, NotFound, Unauthorized
from server.hall import DeviceKind
from server.hub import Delivery, Subscription
from server.services import SERVICES, Services
from server.snapshot import hall_snapshot
from server.store import events, tickets, windows

MAX_BACKLOG = 1000  # beyond this a snapshot is cheaper than replaying
LAGGING = 4008  # close code: the client fell behind; reconnect with `since`
# Bytes a socket may have waiting in its send buffer (beyond the kernel's) before its
# client counts as fallen behind: some hundreds of events, under MAX_BACKLOG to replay.
MAX_UNSENT = 256 * 1024
OPEN_SOCKETS = web.AppKey("live_sockets", weakref.WeakSet)


async def close_open_sockets(app: web.Application) -> None:
    """On shutdown, tell clients to go (1001) instead of holding the exit for their timeouts:
    they reconnect, to another process if there is one, and resume with `since`."""
    for ws in list(app[OPEN_SOCKETS]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


async def live(request: web.Request) -> web.WebSocketResponse:
    services = request.app[SERVICES]
    hall_id, topics = await _authorize(request, services)
    since = _since(request)
    # No per-message deflate: events are small, and compressing each one once
    # per socket costs more CPU than the bytes it saves on a hall LAN.
    ws = web.WebSocketResponse(heartbeat=20, compress=False)
    await ws.prepare(request)
    transport = request.transport
    if transport is None:  # the client left during the upgrade
        return ws
    request.app[OPEN_SOCKETS].add(ws)
    sub = services.hub.subscribe(hall_id, topics)
    reader = asyncio.create_task(_read_client(ws, sub))
    try:
        await ws.send_json({"type": "hello", "hall": hall_id, "topics": sorted(topics),
                            "seq": services.hub.last_seq(hall_id)})
        last = await _resume(ws, services, hall_id, topics, since)
        await _pump(ws, transport, sub, last)
    finally:
        services.hub.unsubscribe(sub)
        reader.cancel()
    return ws


def _since(request: web.Request) -> int | None:
    raw = request.query.get("since")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"since must be an event sequence number, got {raw!r}") from None


async def _authorize(request: web.Request, services: Services) -> tuple[str, frozenset[str]]:
    """The hall and topics this client may follow; errors before the upgrade, as JSON."""
    status_token = request.query.get("ticket")
    if status_token:  # the citizen's phone follows one ticket by its secret link
        async with services.ctx.pool.acquire() as con:
            ticket = await tickets.by_status_token(con, status_token)
        if ticket is None:
            raise NotFound("no such ticket")
        return ticket.hall, frozenset({f"ticket:{ticket.id}"})
    principal = await services.auth.principal(bearer_token(request))
    if principal is None:
        raise Unauthorized("websocket needs ?token= (device token or staff session)")
    topics = frozenset(t.strip() for t in request.query.get("topics", "hall").split(",") if t.strip())
    for topic in topics:
        await _check_topic(topic, principal, services)
    return principal.hall, topics


async def _check_topic(topic: str, principal: Principal, services: Services) -> None:
    kind, _, arg = topic.partition(":")
    hall = services.ctx.hall(principal.hall)
    if kind == "hall" and not arg:
        return
    if kind == "zone" and hall.zone(arg):
        return
    if kind in ("window", "staff") and arg.isdigit() and hall.window(int(arg)):
        if kind == "window" or principal.is_manager or await _holds(services, principal, int(arg)):
            return
        raise Forbidden(f"topic {topic}: only the staff of window {arg} may follow it")
    if kind == "managers" and not arg:
        if principal.is_manager:
            return
        raise Forbidden("topic managers: managers only")
    if kind == "ticket" and arg.isdigit() and principal.kind == "staff":
        return
    device = hall.device(arg) if kind == "kiosk" else None
    if device is not None and device.kind is DeviceKind.KIOSK:
        # card reads and print outcomes of one kiosk: for that kiosk itself (and managers)
        if (principal.kind == "device" and principal.id == arg) or principal.is_manager:
            return
        raise Forbidden(f"topic {topic}: only kiosk {arg} may follow it")
    raise BadRequest(f"unknown topic {topic!r}; use hall, zone:<code>, window:<n>, staff:<n>, managers,"
                     " kiosk:<own device id>")


async def _holds(services: Services, principal: Principal, window_no: int) -> bool:
    if principal.kind != "staff":
        return False
    async with services.ctx.pool.acquire() as con:
        held = await windows.held_by(con, principal.hall, principal.id)
    return held is not None and held.number == window_no


async def _resume(ws: web.WebSocketResponse, services: Services, hall_id: str, topics: frozenset[str],
                  since: int | None) -> int:
    """Send what the client missed (or a snapshot); returns the last seq it now has."""
    if since is not None:
        async with services.ctx.pool.acquire() as con:
            latest = await events.last_seq(con, hall_id)
            backlog = await events.since(con, hall_id, since, MAX_BACKLOG + 1) if since <= latest else None
        if backlog is not None and len(backlog) <= MAX_BACKLOG:
            for event in backlog:
                if services.hub.matches(event, topics):
                    await ws.send_str(dumps(event.message()))
            return backlog[-1].seq if backlog else since
    snapshot = await hall_snapshot(services.ctx, services.ctx.hall(hall_id))
    await ws.send_str(dumps({"type": "snapshot", **snapshot}))
    return snapshot["seq"]


async def _pump(ws: web.WebSocketResponse, transport: asyncio.Transport, sub: Subscription, last: int) -> None:
    """Send what queued up during the resume, then let the hub's fan-out write each event
    straight to the socket; return when the client goes, closing it if it fell behind."""
    write = _FrameWriter(ws, transport, sub, last)
    while not sub.queue.empty():
        delivery = sub.queue.get_nowait()
        if delivery is None:  # the client has gone
            return
        write(delivery)
    if not sub.overflowed:
        sub.sink = write  # no await since the queue ran empty: nothing is missed or reordered
        await sub.queue.get()  # only close() puts here now: the client went, or fell behind
    if sub.overflowed and not ws.closed:
        await ws.close(code=LAGGING, message=b"too far behind: reconnect with since")


class _FrameWriter:
    """Writes deliveries to one socket in seq order, each as the frame built once for all.

    Called by the hub during its fan-out: a task and a queue per socket would cost a
    task switch per event per screen, more than the write itself at thousands of screens.
    Safe next to aiohttp's own writes (hello, pongs, pings): without compression each of
    them is one synchronous write of a whole frame too.
    """

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport, sub: Subscription,
                 last: int) -> None:
        self._ws, self._transport, self._sub = ws, transport, sub
        self.last = last

    def __call__(self, delivery: Delivery) -> None:
        if delivery.seq <= self.last or self._sub.overflowed or self._ws.closed or self._transport.is_closing():
            return
        if self._transport.get_write_buffer_size() > MAX_UNSENT:
            self._sub.overflowed = True
            self._sub.close()  # wakes _pump to close with LAGGING
            return
        self._transport.write(delivery.frame)
        self.last = delivery.seq


async def _read_client(ws: web.WebSocketResponse, sub: Subscription) -> None:
    """Answer pings; when the client goes away, wake the pump so it ends."""
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and _is_ping(msg.data):
                await ws.send_json({"type": "pong"})
    finally:
        sub.close()


def _is_ping(data: str) -> bool:
    try:
        return json.loads(data).get("type") == "ping"
    except (ValueError, AttributeError):
        return False
