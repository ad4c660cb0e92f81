import asyncio
import time

import pytest

from printers.status import PrinterState, PrinterStatus, parse_status, query_status, read_status, status_request


class FakeTransport:
    """Replies keyed by DLE EOT n; None = a printer that never answers."""

    def __init__(self, replies: dict[int, int] | None) -> None:
        self.replies = replies
        self.requests: list[bytes] = []

    async def exchange(self, request: bytes) -> int:
        self.requests.append(request)
        if self.replies is None:
            await asyncio.Event().wait()
        return self.replies[request[2]]


@pytest.mark.parametrize(("printer", "cause", "paper", "expected"), [
    (0x12, 0x12, 0x12, PrinterState.OK),
    (0x12, 0x12, 0x1E, PrinterState.PAPER_LOW),
    (0x1A, 0x32, 0x72, PrinterState.PAPER_OUT),
    (0x12, 0x12, 0x72, PrinterState.PAPER_OUT),
    (0x1A, 0x16, 0x12, PrinterState.COVER_OPEN),
    (0x1A, 0x36, 0x72, PrinterState.COVER_OPEN),
    (0x1A, 0x52, 0x12, PrinterState.ERROR),
    (0x1A, 0x12, 0x12, PrinterState.OFFLINE),
])
def test_parse_status(printer: int, cause: int, paper: int, expected: PrinterState) -> None:
    assert parse_status(printer, cause, paper) is expected


@pytest.mark.parametrize(("printer", "cause", "paper", "expected"), [
    (0x12, 0x12, None, PrinterStatus(PrinterState.OK, "paper_unknown", paper_sensed=False)),
    (0x1A, 0x12, 0x12, PrinterStatus(PrinterState.OFFLINE, "offline")),  # answered: not "no_answer"
    (0x1A, 0x16, None, PrinterStatus(PrinterState.COVER_OPEN, "paper_unknown", paper_sensed=False)),
    (0x1A, 0x32, 0x72, PrinterStatus(PrinterState.PAPER_OUT)),
    (0x12, 0xFF, 0x12, PrinterStatus(PrinterState.ERROR, "bad_reply")),
])
def test_read_status_gives_the_detail_the_bits_give(printer: int, cause: int, paper: int | None,
                                                    expected: PrinterStatus) -> None:
    assert read_status(printer, cause, paper) == expected


def test_parse_rejects_bytes_that_are_not_status() -> None:
    with pytest.raises(ValueError):
        parse_status(0x12, 0x12, 0x00)


def test_status_request_bytes() -> None:
    assert status_request(4) == b"\x10\x04\x04"


async def test_query_asks_printer_cause_and_paper() -> None:
    transport = FakeTransport({1: 0x12, 2: 0x12, 4: 0x1E})
    assert (await query_status(transport)).state is PrinterState.PAPER_LOW
    assert transport.requests == [b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"]


async def test_garbled_reply_is_an_error_not_ok() -> None:
    assert (await query_status(FakeTransport({1: 0x12, 2: 0xFF, 4: 0x12}))).state is PrinterState.ERROR


async def test_silent_printer_is_offline_within_timeout() -> None:
    started = time.monotonic()
    assert (await query_status(FakeTransport(None), timeout=0.1)).state is PrinterState.OFFLINE
    assert time.monotonic() - started < 0.5
