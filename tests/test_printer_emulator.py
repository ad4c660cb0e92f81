import asyncio
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from printers.emulator import PrinterEmulator, status_reply
from printers.escpos_decode import DLE_EOT, EscPosStream, tokenize
from printers.escpos_layout import render_escpos
from printers.serial_printer import PrinterUnavailable, SerialTicketPrinter
from printers.status import (
    FIXED_BITS,
    OFFLINE_BIT,
    PAPER_ROLL,
    PRINTER,
    PrinterState,
    PrinterStatus,
    parse_status,
)
from printers.ticket import PROFILES, TicketPrint

STATUS_TIMEOUT = 0.2
TICKET = TicketPrint(
    hall_name="鼓楼区市民服务中心",
    zone_name="社保医保",
    floor="2楼",
    number="B107",
    service_name="医保参保登记",
    people_ahead=4,
    estimated_wait_minutes=12,
    issued_at=datetime(2024, 7, 1, 14, 5),
    status_url="https://hall.example.gov.cn/q/B107",
    notice="，：（）。",
)
JOB = render_escpos(TICKET, PROFILES["58mm"])


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[PrinterEmulator]:
    async with PrinterEmulator(tmp_path / "printer") as emu:
        yield emu


@pytest.fixture
async def printer(emulator: PrinterEmulator) -> AsyncIterator[SerialTicketPrinter]:
    ticket_printer = SerialTicketPrinter(str(emulator.link), status_timeout=STATUS_TIMEOUT)
    yield ticket_printer
    await ticket_printer.close()


@pytest.mark.parametrize("state", [PrinterState.OK, PrinterState.PAPER_LOW, PrinterState.PAPER_OUT,
                                   PrinterState.COVER_OPEN, PrinterState.ERROR])
async def test_status_over_pty(emulator: PrinterEmulator, printer: SerialTicketPrinter,
                               state: PrinterState) -> None:
    emulator.state = state
    assert (await printer.status()).state is state


async def test_status_follows_state_changes(emulator: PrinterEmulator,
                                            printer: SerialTicketPrinter) -> None:
    assert (await printer.status()).state is PrinterState.OK
    emulator.state = PrinterState.OFFLINE
    assert (await printer.status()).state is PrinterState.OFFLINE
    emulator.state = PrinterState.PAPER_OUT
    assert (await printer.status()).state is PrinterState.PAPER_OUT


async def test_silent_printer_is_offline_within_timeout(emulator: PrinterEmulator,
                                                        printer: SerialTicketPrinter) -> None:
    emulator.state = PrinterState.OFFLINE
    started = time.monotonic()
    assert (await printer.status()).state is PrinterState.OFFLINE
    assert time.monotonic() - started < STATUS_TIMEOUT + 0.3
    assert emulator.received.startswith(b"\x10\x04\x01")


async def test_a_printer_answering_that_it_is_offline_is_not_called_silent(
        emulator: PrinterEmulator, printer: SerialTicketPrinter) -> None:
    emulator.replies = {PRINTER: FIXED_BITS | OFFLINE_BIT}
    assert await printer.status() == PrinterStatus(PrinterState.OFFLINE, "offline")
    with pytest.raises(PrinterUnavailable) as raised:
        await printer.print_bytes(JOB)
    assert raised.value.status.detail == "offline"
    emulator.state = PrinterState.OFFLINE  # now it does fall silent
    emulator.replies = {}
    assert await printer.status() == PrinterStatus(PrinterState.OFFLINE, "no_answer")


async def test_an_unplugged_printer_is_offline_with_its_port_missing(emulator: PrinterEmulator,
                                                                     printer: SerialTicketPrinter) -> None:
    assert (await printer.status()).state is PrinterState.OK
    emulator.unplug()
    assert await printer.status() == PrinterStatus(PrinterState.OFFLINE, "port_missing")


async def test_a_printer_without_paper_sensors_still_prints(emulator: PrinterEmulator,
                                                            printer: SerialTicketPrinter) -> None:
    emulator.replies = {PAPER_ROLL: None}  # answers DLE EOT 1 and 2, never 4
    status = await printer.status()
    assert (status.state, status.detail, status.printable) == (PrinterState.OK, "paper_unknown", True)
    await printer.print_bytes(JOB)
    assert (await emulator.wait_for_cuts(1)).cuts == 1
    started = time.monotonic()
    assert (await printer.status()).detail == "paper_unknown"
    assert time.monotonic() - started < STATUS_TIMEOUT  # it is not asked for paper again, nor waited for
    assert emulator.received.count(b"\x10\x04\x04") == 1
    emulator.state = PrinterState.COVER_OPEN  # the other sensors still count
    assert (await printer.status()).state is PrinterState.COVER_OPEN


