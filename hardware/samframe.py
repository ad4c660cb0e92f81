"""Frames of the GA 467 SAM module serial protocol.

    AA AA AA 96 69 | LEN_hi LEN_lo | payload | CHK

LEN counts every byte after itself (CHK included); CHK is the XOR of LEN and
payload. Host payloads are CMD PARA [DATA]; reader payloads SW1 SW2 SW3 [DATA].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Generic, TypeVar

from hardware.sam_errors import ChecksumError, FrameError, LengthError, UnexpectedReply

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
_HEADER = len(PREAMBLE) + 2

# Largest reply: 30 10 answers SW(3) + three lengths(6) + text(256) +
# photo(1024) + fingerprints(1024) + CHK.
MAX_REPLY_LEN = 3 + 6 + 256 + 1024 + 1024 + 1
MAX_COMMAND_LEN = 64

# (CMD, PARA) pairs and the success SW3 values.
SAM_STATUS = (0x11, 0xFF)
FIND = (0x20, 0x01)
SELECT = (0x20, 0x02)
READ = (0x30, 0x01)
READ_WITH_FINGERPRINTS = (0x30, 0x10)
SW_OK = 0x90
SW_FOUND = 0x9F


def checksum(data: bytes) -> int:
    return reduce(xor, data, 0)


def _frame(payload: bytes) -> bytes:
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    return _frame(bytes([cmd, para]) + data)


def encode_reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes


@dataclass(frozen=True)
class Command:
    cmd: int
    para: int
    data: bytes


T = TypeVar("T")


class _Reader(Generic[T]):
    """Incremental frame extraction with resynchronisation on the preamble."""

    min_len: int
    max_len: int

    def __init__(self) -> None:
        self._buf = bytearray()

    def clear(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[T | FrameError]:
        """Parsed frames and errors, in line order, for everything complete so far."""
        self._buf += data
        out: list[T | FrameError] = []
        while (item := self._next()) is not None:
            out.append(item)
        return out

    def _next(self) -> T | FrameError | None:
        start = self._buf.find(PREAMBLE)
        if start < 0:
            # Keep only what could be the beginning of a split preamble.
            del self._buf[: max(0, len(self._buf) - len(PREAMBLE) + 1)]
            return None
        del self._buf[:start]
        if len(self._buf) < _HEADER:
            return None
        length = int.from_bytes(self._buf[len(PREAMBLE) : _HEADER], "big")
        if not self.min_len <= length <= self.max_len:
            del self._buf[:1]  # a false preamble: rescan just after it
            return LengthError(length)
        end = _HEADER + length
        if len(self._buf) < end:
            if self._good_frame_inside():
                # A false preamble in line noise: the reply behind it is already whole.
                # The same error as when the false frame completes with a bad checksum,
                # so how the bytes were chunked does not change the result.
                del self._buf[:1]
                return ChecksumError()
            return None
        frame = bytes(self._buf[:end])
        if checksum(frame[len(PREAMBLE) : -1]) != frame[-1]:
            del self._buf[:1]  # a good frame may start inside the bad one
            return ChecksumError()
        del self._buf[:end]
        return self._parse(frame[_HEADER:-1])

    def _good_frame_inside(self) -> bool:
        """Whether a whole frame with a good checksum starts after the first byte."""
        start = self._buf.find(PREAMBLE, 1)
        while start >= 0:
            body = start + len(PREAMBLE)  # LEN, payload and CHK
            length = int.from_bytes(self._buf[body : body + 2], "big")
            end = body + 2 + length
            if self.min_len <= length <= self.max_len and end <= len(self._buf):
                if checksum(bytes(self._buf[body : end - 1])) == self._buf[end - 1]:
                    return True
            start = self._buf.find(PREAMBLE, start + 1)
        return False

    def _parse(self, payload: bytes) -> T:
        raise NotImplementedError


class FrameReader(_Reader[Reply]):
    """Frames sent by the reader."""

    min_len = 4  # SW1 SW2 SW3 CHK
    max_len = MAX_REPLY_LEN

    def _parse(self, payload: bytes) -> Reply:
        return Reply(payload[0], payload[1], payload[2], payload[3:])


class CommandReader(_Reader[Command]):
    """Frames sent by the host (the emulator's side of the line)."""

    min_len = 3  # CMD PARA CHK
    max_len = MAX_COMMAND_LEN

    def _parse(self, payload: bytes) -> Command:
        return Command(payload[0], payload[1], payload[2:])


# What a successful reply to each command carries: its SW3 and a test of its data size.
_SUCCESS: dict[tuple[int, int], tuple[int, Callable[[int], bool]]] = {
    SAM_STATUS: (SW_OK, lambda size: size == 0),
    FIND: (SW_FOUND, lambda size: size == 4),
    SELECT: (SW_OK, lambda size: size == 8),
    READ: (SW_OK, lambda size: size > 8),
    READ_WITH_FINGERPRINTS: (SW_OK, lambda size: size > 8),
}


def answers(command: tuple[int, int], reply: Reply) -> bool:
    """Whether `reply` can be the answer to `command`: a stray or late reply to
    another command mostly cannot. Failure replies carry no data and fit any."""
    if reply.sw3 not in (SW_OK, SW_FOUND):
        return not reply.data
    success = _SUCCESS.get(command)
    return success is None or (reply.sw3 == success[0] and success[1](len(reply.data)))


def encode_read_data(text: bytes, photo: bytes, fingerprints: bytes | None = None) -> bytes:
    """Data of a read reply: 30 01 carries two length fields, 30 10 three."""
    parts = [text, photo] + ([] if fingerprints is None else [fingerprints])
    return b"".join(len(p).to_bytes(2, "big") for p in parts) + b"".join(parts)


def split_read_data(data: bytes) -> tuple[bytes, bytes]:
    """Text and photo of either read reply; fingerprints are left out.

    The two shapes cannot be confused: only one makes the declared lengths
    add up to the data received.
    """
    for fields in (2, 3):
        head = 2 * fields
        sizes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, head, 2)]
        if len(data) >= head and head + sum(sizes) == len(data):
            photo_start = head + sizes[0]
            return data[head:photo_start], data[photo_start : photo_start + sizes[1]]
    raise UnexpectedReply()
