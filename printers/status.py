"""Real-time printer status (DLE EOT n) for ESC/POS printers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

# Every DLE EOT reply has bit 1 and bit 4 set, bits 0 and 7 clear: 0x12 means "all fine".
FIXED_MASK, FIXED_BITS = 0x93, 0x12
OFFLINE_BIT = 0x08  # n=1
COVER_OPEN_BIT, PAPER_END_STOP_BIT, ERROR_BIT = 0x04, 0x20, 0x40  # n=2, offline cause
PAPER_NEAR_END_BITS, PAPER_OUT_BITS = 0x0C, 0x60  # n=4, paper roll sensors

PRINTER, OFFLINE_CAUSE, PAPER_ROLL = 1, 2, 4

# Why, where the state alone does not say (`PrinterStatus.detail`).
NO_ANSWER = "no_answer"  # silent to DLE EOT 1 or 2
PORT_MISSING = "port_missing"  # the serial port is gone (cable pulled)
REPORTS_OFFLINE = "offline"  # answered with its offline bit, giving no cause
PAPER_UNKNOWN = "paper_unknown"  # no answer to DLE EOT 4: a model without paper sensors
BAD_REPLY = "bad_reply"  # answered with a byte that is no status


class PrinterState(str, Enum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"
    OFFLINE = "offline"


PRINTABLE = frozenset({PrinterState.OK, PrinterState.PAPER_LOW})


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    detail: str | None = None  # one of the details above, or None
    paper_sensed: bool = True  # False: DLE EOT 4 went unanswered

    @property
    def printable(self) -> bool:
        return self.state in PRINTABLE


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


def parse_status(printer: int, offline_cause: int, paper: int | None) -> PrinterState:
    """Combine the n=1, n=2 and n=4 replies (None: n=4 not answered), most serious condition first."""
    printer, offline_cause = _check_reply(printer), _check_reply(offline_cause)
    paper = FIXED_BITS if paper is None else _check_reply(paper)
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


def read_status(printer: int, offline_cause: int, paper: int | None) -> PrinterStatus:
    """The status of a printer that answered: its state, and the detail its bits give."""
    try:
        state = parse_status(printer, offline_cause, paper)
    except ValueError:
        return PrinterStatus(PrinterState.ERROR, BAD_REPLY, paper is not None)
    if state is PrinterState.OFFLINE:
        detail: str | None = REPORTS_OFFLINE
    else:
        detail = PAPER_UNKNOWN if paper is None else None
    return PrinterStatus(state, detail, paper is not None)


async def query_status(transport: StatusTransport, timeout: float = 0.3, *,
                       ask_paper: bool = True) -> PrinterStatus:
    """Ask the printer, allowing `timeout` for each reply. Silence to n=1 or n=2
    means OFFLINE (no_answer); silence to n=4 only means the paper state is
    unknown, as on models without paper sensors. `ask_paper=False` skips n=4.

    Link errors (OSError, EOF) propagate so the caller can reopen the port.
    """
    replies = []
    for n in (PRINTER, OFFLINE_CAUSE):
        try:
            replies.append(await asyncio.wait_for(transport.exchange(status_request(n)), timeout))
        except TimeoutError:
            return PrinterStatus(PrinterState.OFFLINE, NO_ANSWER)
    paper = None
    if ask_paper:
        try:
            paper = await asyncio.wait_for(transport.exchange(status_request(PAPER_ROLL)), timeout)
        except TimeoutError:
            pass
    return read_status(replies[0], replies[1], paper)