async def test_print_round_trip(emulator: PrinterEmulator, printer: SerialTicketPrinter) -> None:
    await printer.print_bytes(JOB)
    printed = await emulator.wait_for_cuts(1)
    assert emulator.received.endswith(JOB)
    assert printed.enlarged == ["B107"]
    assert {"社保医保 · 2楼", "医保参保登记", "前面还有 4 人", "，：（）。"} <= set(printed.text_lines)
    assert printed.qr_payloads == (TICKET.status_url,)
    assert printed.code128_payloads == ("B107",)


async def test_paper_low_still_prints(emulator: PrinterEmulator, printer: SerialTicketPrinter) -> None:
    emulator.state = PrinterState.PAPER_LOW
    await printer.print_bytes(JOB)
    assert (await emulator.wait_for_cuts(1)).cuts == 1


@pytest.mark.parametrize("state", [PrinterState.PAPER_OUT, PrinterState.COVER_OPEN,
                                   PrinterState.ERROR, PrinterState.OFFLINE])
async def test_unprintable_states_raise(emulator: PrinterEmulator, printer: SerialTicketPrinter,
                                        state: PrinterState) -> None:
    emulator.state = state
    with pytest.raises(PrinterUnavailable) as raised:
        await printer.print_bytes(JOB)
    assert raised.value.state is state
    await asyncio.sleep(0.05)
    assert JOB not in emulator.received


async def test_unplug_then_replug(emulator: PrinterEmulator, printer: SerialTicketPrinter) -> None:
    await printer.print_bytes(JOB)
    await emulator.wait_for_cuts(1)
    emulator.unplug()
    with pytest.raises(PrinterUnavailable) as raised:
        await printer.print_bytes(JOB)
    assert raised.value.state is PrinterState.OFFLINE
    assert (await printer.status()).state is PrinterState.OFFLINE
    emulator.plug()
    await printer.print_bytes(JOB)
    assert (await emulator.wait_for_cuts(2)).cuts == 2


async def test_ticket_callback_gets_each_ticket(tmp_path: Path) -> None:
    tickets = []
    async with PrinterEmulator(tmp_path / "printer", on_ticket=tickets.append) as emulator:
        ticket_printer = SerialTicketPrinter(str(emulator.link))
        await ticket_printer.print_bytes(JOB + JOB)
        await emulator.wait_for_cuts(2)
        await ticket_printer.close()
    assert [t.code128_payloads for t in tickets] == [("B107",), ("B107",)]
    assert all(t.cuts == 1 for t in tickets)


def test_emulator_replies_parse_back_to_its_state() -> None:
    for state in PrinterState:
        replies = [status_reply(state, n) for n in (1, 2, 4)]
        if state is PrinterState.OFFLINE:
            assert replies == [None, None, None]
        else:
            assert parse_status(*replies) is state


def test_stream_tokenizes_byte_by_byte_like_whole() -> None:
    stream = EscPosStream()
    tokens = [token for byte in JOB for token in stream.feed(bytes([byte]))]
    whole, used = tokenize(JOB)
    assert used == len(JOB)
    # Text runs may split at chunk borders; commands and the joined text must not.
    assert [t for t in tokens if t.op] == [t for t in whole if t.op]
    assert b"".join(t.args for t in tokens if not t.op) == b"".join(t.args for t in whole if not t.op)


def test_status_bytes_inside_qr_data_are_not_a_query() -> None:
    store = b"\x1d(k\x06\x001P0\x10\x04\x01"  # QR payload that happens to contain DLE EOT 1
    tokens, used = tokenize(store)
    assert used == len(store)
    assert [t.op for t in tokens] == [b"\x1d(k"]
    assert not any(t.op == DLE_EOT for t in tokens)


async def test_demo_command_prints_tickets(tmp_path: Path) -> None:
    link = tmp_path / "demo-printer"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "printers.emulator", "--link", str(link),
        stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout is not None
    try:
        assert "printer emulator on" in (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        ticket_printer = SerialTicketPrinter(str(link))
        await ticket_printer.print_bytes(JOB)
        await ticket_printer.close()
        output = ""
        while "[Code128]" not in output:
            output += (await asyncio.wait_for(proc.stdout.readline(), 5)).decode()
    finally:
        proc.terminate()
        await proc.wait()
    assert "[3x3] B107" in output
    assert "前面还有 4 人" in output
    assert f"[QR] {TICKET.status_url}" in output
    assert not link.exists()
