"""Render a ticket as ESC/POS bytes for Chinese thermal printers."""

from __future__ import annotations

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from printers.layout import Block, Code128, QrCode, TextLine, build_layout
from printers.ticket import PrinterProfile, TicketPrint

CHINESE_MODE_ON = b"\x1c&"  # FS &
BARCODE_HEIGHT_DOTS = 60

# '¥' is a four-byte GB18030 sequence most printer fonts lack; '￥' is in GB2312.
_PRINTER_SAFE = str.maketrans({"¥": "￥"})


def encode_gb18030(text: str) -> bytes:
    """Text as the printer's Chinese mode expects it."""
    return text.translate(_PRINTER_SAFE).encode("gb18030")


def render_escpos(ticket: TicketPrint, profile: PrinterProfile) -> bytes:
    """The complete print job for one ticket."""
    printer = Dummy()
    printer.hw("INIT")  # ESC @
    printer._raw(CHINESE_MODE_ON)
    # Native QR/Code128 cannot centre themselves; they follow ESC a.
    printer.set(align="center")
    for block in build_layout(ticket, profile):
        _emit(printer, block, profile)
    if profile.cut:
        printer.cut()
    else:
        printer.print_and_feed(6)
    return printer.output


def _emit(printer: Dummy, block: Block, profile: PrinterProfile) -> None:
    match block:
        case TextLine():
            _emit_text(printer, block)
        case QrCode(data=data):
            printer.qr(data, native=True, size=profile.qr_module_size, ec=QR_ECLEVEL_M)
        case Code128(data=data):
            # The hardware path directly: barcode() may fall back to a raster image
            # and prints a notice on stdout. "{B" selects code set B (printable ASCII).
            printer._hw_barcode(
                "{B" + data, "CODE128", height=BARCODE_HEIGHT_DOTS, width=2,
                pos="OFF", align_ct=False, function_type="B",
            )


def _emit_text(printer: Dummy, line: TextLine) -> None:
    if line.bold:
        printer.set(bold=True)
    if line.scale > 1:
        # GS !; double_width/height use ESC ! which many printers ignore for Chinese.
        printer.set(custom_size=True, width=line.scale, height=line.scale)
    # Encoded here, not via text(): its encoder turns lines of only CJK punctuation into '?'.
    printer._raw(encode_gb18030(line.text) + b"\n")
    if line.scale > 1:
        # GS ! 0; normal_textsize would not undo GS !.
        printer.set(custom_size=True, width=1, height=1)
    if line.bold:
        printer.set(bold=False)
