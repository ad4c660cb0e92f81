"""Asyncio driver for a GA 467 SAM ID-card reader on a serial port.

    async with IdCardReader("/dev/ttyUSB0") as reader:
        async for event in reader.watch():
            match event:
                case CardEvent(card): ...            # once per presentation
                case ErrorEvent(error): ...          # type(error).__name__ names it
                case StatusEvent(state, reason): ...  # ok / faulty / offline
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import Enum

import serial_asyncio_fast

from hardware.idcard import IdCard, parse_card
from hardware.sam_errors import (
    FrameError,
    NoCard,
    ReaderDisconnected,
    ReaderError,
    ReaderTimeout,
    SamFault,
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
    answers,
    encode_command,
    split_read_data,
)

log = logging.getLogger(__name__)

_QUIET = 0.05  # a line silent this long after a damaged frame brings no good reply behind it
FAULT_POLLS = 3  # polls in a row that a SAM must report itself faulty before the reader is


class ReaderState(str, Enum):
    OK = "ok"
    FAULTY = "faulty"  # the port and the SAM answer, but the SAM reports itself unusable
    OFFLINE = "offline"  # the port is gone or nothing answers on it


@dataclass(frozen=True)
class CardEvent:
    card: IdCard


@dataclass(frozen=True)
class ErrorEvent:
    error: ReaderError


@dataclass(frozen=True)
class StatusEvent:
    state: ReaderState
    reason: ReaderError | None = None

    @property
    def online(self) -> bool:
        return self.state is not ReaderState.OFFLINE


ReaderEvent = CardEvent | ErrorEvent | StatusEvent


class _Line(asyncio.Protocol):
    """The open port: reply frames and damaged frames queued as they arrive."""

    def __init__(self) -> None:
        self._frames = FrameReader()
        self._items: asyncio.Queue[Reply | FrameError | ReaderDisconnected] = asyncio.Queue()
        self._transport: asyncio.WriteTransport | None = None
        self._last_data = 0.0
        self.gone = asyncio.Event()

    def bind(self, transport: asyncio.WriteTransport) -> None:
        """The port's transport, known before the loop gets round to connection_made."""
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._last_data = asyncio.get_running_loop().time()
        for item in self._frames.feed(data):
            self._items.put_nowait(item)

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone.set()
        self._items.put_nowait(ReaderDisconnected(f"{ReaderDisconnected.message}: {exc or 'port closed'}"))

    def send(self, frame: bytes) -> None:
        """Write a command, first dropping what the line holds: nothing received
        before a command was sent can be its answer."""
        if self.gone.is_set() or self._transport is None:
            raise ReaderDisconnected()
        while not self._items.empty():
            if isinstance(stale := self._items.get_nowait(), Reply):
                log.debug("stale reply (SW3 %02X) dropped", stale.sw3)
        self._frames.clear()
        self._transport.write(frame)

    async def receive(self) -> Reply | FrameError:
        item = await self._items.get()
        if isinstance(item, ReaderDisconnected):
            self._items.put_nowait(item)  # gone for every later call too
            raise item
        return item

    def quiet_for(self) -> float:
        return asyncio.get_running_loop().time() - self._last_data

    async def close(self, timeout: float) -> None:
        if self._transport is not None:
            self._transport.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.gone.wait(), timeout)


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
        fault_polls: int = FAULT_POLLS,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout
        self.backoff = backoff
        self.fault_polls = fault_polls
        self._read_command = READ_WITH_FINGERPRINTS if fingerprints else READ
        self._line: _Line | None = None
        self._lock = asyncio.Lock()
        self._state: ReaderState | None = None

    async def __aenter__(self) -> IdCardReader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._line is not None

    async def open(self) -> None:
        """Open the port and check that a SAM answers on it."""
        await self.close()
        line = _Line()
        try:
            transport, _ = await serial_asyncio_fast.create_serial_connection(
                asyncio.get_running_loop(), lambda: line, self.url, baudrate=self.baudrate
            )
        except OSError as exc:  # pyserial's SerialException is an OSError
            raise ReaderDisconnected(f"cannot open {self.url}: {exc}") from exc
        line.bind(transport)
        self._line = line
        try:
            await self._expect(SAM_STATUS, SW_OK)
        except ReaderError:
            await self.close()
            raise

    async def close(self) -> None:
        line, self._line = self._line, None
        if line is not None:
            await line.close(self.timeout)

    async def read_card(self) -> IdCard | None:
        """One find → select → read cycle; None when no card is in the field."""
        found = await self._command(FIND)
        if found.sw3 == NoCard.code:
            return None
        _check(found, SW_FOUND)
        await self._expect(SELECT, SW_OK)
        reply = await self._expect(self._read_command, SW_OK)
        return parse_card(*split_read_data(reply.data))

    async def watch(self, poll_interval: float = 0.3) -> AsyncIterator[ReaderEvent]:
        """Poll forever: StatusEvent when the reader goes offline, turns faulty
        or is well again (the port is reopened with backoff by itself),
        CardEvent once per card presentation, ErrorEvent for each poll that
        failed for the card or the line.

        A SAM that reports itself faulty (SamFault) is no card error: after
        `fault_polls` polls in a row the reader is FAULTY, until a poll goes by
        without the fault."""
        last_id: str | None = None
        faults = 0
        while True:
            if not self.connected:
                last_id = None  # a reader that went away forgets what it had read
                async for status in self._reopen():
                    yield status
            try:
                card = await self.read_card()
            except ReaderDisconnected as exc:
                await self.close()
                if event := self._set_state(ReaderState.OFFLINE, exc):
                    yield event
                continue
            except SamFault as exc:
                faults += 1
                if faults >= self.fault_polls and (event := self._set_state(ReaderState.FAULTY, exc)):
                    yield event
            except ReaderTimeout as exc:
                yield ErrorEvent(exc)
                await self.close()  # a silent reader gets a fresh port; reopening tells its state
            except ReaderError as exc:
                faults = 0
                if event := self._set_state(ReaderState.OK):
                    yield event
                yield ErrorEvent(exc)
            else:
                faults = 0
                if event := self._set_state(ReaderState.OK):
                    yield event
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
        """Retry with exponential backoff until the port opens and the SAM passes
        its status check; a SAM failing that check makes the reader FAULTY."""
        delay = self.backoff[0]
        while True:
            try:
                await self.open()
            except ReaderError as exc:
                state = ReaderState.FAULTY if isinstance(exc, SamFault) else ReaderState.OFFLINE
                if event := self._set_state(state, exc):
                    yield event
            else:
                if event := self._set_state(ReaderState.OK):
                    yield event
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff[1])

    def _set_state(self, state: ReaderState, reason: ReaderError | None = None) -> StatusEvent | None:
        """A StatusEvent only when the state changes."""
        if state is self._state:
            return None
        self._state = state
        return StatusEvent(state, reason)

    async def _expect(self, command: tuple[int, int], sw3: int) -> Reply:
        reply = await self._command(command)
        _check(reply, sw3)
        return reply

    async def _command(self, command: tuple[int, int]) -> Reply:
        if self._line is None:
            await self.open()
        async with self._lock:
            line = self._line
            if line is None:
                raise ReaderDisconnected()
            try:
                return await self._exchange(line, command)
            except ReaderDisconnected:
                await self.close()
                raise

    async def _exchange(self, line: _Line, command: tuple[int, int]) -> Reply:
        """Send `command` and take the first reply that can answer it. A reply that
        cannot (a stray duplicate, a late answer to an earlier command) is dropped;
        a damaged frame is the outcome only if no good answer follows it."""
        line.send(encode_command(*command))
        damaged: FrameError | None = None
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    item = await (line.receive() if damaged is None else self._soon(line))
                    if isinstance(item, FrameError):
                        damaged = item
                    elif answers(command, item):
                        return item
                    else:
                        log.debug("reply (SW3 %02X) does not answer %02X %02X; dropped", item.sw3, *command)
        except TimeoutError:
            if damaged is not None:
                raise damaged from None
            raise ReaderTimeout(f"{ReaderTimeout.message} (command {command[0]:02X} {command[1]:02X})") from None

    @staticmethod
    async def _soon(line: _Line) -> Reply | FrameError:
        """The next item, while bytes keep coming; TimeoutError once the line goes quiet."""
        while True:
            try:
                return await asyncio.wait_for(line.receive(), _QUIET)
            except TimeoutError:
                if line.quiet_for() >= _QUIET:
                    raise


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
