"""The live fan-out writes one pre-built frame to each socket: the frame is what aiohttp
would have sent, each socket gets each event once and in order, and a socket whose
client stops reading is closed as lagging instead of buffering without end."""
from __future__ import annotations

import asyncio
from unittest.mock import Mock

import pytest
from aiohttp import WSMsgType
from aiohttp.http import WebSocketWriter

from server.frames import MAX_UNSENT, Delivery, FrameWriter, text_frame
from server.hub import Subscription


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent = bytearray()
        self.unsent = 0  # what the socket would still hold back

    def write(self, data: bytes) -> None:
        self.sent += data

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return self.unsent


def delivery(seq: int | None) -> Delivery:
    return Delivery(f'{{"seq": {seq}}}', seq)


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
async def test_the_frame_is_the_one_aiohttp_writes(size: int):
    text = "叫" * (size // 3) + "x" * (size % 3)
    transport = Transport()
    await WebSocketWriter(Mock(), transport).send_frame(text.encode(), WSMsgType.TEXT)
    assert text_frame(text) == bytes(transport.sent)


async def test_each_event_once_in_order_and_a_lagging_client_is_let_go():
    transport, sub = Transport(), Subscription("city", frozenset({"hall"}))
    writer = sub.sink = FrameWriter(Mock(closed=False), transport, last=1)
    for seq in (1, 2, None, 3, 3, 4):  # 1 came with the resume; 3 twice; None: pushed figures
        sub.offer(delivery(seq))
    sent = b"".join(delivery(seq).frame for seq in (2, None, 3, 4))
    assert bytes(transport.sent) == sent
    transport.unsent = MAX_UNSENT + 1
    sub.offer(delivery(5))
    assert writer.lagging and sub.queue.get_nowait() is None  # wakes the pump to close with LAGGING
    assert bytes(transport.sent) == sent
