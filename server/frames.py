"""Writing live messages to websockets: each message framed once, the same bytes to every socket.

The hub's fan-out calls a socket's `FrameWriter` directly: a task and a queue
per socket would cost a task switch per event per screen, more than the write
itself at thousands of screens.
"""
from __future__ import annotations

import asyncio
import json
import struct
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aiohttp import web

# Bytes a socket may have waiting in its send buffer (beyond the kernel's) before its
# client counts as fallen behind: some hundreds of events, under what a resume replays.
MAX_UNSENT = 256 * 1024


def dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, default=str)


def text_frame(text: str) -> bytes:
    """`text` as one final, unmasked websocket text frame, as a server sends it (RFC 6455, 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


@dataclass(frozen=True)
class Delivery:
    """A message serialised once for all its sockets: an event (with its seq) or pushed
    figures (seq None: not part of the event sequence, never replayed)."""

    text: str
    seq: int | None = None

    @classmethod
    def of(cls, body: dict[str, Any], seq: int | None = None) -> Delivery:
        return cls(dumps(body), seq)

    @cached_property
    def frame(self) -> bytes:
        return text_frame(self.text)


class FrameWriter:
    """Writes deliveries to one socket, events in seq order and each at most once.

    Safe next to aiohttp's own writes (hello, pongs, pings): without compression
    each of them is one synchronous write of a whole frame too.
    """

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport, last: int) -> None:
        self._ws, self._transport = ws, transport
        self.last = last
        self.lagging = False  # the client fell behind: it must reconnect and resume

    def __call__(self, delivery: Delivery) -> bool:
        """Write one delivery; False once the socket is gone or has fallen behind."""
        if self.lagging or self._ws.closed or self._transport.is_closing():
            return False
        if delivery.seq is not None and delivery.seq <= self.last:
            return True
        if self._transport.get_write_buffer_size() > MAX_UNSENT:
            self.lagging = True
            return False
        self._transport.write(delivery.frame)
        if delivery.seq is not None:
            self.last = delivery.seq
        return True
