import io
import subprocess
from dataclasses import replace
from datetime import datetime

import pytest
from PIL import Image

from printers import preview
from printers.escpos_decode import decode_escpos
from printers.escpos_layout import render_escpos
from printers.job import ticket_from_json, ticket_to_json
from printers.layout import display_width, wrap
from printers.preview import FontNotFoundError, find_cjk_font, render_preview_png
from printers.ticket import PROFILES, PrinterProfile, TicketPrint

TICKET = TicketPrint(
    hall_name="江宁区政务服务中心",
    zone_name="不动产登记",
    floor="1楼",
    number="A023",
    service_name="二手房转移登记",
    people_ahead=7,
    estimated_wait_minutes=35,
    issued_at=datetime(2024, 5, 6, 9, 41),
    status_url="https://hall.example.gov.cn/q/A023?t=9f2c",
    notice="，：（）。",
    holder_masked="张*三",
    windows="1楼 A区 40个窗口",
)
LONG_TICKET = replace(
    TICKET,
    hall_name="南京市江宁区人民政府政务服务中心不动产登记分中心",
    service_name="国有建设用地使用权及房屋所有权转移登记（二手房买卖）",
    number="VIP0123",
    notice="请妥善保管本号票，过号请重新取号。叫号时请携带身份证原件到指定窗口办理，谢谢配合！",
)


@pytest.fixture(params=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> PrinterProfile:
    return PROFILES[request.param]


def test_ticket_text_survives_round_trip(profile: PrinterProfile) -> None:
    lines = decode_escpos(render_escpos(TICKET, profile)).text_lines
    for expected in ("江宁区政务服务中心", "不动产登记 · 1楼", "二手房转移登记", "办理窗口：1楼 A区 40个窗口",
                     "前面还有 7 人", "预计等候约 35 分钟", "取号人：张*三", "取号时间：2024-05-06 09:41"):
        assert expected in lines


def test_no_open_window_is_printed_instead_of_a_wait(profile: PrinterProfile) -> None:
    unserved = ticket_from_json(ticket_to_json(replace(TICKET, estimated_wait_minutes=None)))  # as the job travels
    lines = decode_escpos(render_escpos(unserved, profile)).text_lines
    assert "暂无开放窗口" in lines and "前面还有 7 人" in lines
    assert not [line for line in lines if "预计等候" in line]


def test_job_starts_with_init_and_chinese_mode(profile: PrinterProfile) -> None:
    assert render_escpos(TICKET, profile).startswith(b"\x1b@\x1c&")


def test_number_alone_is_enlarged_then_size_reset(profile: PrinterProfile) -> None:
    data = render_escpos(TICKET, profile)
    scale = profile.number_scale
    enlarged = [(line.text, line.width, line.height)
                for line in decode_escpos(data).lines if line.width > 1 or line.height > 1]
    assert enlarged == [("A023", scale, scale)]
    assert data.index(b"\x1d!\x00") > data.index(b"A023\n")


def test_punctuation_only_line_is_sent_as_gb18030(profile: PrinterProfile) -> None:
    data = render_escpos(TICKET, profile)
    assert "，：（）。".encode("gb18030") + b"\n" in data
    assert "，：（）。" in decode_escpos(data).text_lines


def test_yen_sign_printed_as_fullwidth_yuan(profile: PrinterProfile) -> None:
    data = render_escpos(replace(TICKET, notice="工本费¥20"), profile)
    assert "工本费￥20" in decode_escpos(data).text_lines


def test_native_qr_and_code128(profile: PrinterProfile) -> None:
    data = render_escpos(TICKET, profile)
    printed = decode_escpos(data)
    assert printed.qr_payloads == (TICKET.status_url,)
    assert printed.code128_payloads == ("A023",)
    assert b"\x1dkI\x06{BA023" in data
    qr_start = data.index(b"\x1d(k")
    assert data.rfind(b"\x1ba\x01", 0, qr_start) >= 0  # centred before the QR


def test_cut_follows_profile(profile: PrinterProfile) -> None:
    assert decode_escpos(render_escpos(TICKET, profile)).cuts == 1
    assert decode_escpos(render_escpos(TICKET, replace(profile, cut=False))).cuts == 0


def test_every_line_fits_the_paper(profile: PrinterProfile) -> None:
    printed = decode_escpos(render_escpos(LONG_TICKET, profile))
    for line in printed.lines:
        assert display_width(line.text) * line.width <= profile.chars_per_line, line.text
    assert LONG_TICKET.notice in "".join(printed.text_lines)
    assert "VIP0123" in printed.enlarged


def test_display_width_counts_chinese_as_two_columns() -> None:
    assert display_width("A023") == 4
    assert display_width("不动产 · 1楼") == 2 * 3 + 1 + 2 + 1 + 1 + 2


def test_wrap_keeps_closing_punctuation_off_line_start() -> None:
    assert wrap("请保管好您的号票，过号请重新取号。", 32) == ["请保管好您的号票，过号请重新取", "号。"]
    assert wrap("，，，，，", 4) == ["，，", "，，", "，"]


def test_preview_is_png_at_printer_width(profile: PrinterProfile) -> None:
    data = render_preview_png(LONG_TICKET, profile)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG"
    assert image.width == profile.dots_per_line
    assert image.height > image.width


def test_preview_has_ink() -> None:
    image = Image.open(io.BytesIO(render_preview_png(TICKET, PROFILES["80mm"])))
    assert image.convert("L").getextrema() == (0, 255)


@pytest.fixture
def no_known_fonts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(preview, "_KNOWN_FONTS", ())
    find_cjk_font.cache_clear()
    yield monkeypatch
    find_cjk_font.cache_clear()


def _fake_fc_match(monkeypatch: pytest.MonkeyPatch, stdout: str) -> None:
    monkeypatch.setattr(preview.shutil, "which", lambda _name: "/usr/bin/fc-match")
    monkeypatch.setattr(preview.subprocess, "run",
                        lambda *_a, **_k: subprocess.CompletedProcess([], 0, stdout=stdout))


def test_font_found_through_fontconfig(no_known_fonts: pytest.MonkeyPatch) -> None:
    _fake_fc_match(no_known_fonts, "/fonts/wqy-zenhei.ttc\t0\ten|ja|zh-cn|zh-tw")
    assert find_cjk_font() == ("/fonts/wqy-zenhei.ttc", 0)


def test_non_chinese_fallback_font_is_rejected(no_known_fonts: pytest.MonkeyPatch) -> None:
    _fake_fc_match(no_known_fonts, "/fonts/DejaVuSans.ttf\t0\ten|fr|de")
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
        find_cjk_font()


def test_missing_fontconfig_gives_clear_error(no_known_fonts: pytest.MonkeyPatch) -> None:
    no_known_fonts.setattr(preview.shutil, "which", lambda _name: None)
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
        find_cjk_font()
