"""What goes on a queue ticket, and the paper it is printed on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on one queue ticket."""

    hall_name: str
    zone_name: str
    floor: str  # as shown to the public, e.g. "1楼"
    number: str  # e.g. "A023"; ASCII, it is also the Code128 payload
    service_name: str
    people_ahead: int
    estimated_wait_minutes: int | None  # None: no window that may serve it is open ("暂无开放窗口")
    issued_at: datetime
    status_url: str  # QR payload: live queue position
    notice: str | None = None
    holder_masked: str | None = None  # e.g. "张*三"; never the full name
    windows: str | None = None  # where it may be called to, e.g. "1楼 A区 40个窗口"


@dataclass(frozen=True)
class PrinterProfile:
    """Geometry of one thermal printer model at its normal (12x24 / 24x24 dot) font."""

    name: str
    paper_width_mm: Literal[58, 80]
    chars_per_line: int  # ASCII columns; a Chinese character takes two
    dots_per_line: int
    qr_module_size: int  # dots per QR module
    number_scale: int  # GS ! magnification of the ticket number
    cut: bool = True


PROFILES: dict[str, PrinterProfile] = {
    "58mm": PrinterProfile(
        name="58mm", paper_width_mm=58, chars_per_line=32, dots_per_line=384,
        qr_module_size=5, number_scale=3,
    ),
    "80mm": PrinterProfile(
        name="80mm", paper_width_mm=80, chars_per_line=48, dots_per_line=576,
        qr_module_size=6, number_scale=4,
    ),
}
