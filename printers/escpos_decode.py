"""Split an ESC/POS byte stream into commands and recover what a printer would print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

ESC, FS, GS, DLE = 0x1B, 0x1C, 0x1D, 0x10
DLE_EOT = b"\x10\x04"

# Commands with a fixed number of parameter bytes after their two-byte prefix.
_FIXED_PARAMS: dict[bytes, int] = {
    b"\x1b@": 0, b"\x1b2": 0, b"\x1ba": 1, b"\x1bE": 1, b"\x1b!": 1, b"\x1bd": 1,
    b"\x1bt": 1, b"\x1b-": 1, b"\x1bJ": 1, b"\x1b3": 1, b"\x1bG": 1, b"\x1bM": 1,
    b"\x1bR": 1, b"\x1b{": 1, b"\x1bp": 3,
    b"\x1c&": 0, b"\x1c.": 0, b"\x1c!": 1, b"\x1c-": 1, b"\x1cW": 1,
    b"\x1d!": 1, b"\x1dB": 1, b"\x1dh": 1, b"\x1dw": 1, b"\x1df": 1, b"\x1dH": 1,
    b"\x1da": 1, b"\x1dL": 2, b"\x1dW": 2,
    DLE_EOT: 1, b"\x10\x05": 1, b"\x10\x14": 3,
}
_CUT_WITH_FEED = frozenset({65, 66, 97, 98, 103, 104})  # GS V m n forms


class Token(NamedTuple):
    """A command (op = its prefix, e.g. b"\\x1d!") or a text run (op = b"")."""

    op: bytes
    args: bytes


def _variable_length(buf: bytes, i: int) -> int | None:
    """Length of GS ( x / GS k / GS V / GS v 0 at buf[i], None while incomplete."""
    avail = len(buf) - i
    if avail < 3:
        return None
    op, m = buf[i + 1], buf[i + 2]
    if op == ord("("):  # GS ( x pL pH data
        return 5 + buf[i + 3] + 256 * buf[i + 4] if avail >= 5 else None
    if op == ord("k"):
        if m <= 6:  # function A: NUL-terminated
            end = buf.find(b"\x00", i + 3)
            return end - i + 1 if end >= 0 else None
        return 4 + buf[i + 3] if avail >= 4 else None
    if op == ord("V"):
        return 4 if m in _CUT_WITH_FEED else 3
    # GS v 0 m xL xH yL yH raster data
    if avail < 8:
        return None
    return 8 + (buf[i + 4] + 256 * buf[i + 5]) * (buf[i + 6] + 256 * buf[i + 7])


def _command_length(buf: bytes, i: int) -> int | None:
    """Length of the control sequence at buf[i], None while incomplete."""
    if buf[i] not in (ESC, FS, GS, DLE):
        return 1  # LF, CR, HT and other single-byte controls
    if len(buf) - i < 2:
        return None
    prefix = bytes(buf[i:i + 2])
    length: int | None
    if prefix in _FIXED_PARAMS:
        length = 2 + _FIXED_PARAMS[prefix]
    elif buf[i] == GS and chr(buf[i + 1]) in "(kVv":
        length = _variable_length(buf, i)
    else:
        length = 1 if buf[i] == DLE else 2  # unknown: skip the prefix only
    return length if length is not None and len(buf) - i >= length else None


def _op_size(buf: bytes, i: int) -> int:
    if buf[i] == GS and buf[i + 1] == ord("("):
        return 3
    return 2 if buf[i] in (ESC, FS, GS, DLE) else 1


def tokenize(buf: bytes) -> tuple[list[Token], int]:
    """Complete tokens in buf and how many bytes they cover; the rest awaits more data."""
    tokens: list[Token] = []
    i = 0
    while i < len(buf):
        if buf[i] >= 0x20:  # text: GB18030 never uses bytes below 0x20
            end = i
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            tokens.append(Token(b"", bytes(buf[i:end])))
            i = end
            continue
        length = _command_length(buf, i)
        if length is None:
            break
        op = min(_op_size(buf, i), length)
        tokens.append(Token(bytes(buf[i:i + op]), bytes(buf[i + op:i + length])))
        i += length
    return tokens, i


class EscPosStream:
    """Incremental tokenizer for bytes arriving in arbitrary chunks."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[Token]:
        self._pending += chunk
        tokens, used = tokenize(self._pending)
        self._pending = self._pending[used:]
        return tokens


@dataclass(frozen=True)
class PrintedLine:
    text: str
    width: int = 1  # character magnification
    height: int = 1


@dataclass(frozen=True)
class Printout:
    """What a printer made of a byte stream."""

    lines: tuple[PrintedLine, ...]
    qr_payloads: tuple[str, ...]
    code128_payloads: tuple[str, ...]
    cuts: int

    @property
    def text_lines(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def enlarged(self) -> list[str]:
        return [line.text for line in self.lines if line.width > 1 or line.height > 1]


@dataclass
class _Decoder:
    width: int = 1
    height: int = 1
    line: bytearray = field(default_factory=bytearray)
    line_size: tuple[int, int] = (1, 1)
    qr_store: bytes = b""
    lines: list[PrintedLine] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    code128: list[str] = field(default_factory=list)
    cuts: int = 0

    def feed(self, token: Token) -> None:
        op, args = token
        if op == b"":
            self._add_text(args)
        elif op in (b"\n", b"\x1bd"):
            self._flush()
        elif op == b"\x1b@":
            self.width = self.height = 1
        elif op == b"\x1d!":
            self.width, self.height = (args[0] >> 4) + 1, (args[0] & 0x0F) + 1
        elif op == b"\x1b!":  # bit 5 double width, bit 4 double height
            self.width, self.height = 1 + (args[0] >> 5 & 1), 1 + (args[0] >> 4 & 1)
        elif op == b"\x1d(k":
            self._qr(args)
        elif op == b"\x1dk" and args[0] == 73:  # Code128, function B
            self.code128.append(_code128_text(args[2:]))
        elif op == b"\x1dV":
            self._flush()
            self.cuts += 1

    def _add_text(self, data: bytes) -> None:
        self.line_size = max(self.line_size, (self.width, self.height))
        self.line += data

    def _flush(self) -> None:
        if self.line:
            text = self.line.decode("gb18030", errors="replace")
            self.lines.append(PrintedLine(text, *self.line_size))
        self.line = bytearray()
        self.line_size = (1, 1)

    def _qr(self, args: bytes) -> None:
        # args: pL pH cn fn [m] data; cn '1' = QR, fn 'P' stores (m = '0'), fn 'Q' prints
        cn, fn = args[2], args[3]
        if cn == ord("1") and fn == ord("P"):
            self.qr_store = args[5:]
        elif cn == ord("1") and fn == ord("Q"):
            self.qr.append(self.qr_store.decode("utf-8", errors="replace"))

    def result(self) -> Printout:
        self._flush()
        return Printout(tuple(self.lines), tuple(self.qr), tuple(self.code128), self.cuts)


def _code128_text(data: bytes) -> str:
    """Human-readable Code128 content: drops the leading code-set selector."""
    if data[:2] == b"{C":  # code set C packs two digits per byte
        return "".join(f"{b:02d}" for b in data[2:])
    return data[2:].decode("ascii") if data[:2] in (b"{A", b"{B") else data.decode("ascii")


def decode_escpos(data: bytes) -> Printout:
    """Text lines (GB18030), QR and Code128 payloads, cuts and enlarged text in a print job."""
    decoder = _Decoder()
    for token in tokenize(data)[0]:
        decoder.feed(token)
    return decoder.result()
