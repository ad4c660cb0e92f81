"""The kiosk's device agent: its ID-card reader and ticket printer, connected to the hall server.

    hallq agent --server ws://hall-server:8080 --token <kiosk device token> \\
        --reader /dev/ttyUSB0 --printer /dev/ttyUSB1 --printer-profile 80mm \\
        --state-dir /var/lib/hallq-agent

It runs on the kiosk PC and keeps one websocket to the server (protocol in
docs/devices.md), reconnecting with exponential backoff whenever the server
goes away. Card reads are forwarded as they happen; print jobs are printed
in order, at most once each (see hardware.print_journal); the reader's and
the printer's state is reported every few seconds and on every change.

Logs never hold a full ID number or name: cards are logged by their masked
repr, and websocket frames (which carry the card) are never logged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from hardware.idcard import IdCard
from hardware.print_journal import Outcome, PrintJournal
from hardware.reader import CardEvent, ErrorEvent, IdCardReader, ReaderState, StatusEvent
from hardware.sam_errors import ReaderTimeout
from printers.escpos_layout import render_escpos
from printers.job import ticket_from_json
from printers.serial_printer import PrinterUnavailable, SerialTicketPrinter
from printers.status import PrinterState, PrinterStatus
from printers.ticket import PROFILES

log = logging.getLogger(__name__)

AGENT_NAME = "hallq-agent/0.1"
# Frames carry card data: the websocket library logs them at DEBUG, so its logger stays at INFO.
_WS_LOG = logging.getLogger("hallq.agent.websocket")
_WS_LOG.setLevel(logging.INFO)
_CARD_ERROR_INTERVAL = 1.0  # at most one reader error report a second


@dataclass(frozen=True)
class AgentSettings:
    server: str  # ws://host:port (http:// is accepted too)
    token: str  # the kiosk's device token
    state_dir: Path  # the print journal lives here
    reader: str | None = None  # serial device of the ID-card reader; None: no reader
    printer: str | None = None  # serial device (or pyserial URL) of the ticket printer; None: no printer
    printer_profile: str = "80mm"
    status_interval: float = 5.0
    backoff: tuple[float, float] = (0.5, 30.0)  # reconnect delay: first, largest
    reader_poll: float = 0.3
    reader_baudrate: int = 115200
    printer_baudrate: int = 9600
    printer_status_timeout: float = 0.3


def agent_url(server: str) -> str:
    base = server.rstrip("/")
    for plain, secure in (("http://", "ws://"), ("https://", "wss://")):
        if base.startswith(plain):
            base = secure + base[len(plain):]
    if not base.startswith(("ws://", "wss://")):
        raise ValueError(f"--server must be a ws:// or http:// URL, got {server!r}")
    return base + "/api/v1/agent"


def card_message(card: IdCard) -> dict[str, Any]:
    """What the server needs of a card: no address, no photo."""
    return {"type": "card", "card": {"name": card.name, "id_number": card.id_number,
                                     "birth_date": card.birth_date.isoformat(), "sex": card.sex,
                                     "card_type": card.card_type}}


class DeviceAgent:
    """`run()` until cancelled. `on_printed(job_id)`, if given, runs after a job
    is printed and recorded and before its result is reported."""

    def __init__(self, settings: AgentSettings, *,
                 on_printed: Callable[[int], Awaitable[None]] | None = None) -> None:
        self.settings = settings
        self.url = agent_url(settings.server)
        self.profile = PROFILES[settings.printer_profile]
        self.journal = PrintJournal(settings.state_dir / "print-journal.json")
        self.printer = (SerialTicketPrinter(settings.printer, baudrate=settings.printer_baudrate,
                                            status_timeout=settings.printer_status_timeout)
                        if settings.printer else None)
        self.on_printed = on_printed
        self.connected = asyncio.Event()  # set while the server has welcomed this agent
        self.reader_state: str | None = None
        self.printer_status: PrinterStatus | None = None
        self._ws: ClientConnection | None = None
        self._jobs: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reported: tuple[Any, ...] | None = None
        self._last_card_error = 0.0

    # --- running ---------------------------------------------------------------

    async def run(self) -> None:
        if self.printer is not None:
            await self._poll_printer()  # so that hello carries a printer state
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._stay_connected())
                tasks.create_task(self._print_jobs())
                tasks.create_task(self._report_periodically())
                if self.settings.reader:
                    tasks.create_task(self._read_cards(self.settings.reader))
        finally:
            if self.printer is not None:
                await self.printer.close()

    async def _stay_connected(self) -> None:
        first, largest = self.settings.backoff
        delay = first
        while True:
            welcomed = False
            try:
                async with connect(self.url, additional_headers={"Authorization": f"Bearer {self.settings.token}"},
                                   proxy=None, logger=_WS_LOG, open_timeout=10, ping_interval=10,
                                   ping_timeout=10, close_timeout=2, max_size=2**20) as ws:
                    welcomed = await self._converse(ws)
                log.warning("server closed the connection; reconnecting")
            except InvalidStatus as exc:
                log.error("server refused the agent (HTTP %s): check --token", exc.response.status_code)
                delay = largest
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI) as exc:
                log.warning("server unreachable (%s); retrying in %.1f s", exc, delay)
            if welcomed:  # a connection that worked: retry soon, then back off again
                delay = first
            await asyncio.sleep(delay)
            delay = min(delay * 2, largest)

    async def _converse(self, ws: ClientConnection) -> bool:
        """One connection, until it closes; True when the server welcomed the agent."""
        welcomed = False
        state = self._state()
        await ws.send(json.dumps({"type": "hello", "agent": AGENT_NAME, "printer_profile": self.profile.name,
                                  **state}))
        self._ws = ws
        self._reported = tuple(state.values())  # hello carries the state
        try:
            async for raw in ws:
                try:
                    message = json.loads(raw)
                    kind = message.get("type")
                except (ValueError, AttributeError):
                    log.warning("unreadable message from the server ignored")
                    continue
                if kind == "welcome":
                    welcomed = True
                    self.connected.set()
                    log.info("connected to %s as %s", self.url, message.get("device"))
                elif kind == "print":
                    self._jobs.put_nowait(message)
                elif kind == "error":
                    log.warning("server answered: %s", message.get("message"))
        except ConnectionClosed as exc:
            log.warning("connection to the server lost (%s)", exc)
        finally:
            self._ws = None
            self.connected.clear()
        return welcomed

    async def _send(self, message: dict[str, Any]) -> bool:
        ws = self._ws
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(message, ensure_ascii=False))
        except ConnectionClosed:
            return False
        return True

    # --- ID cards --------------------------------------------------------------------

    async def _read_cards(self, url: str) -> None:
        async with IdCardReader(url, baudrate=self.settings.reader_baudrate) as reader:
            async for event in reader.watch(self.settings.reader_poll):
                match event:
                    case CardEvent(card=card):
                        log.info("card read: %r", card)  # the repr is masked
                        if not await self._send(card_message(card)):
                            log.warning("%r was read while the server is unreachable; not forwarded", card)
                    case ErrorEvent(error=error):
                        await self._card_error(error)
                    case StatusEvent(state=state, reason=reason):
                        self.reader_state = state.value
                        log.log(logging.INFO if state is ReaderState.OK else logging.WARNING, "ID card reader %s%s",
                                self.reader_state, f" ({type(reason).__name__})" if reason else "")
                        await self._report()

    async def _card_error(self, error: Exception) -> None:
        name = type(error).__name__
        log.warning("card read failed: %s", name)
        if isinstance(error, ReaderTimeout):  # the reader itself, not the card: its status says so
            return
        now = time.monotonic()
        if now - self._last_card_error < _CARD_ERROR_INTERVAL:
            return
        self._last_card_error = now
        await self._send({"type": "card_error", "error": name, "message": str(error)[:200]})

    # --- status ------------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        printer = self.printer_status
        return {"reader": self.reader_state, "printer": printer.state.value if printer else None,
                "printer_detail": printer.detail if printer else None}

    async def _report(self, *, again: bool = False) -> None:
        """Send the state when it changed (or `again`, as a periodic report)."""
        state = self._state()
        key = tuple(state.values())
        if key == self._reported and not again:
            return
        if await self._send({"type": "status", **state}):
            self._reported = key

    async def _poll_printer(self) -> None:
        assert self.printer is not None
        self._printer_now(await self.printer.status())

    def _printer_now(self, status: PrinterStatus) -> None:
        if status != self.printer_status:
            log.log(logging.INFO if status.state is PrinterState.OK else logging.WARNING, "printer %s%s",
                    status.state.value, f" ({status.detail})" if status.detail else "")
            self.printer_status = status

    async def _report_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.settings.status_interval)
            if self.printer is not None:
                await self._poll_printer()
            await self._report(again=True)

    # --- printing -----------------------------------------------------------------------

    async def _print_jobs(self) -> None:
        while True:
            message = await self._jobs.get()
            job_id = message.get("job_id")
            if not isinstance(job_id, int):
                log.warning("print message without a job id ignored")
                continue
            outcome = self.journal.outcome(job_id)
            if outcome is None:
                outcome = await self._print(job_id, message)
            else:
                log.info("print job %s was handled before (%s); reporting it again", job_id,
                         "printed" if outcome.ok else outcome.error)
            await self._send({"type": "job_result", "job_id": job_id, "ok": outcome.ok, "error": outcome.error})

    async def _print(self, job_id: int, message: dict[str, Any]) -> Outcome:
        if message.get("stale"):
            return self._finish(job_id, Outcome(False, "expired"))
        if self.printer is None:
            return self._finish(job_id, Outcome(False, "no_printer"))
        try:
            ticket = ticket_from_json(message["ticket"])
            data = render_escpos(ticket, self.profile)
        except (KeyError, ValueError, TypeError) as exc:
            log.error("print job %s is malformed: %s", job_id, exc)
            return self._finish(job_id, Outcome(False, "bad_job"))
        self.journal.begin(job_id)
        try:
            await self.printer.print_bytes(data)
        except PrinterUnavailable as exc:
            log.warning("ticket %s (job %s) not printed: %s", ticket.number, job_id, exc)
            self._printer_now(exc.status)
            outcome = self._finish(job_id, Outcome(False, exc.state.value))
            await self._report()
            return outcome
        outcome = self._finish(job_id, Outcome(True))
        log.info("printed ticket %s (job %s)", ticket.number, job_id)
        if self.on_printed is not None:
            await self.on_printed(job_id)
        return outcome

    def _finish(self, job_id: int, outcome: Outcome) -> Outcome:
        self.journal.finish(job_id, outcome)
        return outcome


# --- command line -------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, help="the hall server, e.g. ws://10.0.0.5:8080")
    parser.add_argument("--token", default=os.environ.get("HALLQ_AGENT_TOKEN"),
                        help="the kiosk's device token (or set HALLQ_AGENT_TOKEN)")
    parser.add_argument("--reader", help="serial device of the ID-card reader, e.g. /dev/ttyUSB0")
    parser.add_argument("--printer", help="serial device (or pyserial URL) of the ticket printer")
    parser.add_argument("--printer-profile", default="80mm", choices=sorted(PROFILES),
                        help="paper width; match the kiosk's `printer` in the hall config")
    parser.add_argument("--printer-baudrate", type=int, default=9600)
    parser.add_argument("--state-dir", type=Path, default=Path(os.environ.get("HALLQ_AGENT_STATE", "var/agent")),
                        help="where the record of printed jobs is kept (default ./var/agent)")
    parser.add_argument("--status-interval", type=float, default=5.0, help="seconds between status reports")


def command(args: argparse.Namespace) -> int:
    if not args.token:
        raise SystemExit("hallq agent needs --token (or HALLQ_AGENT_TOKEN)")
    settings = AgentSettings(
        server=args.server, token=args.token, state_dir=args.state_dir, reader=args.reader,
        printer=args.printer, printer_profile=args.printer_profile, printer_baudrate=args.printer_baudrate,
        status_interval=args.status_interval,
    )
    agent = DeviceAgent(settings)
    log.info("hallq agent for %s: reader %s, printer %s (%s)", agent.url, settings.reader or "none",
             settings.printer or "none", settings.printer_profile)
    try:
        asyncio.run(agent.run())
    except KeyboardInterrupt:
        pass
    return 0
