"""The printed ticket as a PNG, for the kiosk screen when the printer is unavailable."""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import barcode
import qrcode
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

from printers.layout import Block, Code128, QrCode, TextLine, build_layout
from printers.ticket import PrinterProfile, TicketPrint

GLYPH_DOTS = 24  # the printer's normal Chinese glyph is 24x24 dots
LINE_GAP = 6
MARGIN = 16
PRINTER_DPI = 203
BARCODE_MODULE_DOTS = 2
BARCODE_HEIGHT_DOTS = 60

# (file, face index); index 2 of the Noto CJK collection is the Simplified Chinese face.
_KNOWN_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
)


class FontNotFoundError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def find_cjk_font() -> tuple[str, int]:
    """A font file and face index able to draw Simplified Chinese."""
    for path, index in _KNOWN_FONTS:
        if Path(path).is_file():
            return path, index
    match = _fc_match_chinese()
    if match is None:
        raise FontNotFoundError(
            "no Chinese font for the ticket preview; install one, e.g. `apt-get install fonts-noto-cjk`")
    return match


def _fc_match_chinese() -> tuple[str, int] | None:
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(
        ["fc-match", "--format", "%{file}\t%{index}\t%{lang}", ":lang=zh-cn"],
        capture_output=True, text=True, timeout=10, check=False,
    ).stdout
    parts = out.split("\t")
    # fc-match always answers with something; only accept a font that covers zh-cn.
    if len(parts) != 3 or "zh-cn" not in parts[2].split("|"):
        return None
    return parts[0], int(parts[1] or 0)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = find_cjk_font()
    return ImageFont.truetype(path, size, index=index)


def render_preview_png(ticket: TicketPrint, profile: PrinterProfile) -> bytes:
    """The ticket as it would print, one image pixel per printer dot."""
    parts = [_render(block, profile) for block in build_layout(ticket, profile)]
    width = profile.dots_per_line
    canvas = Image.new("L", (width, sum(p.height for p in parts) + 2 * MARGIN), 255)
    y = MARGIN
    for part in parts:
        canvas.paste(part, ((width - part.width) // 2, y))
        y += part.height
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


def _render(block: Block, profile: PrinterProfile) -> Image.Image:
    match block:
        case TextLine():
            return _render_text(block, profile.dots_per_line)
        case QrCode(data=data):
            return _render_qr(data, profile.qr_module_size)
        case Code128(data=data):
            return _render_code128(data)


def _render_text(line: TextLine, width: int) -> Image.Image:
    size = GLYPH_DOTS * line.scale
    image = Image.new("L", (width, size + LINE_GAP), 255)
    if line.text:
        # Anchor at the middle of the box: Noto's ascent would push large glyphs off the bottom.
        ImageDraw.Draw(image).text((width / 2, image.height / 2), line.text, font=_font(size), fill=0,
                                   anchor="mm", stroke_width=1 if line.bold else 0, stroke_fill=0)
    return image


def _render_qr(data: str, module_dots: int) -> Image.Image:
    # Same error correction as the native command (level M).
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                         box_size=module_dots, border=2)
    code.add_data(data)
    return code.make_image().get_image().convert("L")


def _render_code128(data: str) -> Image.Image:
    dots_to_mm = 25.4 / PRINTER_DPI
    return barcode.Code128(data, writer=ImageWriter(mode="L", dpi=PRINTER_DPI)).render({
        "module_width": BARCODE_MODULE_DOTS * dots_to_mm,
        "module_height": BARCODE_HEIGHT_DOTS * dots_to_mm,
        "quiet_zone": 2.0,
        "write_text": False,
    })
