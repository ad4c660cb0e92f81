"""Asyncio ticket printer on a serial port (or any pyserial URL)."""

from __future__ import annotations

import asyncio
import os

from serial_asyncio_fast import open_serial_connection

from printers.status import NO_ANSWER, PORT_MISSING, PrinterState, PrinterStatus, query_status

# SerialException is an OSError; EOFError covers a port that vanished mid-read.
_LINK_ERRORS = (OSError, EOFError)


class PrinterUnavailable(Exception):
    """The ticket cannot be printed; show it on screen instead."""

    def __init__(self, status: PrinterStatus, why: str = "") -> None:
        super().__init__(f"printer unavailable: {status.state.value}" + (f" ({why})" if why else ""))
        self.status = status

    @property
    def state(self) -> PrinterState:
        return self.status.state


class _SerialLink:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @property
    def closed(self) -> bool:
        return self._writer.is_closing() or self._reader.at_eof()

    async def exchange(self, request: bytes) -> int:
        await self.write(request)
        return (await self._reader.readexactly(1))[0]

    async def write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    def close(self) -> None:
        self._writer.close()


class SerialTicketPrinter:
    """Opens the port lazily and again after any failure, so an unplugged printer recovers."""

    def __init__(self, url: str, *, baudrate: int = 9600,
                 status_timeout: float = 0.3, write_timeout: float = 10.0) -> None:
        self.url = url
        self.baudrate = baudrate
        self.status_timeout = status_timeout
        self.write_timeout = write_timeout
        self._link: _SerialLink | None = None
        self._paper_sensor = True  # until DLE EOT 4 goes unanswered: then not asked again
        self._lock = asyncio.Lock()  # status replies must not interleave with another query

    async def status(self) -> PrinterStatus:
        async with self._lock:
            return await self._status()

    async def print_bytes(self, data: bytes) -> None:
        """Send one print job; raises PrinterUnavailable unless the printer can print now."""
        async with self._lock:
            status = await self._status()
            if not status.printable:
                raise PrinterUnavailable(status)
            link = await self._connect()  # the link the status query just used
            try:
                async with asyncio.timeout(self.write_timeout):
                    await link.write(data)
            except (*_LINK_ERRORS, TimeoutError) as exc:
                self._close()
                raise PrinterUnavailable(self._offline(), f"write failed: {exc!r}") from exc

    async def close(self) -> None:
        async with self._lock:
            self._close()

    async def _status(self) -> PrinterStatus:
        try:
            return await self._query()
        except _LINK_ERRORS:
            self._close()  # a stale port (printer replugged) gets one fresh attempt
        try:
            return await self._query()
        except _LINK_ERRORS:
            self._close()
            self._paper_sensor = True  # it may come back as another model
            return self._offline()

    async def _query(self) -> PrinterStatus:
        link = await self._connect()
        asked_paper = self._paper_sensor
        status = await query_status(link, self.status_timeout, ask_paper=asked_paper)
        if asked_paper and not status.paper_sensed:
            self._paper_sensor = False
        if status.detail == NO_ANSWER or (asked_paper and not status.paper_sensed):
            self._close()  # a late reply must not be taken as the answer to the next query
        return status

    def _offline(self) -> PrinterStatus:
        """A port that fails: the printer is offline, and why if the port itself is gone."""
        missing = "://" not in self.url and not os.path.exists(self.url)
        return PrinterStatus(PrinterState.OFFLINE, PORT_MISSING if missing else NO_ANSWER)

    async def _connect(self) -> _SerialLink:
        if self._link is not None and self._link.closed:
            self._close()
        if self._link is None:
            reader, writer = await open_serial_connection(url=self.url, baudrate=self.baudrate)
            self._link = _SerialLink(reader, writer)
        return self._link

    def _close(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None
