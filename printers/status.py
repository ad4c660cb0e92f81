"""Real-time printer status (DLE EOT n) for ESC/POS printers."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Protocol

# Every DLE EOT reply has bit 1 and bit 4 set, bits 0 and 7 clear: 0x12 means "all fine".
FIXED_MASK, FIXED_BITS = 0x93, 0x12
OFFLINE_BIT = 0x08  # n=1
COVER_OPEN_BIT, PAPER_END_STOP_BIT, ERROR_BIT = 0x04, 0x20, 0x40  # n=2, offline cause
PAPER_NEAR_END_BITS, PAPER_OUT_BITS = 0x0C, 0x60  # n=4, paper roll sensors

PRINTER, OFFLINE_CAUSE, PAPER_ROLL = 1, 2, 4


class PrinterState(str, Enum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"
    OFFLINE = "offline"


PRINTABLE = frozenset({PrinterState.OK, PrinterState.PAPER_LOW})


class StatusTransport(Protocol):
    async def exchange(self, request: bytes) -> int:
        """Send a real-time request and return the printer's one-byte reply."""
        ...


def status_request(n: int) -> bytes:
    return bytes([0x10, 0x04, n])


def _check_reply(byte: int) -> int:
    if byte & FIXED_MASK != FIXED_BITS:
        raise ValueError(f"not a DLE EOT status byte: 0x{byte:02X}")
    return byte


def parse_status(printer: int, offline_cause: int, paper: int) -> PrinterState:
    """Combine the n=1, n=2 and n=4 replies, most serious condition first."""
    printer, offline_cause, paper = map(_check_reply, (printer, offline_cause, paper))
    if offline_cause & COVER_OPEN_BIT:
        return PrinterState.COVER_OPEN
    if offline_cause & PAPER_END_STOP_BIT or paper & PAPER_OUT_BITS:
        return PrinterState.PAPER_OUT
    if offline_cause & ERROR_BIT:
        return PrinterState.ERROR
    if printer & OFFLINE_BIT:
        return PrinterState.OFFLINE
    if paper & PAPER_NEAR_END_BITS:
        return PrinterState.PAPER_LOW
    return PrinterState.OK


async def query_status(transport: StatusTransport, timeout: float = 0.3) -> PrinterState:
    """Ask the printer; silence within `timeout` (for all three queries) means OFFLINE.

    Link errors (OSError, EOF) propagate so the caller can reopen the port.
    """
    try:
        async with asyncio.timeout(timeout):
            replies = [await transport.exchange(status_request(n))
                       for n in (PRINTER, OFFLINE_CAUSE, PAPER_ROLL)]
    except TimeoutError:
        return PrinterState.OFFLINE
    try:
        return parse_status(*replies)
    except ValueError:
        return PrinterState.ERROR
