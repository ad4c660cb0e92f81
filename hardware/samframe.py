"""Frames of the GA 467 SAM module serial protocol.

    AA AA AA 96 69 | LEN_hi LEN_lo | payload | CHK

LEN counts every byte after itself (CHK included); CHK is the XOR of LEN and
payload. Host payloads are CMD PARA [DATA]; reader payloads SW1 SW2 SW3 [DATA].
"""

from __future__ import annotations

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
            return None
        frame = bytes(self._buf[:end])
        if checksum(frame[len(PREAMBLE) : -1]) != frame[-1]:
            del self._buf[:1]  # a good frame may start inside the bad one
            return ChecksumError()
        del self._buf[:end]
        return self._parse(frame[_HEADER:-1])

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
