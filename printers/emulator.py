"""ESC/POS ticket printer emulator on a pseudo-terminal, for tests and demos without hardware.

    python -m printers.emulator --link /tmp/hallq-printer [--state paper_low] [--no-paper-sensor]

prints each ticket as it is cut; point SerialTicketPrinter at the link path.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tty
from collections.abc import Callable, Sequence
from pathlib import Path

from printers.escpos_decode import DLE_EOT, EscPosStream, Printout, Token, decode_escpos
from printers.status import (
    COVER_OPEN_BIT,
    ERROR_BIT,
    FIXED_BITS,
    OFFLINE_BIT,
    OFFLINE_CAUSE,
    PAPER_END_STOP_BIT,
    PAPER_NEAR_END_BITS,
    PAPER_OUT_BITS,
    PAPER_ROLL,
    PRINTER,
    PrinterState,
)

# Bits each state sets in the reply to DLE EOT n; OFFLINE is absent because it never answers.
_STATUS_BITS: dict[PrinterState, dict[int, int]] = {
    PrinterState.OK: {},
    PrinterState.PAPER_LOW: {PAPER_ROLL: PAPER_NEAR_END_BITS},
    PrinterState.PAPER_OUT: {PRINTER: OFFLINE_BIT, OFFLINE_CAUSE: PAPER_END_STOP_BIT,
                             PAPER_ROLL: PAPER_OUT_BITS},
    PrinterState.COVER_OPEN: {PRINTER: OFFLINE_BIT, OFFLINE_CAUSE: COVER_OPEN_BIT},
    PrinterState.ERROR: {PRINTER: OFFLINE_BIT, OFFLINE_CAUSE: ERROR_BIT},
}


def status_reply(state: PrinterState, n: int) -> int | None:
    """The byte a printer in `state` sends for DLE EOT n, or None if it stays silent."""
    bits = _STATUS_BITS.get(state)
    return None if bits is None else FIXED_BITS | bits.get(n, 0)


class PrinterEmulator:
    """A printer behind a pty; `link` is a symlink to the pty that unplug() removes.

    `replies` overrides what the printer sends for DLE EOT n, whatever its
    state: a byte, or None for a model that ignores that request
    (`{PAPER_ROLL: None}`: no paper sensors; `{PRINTER: FIXED_BITS | OFFLINE_BIT}`:
    answers that it is offline, giving no cause)."""

    def __init__(self, link: str | os.PathLike[str], state: PrinterState = PrinterState.OK,
                 on_ticket: Callable[[Printout], None] | None = None,
                 replies: dict[int, int | None] | None = None) -> None:
        self.link = Path(link)
        self.state = state
        self.replies: dict[int, int | None] = dict(replies or {})
        self._on_ticket = on_ticket
        self._received = bytearray()
        self._stream = EscPosStream()
        self._parsed = 0  # bytes of _received covered by complete tokens
        self._ticket_start = 0
        self._cuts = 0
        self._cut_seen = asyncio.Event()
        self._fds: tuple[int, int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def received(self) -> bytes:
        """Every byte the host sent, status queries included."""
        return bytes(self._received)

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo of our replies, no LF -> CRLF
        os.set_blocking(master, False)
        # The slave fd stays open: otherwise reading the master fails between host connections.
        self._fds = (master, slave)
        self.link.unlink(missing_ok=True)
        self.link.symlink_to(os.ttyname(slave))
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(master, self._on_readable)

    def unplug(self) -> None:
        """Like pulling the cable: the host's open port fails and the path disappears."""
        if self._fds is None or self._loop is None:
            return
        master, slave = self._fds
        self._loop.remove_reader(master)
        os.close(master)
        os.close(slave)
        self._fds = None
        self.link.unlink(missing_ok=True)

    async def __aenter__(self) -> PrinterEmulator:
        self.plug()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.unplug()

    def decode(self) -> Printout:
        return decode_escpos(self.received)

    async def wait_for_cuts(self, count: int, timeout: float = 2.0) -> Printout:
        """Wait until `count` tickets have been cut in total."""
        async with asyncio.timeout(timeout):
            while self._cuts < count:
                self._cut_seen.clear()
                await self._cut_seen.wait()
        return self.decode()

    def _on_readable(self) -> None:
        assert self._fds is not None
        try:
            chunk = os.read(self._fds[0], 65536)
        except BlockingIOError:
            return
        self._received += chunk
        for token in self._stream.feed(chunk):
            self._handle(token)

    def _handle(self, token: Token) -> None:
        self._parsed += len(token.op) + len(token.args)
        if token.op == DLE_EOT:
            self._answer(token.args[0])
        elif token.op == b"\x1dV":
            self._ticket_cut()

    def _answer(self, n: int) -> None:
        reply = self.replies[n] if n in self.replies else status_reply(self.state, n)
        if reply is not None and self._fds is not None:
            os.write(self._fds[0], bytes([reply]))

    def _ticket_cut(self) -> None:
        self._cuts += 1
        self._cut_seen.set()
        ticket = decode_escpos(bytes(self._received[self._ticket_start:self._parsed]))
        self._ticket_start = self._parsed
        if self._on_ticket is not None:
            self._on_ticket(ticket)


def format_printout(printout: Printout) -> str:
    """Plain-text rendering of a ticket; enlarged lines are tagged with their size."""
    lines = [(f"[{line.width}x{line.height}] " if line.width > 1 or line.height > 1 else "") + line.text
             for line in printout.lines]
    lines += [f"[QR] {payload}" for payload in printout.qr_payloads]
    lines += [f"[Code128] {payload}" for payload in printout.code128_payloads]
    return "\n".join([*lines, "-" * 16 + " cut " + "-" * 16])


async def _serve(link: Path, state: PrinterState, replies: dict[int, int | None]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with PrinterEmulator(link, state, on_ticket=lambda p: print(format_printout(p), flush=True),
                               replies=replies):
        print(f"printer emulator on {link} (state: {state.value})", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="ESC/POS ticket printer emulator on a pty")
    parser.add_argument("--link", default="/tmp/hallq-printer", help="symlink to create for the port")
    parser.add_argument("--state", default="ok", choices=[s.value for s in PrinterState],
                        help="status to report to DLE EOT queries (offline: never answer)")
    parser.add_argument("--no-paper-sensor", action="store_true",
                        help="leave DLE EOT 4 (paper sensors) unanswered, like some models")
    args = parser.parse_args(argv)
    asyncio.run(_serve(Path(args.link), PrinterState(args.state), {PAPER_ROLL: None} if args.no_paper_sensor else {}))


if __name__ == "__main__":
    main()
