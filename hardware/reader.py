"""Asyncio driver for a GA 467 SAM ID-card reader on a serial port.

    async with IdCardReader("/dev/ttyUSB0") as reader:
        async for event in reader.watch():
            match event:
                case CardEvent(card): ...            # once per presentation
                case ErrorEvent(error): ...          # type(error).__name__ names it
                case StatusEvent(online, reason): ...  # port lost / back
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import serial_asyncio_fast

from hardware.idcard import IdCard, parse_card
from hardware.sam_errors import (
    FrameError,
    NoCard,
    ReaderDisconnected,
    ReaderError,
    ReaderTimeout,
    status_error,
)
from hardware.samframe import (
    FIND,
    READ,
    READ_WITH_FINGERPRINTS,
    SAM_STATUS,
    SELECT,
    SW_FOUND,
    SW_OK,
    FrameReader,
    Reply,
    encode_command,
    split_read_data,
)

_QUIET = 0.05  # a line silent this long holds no more of a broken reply


@dataclass(frozen=True)
class CardEvent:
    card: IdCard


@dataclass(frozen=True)
class ErrorEvent:
    error: ReaderError


@dataclass(frozen=True)
class StatusEvent:
    online: bool
    reason: ReaderError | None = None


ReaderEvent = CardEvent | ErrorEvent | StatusEvent


class IdCardReader:
    """A reader on `url` (a device or pty path), opened lazily and reopened
    after any loss. `timeout` bounds each command; a real SAM needs most of a
    second to read a card, so keep it well above that."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        timeout: float = 2.0,
        fingerprints: bool = False,
        backoff: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout
        self.backoff = backoff
        self._read_command = READ_WITH_FINGERPRINTS if fingerprints else READ
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._frames = FrameReader()
        self._lock = asyncio.Lock()
        self._online: bool | None = None

    async def __aenter__(self) -> IdCardReader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def open(self) -> None:
        """Open the port and check that a SAM answers on it."""
        await self.close()
        try:
            self._reader, self._writer = await serial_asyncio_fast.open_serial_connection(
                url=self.url, baudrate=self.baudrate
            )
        except OSError as exc:  # pyserial's SerialException is an OSError
            raise ReaderDisconnected(f"cannot open {self.url}: {exc}") from exc
        try:
            await self._expect(SAM_STATUS, SW_OK)
        except ReaderError:
            await self.close()
            raise

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            # wait_closed re-raises whatever broke the port; it is closed either way.
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), self.timeout)

    async def read_card(self) -> IdCard | None:
        """One find → select → read cycle; None when no card is in the field."""
        found = await self._command(*FIND)
        if found.sw3 == NoCard.code:
            return None
        _check(found, SW_FOUND)
        await self._expect(SELECT, SW_OK)
        reply = await self._expect(self._read_command, SW_OK)
        return parse_card(*split_read_data(reply.data))

    async def watch(self, poll_interval: float = 0.3) -> AsyncIterator[ReaderEvent]:
        """Poll forever: StatusEvent when the reader goes offline or comes back
        (the port is reopened with backoff by itself), CardEvent once per card
        presentation, ErrorEvent for each poll that failed."""
        last_id: str | None = None
        while True:
            if not self.connected:
                last_id = None  # a reader that went away forgets what it had read
                async for status in self._reopen():
                    yield status
            if event := self._set_online(True):
                yield event
            try:
                card = await self.read_card()
            except ReaderDisconnected as exc:
                await self.close()
                if event := self._set_online(False, exc):
                    yield event
                continue
            except ReaderError as exc:
                yield ErrorEvent(exc)
                if isinstance(exc, ReaderTimeout):
                    await self.close()  # a silent reader gets a fresh port
            else:
                # The protocol's find already fails on a card left in the field;
                # the id check also covers readers that keep finding it.
                if card is not None and card.id_number != last_id:
                    yield CardEvent(card)
                last_id = card.id_number if card else None
            await asyncio.sleep(poll_interval)

    async def cards(
        self,
        poll_interval: float = 0.3,
        on_event: Callable[[ErrorEvent | StatusEvent], object] | None = None,
    ) -> AsyncIterator[IdCard]:
        """Only the cards of watch(); errors and status changes go to on_event."""
        async for event in self.watch(poll_interval):
            if isinstance(event, CardEvent):
                yield event.card
            elif on_event is not None:
                on_event(event)

    async def _reopen(self) -> AsyncIterator[StatusEvent]:
        """Retry with exponential backoff until the port opens and the SAM answers."""
        delay = self.backoff[0]
        while True:
            try:
                await self.open()
                return
            except ReaderError as exc:
                if event := self._set_online(False, exc):
                    yield event
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff[1])

    def _set_online(self, online: bool, reason: ReaderError | None = None) -> StatusEvent | None:
        """A StatusEvent only when the state changes."""
        if online == self._online:
            return None
        self._online = online
        return StatusEvent(online, reason)

    async def _expect(self, command: tuple[int, int], sw3: int) -> Reply:
        reply = await self._command(*command)
        _check(reply, sw3)
        return reply

    async def _command(self, cmd: int, para: int) -> Reply:
        if not self.connected:
            await self.open()
        async with self._lock:
            try:
                return await asyncio.wait_for(self._exchange(encode_command(cmd, para)), self.timeout)
            except TimeoutError:
                await self._discard_late_bytes()
                raise ReaderTimeout(f"{ReaderTimeout.message} (command {cmd:02X} {para:02X})") from None
            except FrameError:
                await self._discard_late_bytes()
                raise

    async def _exchange(self, frame: bytes) -> Reply:
        assert self._reader is not None and self._writer is not None
        self._frames.clear()
        try:
            self._writer.write(frame)
            await self._writer.drain()
            while True:
                chunk = await self._reader.read(4096)
                if not chunk:
                    raise ConnectionResetError("end of stream")
                for item in self._frames.feed(chunk):
                    if isinstance(item, FrameError):
                        raise item
                    return item
        except OSError as exc:
            await self.close()
            raise ReaderDisconnected(f"{ReaderDisconnected.message}: {exc}") from exc

    async def _discard_late_bytes(self) -> None:
        """Drop the rest of a broken reply so it cannot answer the next command."""
        reader = self._reader
        if reader is not None:
            with contextlib.suppress(TimeoutError, OSError):
                async with asyncio.timeout(self.timeout):
                    while await asyncio.wait_for(reader.read(4096), _QUIET):
                        pass
        self._frames.clear()


def _check(reply: Reply, sw3: int) -> None:
    if reply.sw3 != sw3:
        raise status_error(reply.sw3)


async def _print_events(url: str) -> None:
    async with IdCardReader(url) as reader:
        async for event in reader.watch():
            print(event, flush=True)  # IdCard's repr masks name and number


def main() -> None:
    parser = argparse.ArgumentParser(description="Print ID-card reader events.")
    parser.add_argument("port", help="serial device or pty path, e.g. /dev/ttyUSB0")
    asyncio.run(_print_events(parser.parse_args().port))


if __name__ == "__main__":
    main()
