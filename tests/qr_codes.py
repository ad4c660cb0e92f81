"""QR codes read back for real, as a phone's camera would: zxing-cpp on a rendered bitmap."""
from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image, ImageDraw

_MODULE = re.compile(rb"M(\d+),(\d+)H")  # one dark module of qrcode's SvgPathImage: "M4,2H5V3H4z"
_VIEW_BOX = re.compile(rb'viewBox="0 0 (\d+) (\d+)"')
_SCALE = 8  # bitmap pixels per module


def decode_png(png: bytes) -> list[str]:
    """Every QR code's text in the image."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def decode_svg(svg: bytes) -> list[str]:
    """The QR codes of an SVG made of unit squares, drawn to a bitmap first."""
    box = _VIEW_BOX.search(svg)
    assert box, "no viewBox in the SVG"
    width, height = int(box[1]) * _SCALE, int(box[2]) * _SCALE
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for x, y in _MODULE.findall(svg):
        left, top = int(x) * _SCALE, int(y) * _SCALE
        draw.rectangle((left, top, left + _SCALE - 1, top + _SCALE - 1), fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return decode_png(out.getvalue())
