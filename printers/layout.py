"""Printer-independent ticket layout shared by the ESC/POS output and the on-screen preview."""

from __future__ import annotations

from dataclasses import dataclass

from printers.ticket import PrinterProfile, TicketPrint


@dataclass(frozen=True)
class TextLine:
    """One centred line of text; an empty text is a blank feed line."""

    text: str
    scale: int = 1
    bold: bool = False


@dataclass(frozen=True)
class QrCode:
    data: str


@dataclass(frozen=True)
class Code128:
    data: str


Block = TextLine | QrCode | Code128

BLANK = TextLine("")


def display_width(text: str) -> int:
    """Printer columns used by text at normal size."""
    # In Chinese mode every multi-byte GB18030 character is printed full width,
    # including punctuation such as "·" that Unicode calls ambiguous.
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


# Chinese typesetting never starts a line with these.
_NO_LINE_START = frozenset("，。、；：！？）》」』】,.;:!?)")


def wrap(text: str, columns: int) -> list[str]:
    """Split text into lines of at most `columns` display columns (Chinese has no spaces to break at)."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and display_width(current + ch) > columns:
            # Carry the last character along so closing punctuation does not open a line.
            movable = len(current) > 1 and current[-1] not in _NO_LINE_START
            carry = current[-1] if ch in _NO_LINE_START and movable else ""
            lines.append(current[: len(current) - len(carry)])
            current = carry
        current += ch
    return [*lines, current] if current else lines


def _text(text: str, profile: PrinterProfile, scale: int = 1, bold: bool = False) -> list[Block]:
    columns = profile.chars_per_line // scale
    return [TextLine(line, scale, bold) for line in wrap(text, columns)]


def _wait_text(minutes: int | None) -> str:
    # No window that may serve it is open: a number of minutes would be a promise nobody keeps.
    return "暂无开放窗口" if minutes is None else f"预计等候约 {minutes} 分钟"


def build_layout(ticket: TicketPrint, profile: PrinterProfile) -> list[Block]:
    """The ticket top to bottom, every text line already wrapped to the paper width."""
    blocks: list[Block] = [
        *_text(ticket.hall_name, profile, bold=True),
        *_text(f"{ticket.zone_name} · {ticket.floor}", profile),
        BLANK,
        *_text(ticket.number, profile, scale=profile.number_scale, bold=True),
        BLANK,
        *_text(ticket.service_name, profile, bold=True),
    ]
    if ticket.windows:
        blocks += _text(f"办理窗口：{ticket.windows}", profile)
    blocks += _text(f"前面还有 {ticket.people_ahead} 人", profile)
    blocks += _text(_wait_text(ticket.estimated_wait_minutes), profile)
    if ticket.holder_masked:
        blocks += _text(f"取号人：{ticket.holder_masked}", profile)
    blocks += _text(f"取号时间：{ticket.issued_at:%Y-%m-%d %H:%M}", profile)
    blocks += [QrCode(ticket.status_url), *_text("扫码查看排队进度", profile), Code128(ticket.number)]
    if ticket.notice:
        blocks += _text(ticket.notice, profile)
    return blocks
