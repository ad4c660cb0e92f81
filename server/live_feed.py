"""One live socket from hello to goodbye: resume, then events and pushed figures.

A client that sends the last seq it saw gets exactly the events it missed, in
order, then live ones; one that is too far behind (or new) gets a snapshot
first. A ticket link's follower gets its own ticket's status instead of the
hall's snapshot, and only that ticket's events.
"""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from server import summons
from server.auth import LiveAccess
from server.context import HallContext
from server.database_health import OUTAGE_ERRORS
from server.frames import Delivery, FrameWriter
from server.hub import Hub, Subscription
from server.model import Ticket
from server.public_ticket import public_status
from server.snapshot import hall_snapshot
from server.store import tickets

log = logging.getLogger(__name__)

LAGGING = 4008  # close code: the client fell behind; reconnect with `since`
ENDED = 4403  # close code: the socket's device or staff member was revoked (the reason says which)


class LiveFeed:
    def __init__(self, ctx: HallContext, hub: Hub) -> None:
        self.ctx, self.hub = ctx, hub

    async def serve(self, ws: web.WebSocketResponse, transport: asyncio.Transport, access: LiveAccess,
                    since: int | None) -> None:
        """Run one prepared socket until its client goes (or falls behind)."""
        follows = access.follows.id if access.follows else None
        sub = self.hub.subscribe(access.hall, access.topics, follows, access.holder)
        reader = asyncio.create_task(_read_client(ws, sub))
        try:
            last = await self._greet(ws, transport, access, sub, since)
            if last is not None:
                await _pump(ws, transport, sub, last)
            await close_ended(ws, sub)
        finally:
            self.hub.unsubscribe(sub)
            reader.cancel()

    async def _greet(self, ws: web.WebSocketResponse, transport: asyncio.Transport, access: LiveAccess,
                     sub: Subscription, since: int | None) -> int | None:
        """Hello and resume; None when the client left meanwhile, or the database is away
        (the client is told to come back with `since`). Neither is an error of the server."""
        try:
            await ws.send_json({"type": "hello", "hall": access.hall, "topics": sorted(access.topics),
                                "seq": self.hub.last_seq(access.hall)})
            return await self._resume(ws, access, sub, since)
        except asyncio.CancelledError:
            log.debug("live client left during hello", extra={"hall": access.hall})
            raise
        except OUTAGE_ERRORS as exc:
            if transport.is_closing():  # the client's connection, not the database's
                log.info("live client left during hello", extra={"hall": access.hall})
            else:
                self.hub.health.failed(exc)
                await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"database unavailable")
            return None

    async def _resume(self, ws: web.WebSocketResponse, access: LiveAccess, sub: Subscription,
                      since: int | None) -> int:
        """Send what the client missed (or a snapshot); returns the last seq it now has."""
        if access.follows is not None:  # its status is small: always sent whole
            return await self._ticket_snapshot(ws, access.follows, sub)
        if since is not None:
            backlog = await self.hub.replay(access.hall, since, access.topics)
            if backlog is not None:
                for delivery in backlog:
                    await ws.send_str(delivery.text)
                return max([since, *(d.seq or 0 for d in backlog)])
        hall = self.ctx.hall(access.hall)
        snapshot = await hall_snapshot(self.ctx, hall, await self.hub.current(hall.id))
        await ws.send_str(Delivery.of({"type": "snapshot", **snapshot}).text)
        return int(snapshot["seq"])

    async def _ticket_snapshot(self, ws: web.WebSocketResponse, followed: Ticket, sub: Subscription) -> int:
        hall = self.ctx.hall(followed.hall)
        queue = await self.hub.current(hall.id)
        now = self.ctx.clock.now()
        async with self.ctx.pool.acquire() as con:  # read after subscribing: no step of it is missed
            ticket = await tickets.get(con, hall.id, followed.id)
            summoned = await summons.of_ticket(con, hall, followed.id, now)
        assert ticket is not None
        sub.ticket = ticket.public()
        sub.sent_status = public_status(hall, sub.ticket, queue, now)
        await ws.send_str(Delivery.of({"type": "snapshot", "seq": queue.seq, **sub.sent_status,
                                       "summons": summoned}).text)
        return queue.seq


async def _pump(ws: web.WebSocketResponse, transport: asyncio.Transport, sub: Subscription, last: int) -> None:
    """Send what queued up during the resume, then let the hub's fan-out write each
    message straight to the socket; return when the client goes, closing it if it fell behind."""
    write = FrameWriter(ws, transport, last)
    while not sub.queue.empty():
        delivery = sub.queue.get_nowait()
        if delivery is None:  # the client has gone
            return
        write(delivery)
    if not sub.overflowed and not write.lagging:
        sub.sink = write  # no await since the queue ran empty: nothing is missed or reordered
        await sub.queue.get()  # only close() puts here now: the client went, or fell behind
    if (sub.overflowed or write.lagging) and not ws.closed:
        await ws.close(code=LAGGING, message=b"too far behind: reconnect with since")


async def close_ended(ws: web.WebSocketResponse, sub: Subscription) -> None:
    """Close a socket the server ended (its device revoked) with the reason: the page shows it."""
    if sub.ended and not ws.closed:
        await ws.close(code=ENDED, message=sub.ended.encode())


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


async def close_sockets(sockets: list[web.WebSocketResponse]) -> None:
    """On shutdown, tell clients to go (1001) instead of holding the exit for their timeouts:
    they reconnect, to another process if there is one, and resume with `since`."""
    for ws in sockets:
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
