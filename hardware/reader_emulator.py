"""A GA 467 SAM ID-card reader emulated on a pty pair, for tests and demos.

The host opens `ReaderEmulator.port`, a symlink to the current pty slave that
survives unplug()/replug() (each replug creates a new pty). Run

    python -m hardware.reader_emulator --link /tmp/hallq-idreader

and press Enter to present a sample card ("j" or "i" first for the other card types).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import shutil
import sys
import tempfile
import threading
import tty
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hardware import samframe as sam
from hardware.idcard import CARD_TYPES, LAYOUTS, TEXT_SIZE, TYPE_MARK
from hardware.sam_errors import (
    BadCommand,
    ChecksumError,
    FrameError,
    NoCard,
    ReadFailed,
    SamChecksumError,
    SamLengthError,
    SelectFailed,
)
from hardware.samframe import Command, CommandReader, encode_read_data, encode_reply

SAMPLE_CARD = {
    "name": "张三",
    "sex": "1",
    "nation": "01",
    "birth": "19491231",
    "address": "北京市朝阳区建国路88号",
    "id_number": "11010519491231002X",
    "authority": "北京市公安局朝阳分局",
    "valid_from": "20150101",
    "valid_to": "长期",
}
SAMPLE_PERMIT = {
    "name": "陈大文",
    "sex": "1",
    "birth": "19800101",
    "address": "广东省深圳市福田区福华路1号",
    "id_number": "810000198001011236",
    "authority": "深圳市公安局",
    "valid_from": "20190101",
    "valid_to": "20240101",
    "permit_number": "H12345678",
    "issue_count": "01",
}
SAMPLE_FOREIGNER = {
    "english_name": "SMITH JOHN",
    "sex": "1",
    "id_number": "USA110075071504",
    "nationality": "USA",
    "name": "约翰",
    "valid_from": "20170701",
    "valid_to": "20270701",
    "birth": "19750715",
    "version": "01",
    "authority_code": "1100",
}
# What the demo presents for each line typed: Enter, "j" or "i".
_DEMO_CARDS = {
    "": (SAMPLE_CARD, "resident"),
    "j": (SAMPLE_PERMIT, "residence_permit"),
    "i": (SAMPLE_FOREIGNER, "foreign_permanent"),
}

# Stand-ins for the vendor-encoded WLT photo and the fingerprint templates:
# right sizes, no 0xAA run, so they never look like a preamble.
WLT_FILLER = bytes((i * 37 + 11) & 0xFF for i in range(1024))
FINGERPRINT_FILLER = bytes((i * 53 + 7) & 0xFF for i in range(1024))

_PAD = " ".encode("utf-16-le")
_MARKS = {card_type: mark for mark, card_type in CARD_TYPES.items()}


def build_text_block(fields: Mapping[str, str], card_type: str = "resident") -> bytes:
    """The 256-byte text as a card stores it; values are raw card strings
    (sex "1", nation "01", dates "YYYYMMDD" or "长期")."""
    layout = LAYOUTS[card_type]
    block = bytearray(_PAD * (TEXT_SIZE // 2))
    for key, value in fields.items():
        place = layout[key]
        raw = value.encode("utf-16-le")
        if len(raw) > place.size:
            raise ValueError(f"{key} is longer than {place.size // 2} characters")
        block[place.slice] = raw + _PAD * ((place.size - len(raw)) // 2)
    if _MARKS[card_type]:
        block[TYPE_MARK.slice] = _MARKS[card_type].encode("utf-16-le")
    return bytes(block)


def _garbage(size: int) -> bytes:
    # Without 0xAA the noise cannot fake a preamble, so the reply behind it stays readable.
    return bytes(b for b in os.urandom(size) if b != 0xAA)


def _false_preamble(frame: bytes) -> bytes:
    # Noise that reads as a preamble and a plausible length reaching past the real reply.
    return _garbage(16) + sam.PREAMBLE + (len(frame) + 16).to_bytes(2, "big") + b"\x00\x01\x02" + frame


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "checksum": lambda frame: frame[:-1] + bytes([frame[-1] ^ 0xFF]),
    "length": lambda frame: frame[:5] + b"\xff\xff" + frame[7:],
    "garbage": lambda frame: _garbage(64) + frame,
    "truncate": lambda frame: frame[: len(frame) // 2],
    "false_preamble": _false_preamble,
}
DUPLICATE = "duplicate"  # the reply is sent again, just before the answer to the next command
FAULT_KINDS = (*sorted(CORRUPTIONS), DUPLICATE)


@dataclass(frozen=True)
class _Fault:
    command: tuple[int, int] | None  # None: the next reply, whatever the command
    sw3: int | None = None
    corruption: str | None = None


class ReaderEmulator:
    def __init__(self, link: str | None = None, *, find_after_read: bool = False) -> None:
        self._own_dir: str | None = None
        if link is None:
            self._own_dir = tempfile.mkdtemp(prefix="idreader-")
            link = os.path.join(self._own_dir, "reader")
        self.port = link
        # True models a reader that keeps finding a card left in the field.
        self.find_after_read = find_after_read
        self.received: list[Command] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._commands = CommandReader()
        self._text: bytes | None = None
        self._read_done = False
        self._remove_during_read = False
        self._faults: list[_Fault] = []
        self._broken: dict[tuple[int, int] | None, int] = {}
        self._stray = b""

    def __enter__(self) -> ReaderEmulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> str:
        self.replug()
        self._thread = threading.Thread(target=self._serve, name="reader-emulator", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.unplug()
        if self._own_dir:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    def unplug(self) -> None:
        with self._lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.port)

    def replug(self) -> None:
        self.unplug()
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no newline translation
        # The slave stays open here too, so the master never reads a hang-up
        # while the host has the port closed.
        staged = self.port + ".new"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)
        os.symlink(os.ttyname(slave), staged)
        with self._lock:
            self._master, self._slave = master, slave
            self._commands.clear()
            self._read_done = False  # a power-cycled SAM forgets the last read
            self._stray = b""
            os.replace(staged, self.port)

    # --- what happens in the field -------------------------------------------

    def place_card(
        self,
        card: Mapping[str, str] | bytes,
        card_type: str = "resident",
        *,
        remove_during_read: bool = False,
    ) -> None:
        text = card if isinstance(card, bytes) else build_text_block(card, card_type)
        with self._lock:
            self._text, self._read_done = text, False
            self._remove_during_read = remove_during_read

    def remove_card(self) -> None:
        with self._lock:
            self._text = None

    def corrupt_next(self, kind: str, command: tuple[int, int] | None = None) -> None:
        """Damage the next reply (to that (CMD, PARA), if given): one of FAULT_KINDS."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown corruption {kind!r}; use one of {FAULT_KINDS}")
        with self._lock:
            self._faults.append(_Fault(command, corruption=kind))

    def fail_next(self, sw3: int, command: tuple[int, int] | None = None) -> None:
        """Answer the next command (that (CMD, PARA), if given) with this SW3."""
        with self._lock:
            self._faults.append(_Fault(command, sw3=sw3))

    def break_sam(self, sw3: int, command: tuple[int, int] | None = None) -> None:
        """Answer every command (or only that (CMD, PARA)) with this SW3 until
        repair(): a SAM module that has gone bad, e.g. 0x60 on find only."""
        with self._lock:
            self._broken[command] = sw3

    def repair(self) -> None:
        with self._lock:
            self._broken.clear()

    # --- the line -------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            master = self._master
            if master is None:
                self._stop.wait(0.02)
                continue
            try:
                if not select.select([master], [], [], 0.02)[0]:
                    continue
                data = os.read(master, 4096)
            except (OSError, ValueError):  # unplugged under our feet
                continue
            with self._lock:
                if master != self._master:  # bytes from a pty already unplugged
                    continue
                items = self._commands.feed(data)
            for item in items:
                self._send(master, self._answer(item))

    def _send(self, master: int, frame: bytes) -> None:
        with contextlib.suppress(OSError):
            while frame:
                frame = frame[os.write(master, frame) :]

    def _answer(self, item: Command | FrameError) -> bytes:
        if not isinstance(item, Command):
            code = SamChecksumError.code if isinstance(item, ChecksumError) else SamLengthError.code
            return encode_reply(code)
        with self._lock:
            self.received.append(item)
            fault = next((f for f in self._faults if f.command in (None, (item.cmd, item.para))), None)
            if fault:
                self._faults.remove(fault)
            broken = self._broken.get((item.cmd, item.para), self._broken.get(None))
            if fault and fault.sw3 is not None:
                reply = encode_reply(fault.sw3)
            elif broken is not None:
                reply = encode_reply(broken)
            else:
                reply = self._reply(item)
            stray, self._stray = self._stray, b""
            if fault and fault.corruption == DUPLICATE:
                self._stray = reply
            elif fault and fault.corruption:
                reply = CORRUPTIONS[fault.corruption](reply)
        return stray + reply

    def _reply(self, command: Command) -> bytes:
        key = (command.cmd, command.para)
        if key == sam.SAM_STATUS:
            return encode_reply(sam.SW_OK)
        if key == sam.FIND:
            findable = self._text is not None and (not self._read_done or self.find_after_read)
            return encode_reply(sam.SW_FOUND, bytes(4)) if findable else encode_reply(NoCard.code)
        if key == sam.SELECT:
            return encode_reply(sam.SW_OK, bytes(8)) if self._text else encode_reply(SelectFailed.code)
        if key in (sam.READ, sam.READ_WITH_FINGERPRINTS):
            return self._read(with_fingerprints=key == sam.READ_WITH_FINGERPRINTS)
        return encode_reply(BadCommand.code)

    def _read(self, with_fingerprints: bool) -> bytes:
        if self._text is None or self._remove_during_read:
            self._text = None
            return encode_reply(ReadFailed.code)
        self._read_done = True
        fingerprints = FINGERPRINT_FILLER if with_fingerprints else None
        return encode_reply(sam.SW_OK, encode_read_data(self._text, WLT_FILLER, fingerprints))


def main() -> None:
    parser = argparse.ArgumentParser(description="Emulate an ID-card reader on a pty.")
    parser.add_argument("--link", default="/tmp/hallq-idreader", help="stable path to the pty")
    emulator = ReaderEmulator(parser.parse_args().link)
    print(f"ID-card reader emulator on {emulator.start()}", flush=True)
    print("Enter: present the sample ID card", flush=True)
    print("j / i, then Enter: the residence permit / the foreigner's card; Ctrl-D: quit", flush=True)
    try:
        for line in sys.stdin:
            card, card_type = _DEMO_CARDS.get(line.strip().lower(), _DEMO_CARDS[""])
            emulator.place_card(card, card_type)
            print(f"sample {card_type} card presented", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
