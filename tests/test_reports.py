"""月通报 and 季评比 on a scripted quarter in two halls (tests/reports_support.py): three windows'
points worked out by hand from their late arrivals, early leave, 脱岗, half day absent, a bad rating
followed up late and the centre's entries; the ranking, 红旗窗口, the bottom flag and the
accountability rule; the quarter from its three months; and the XLSX and CSV holding the JSON's
figures."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest

from server.app import Settings, create_app
from server.config import DEFAULT_CONFIG_DIR, load_hall
from server.reports import period
from tests.reports_support import READ_AT, Script
from tests.support import expect

BOTH = {"halls": "district,township"}


@pytest.fixture
async def county(database_url, aiohttp_client):
    from server.clock import ManualClock

    clock = ManualClock(READ_AT)
    halls = {name: load_hall(DEFAULT_CONFIG_DIR / f"{name}.toml") for name in ("district", "township")}
    settings = Settings(halls=halls, database_url=database_url, identity_key=b"k" * 32, clock=clock, pool_size=5)
    client = await aiohttp_client(create_app(settings))
    script = Script(client, clock)
    await script.run()
    return client, await script.manager(READ_AT)


def _sheet_rows(sheet) -> list[dict[str, Any]]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]


def window(report: dict[str, Any], hall: str, number: int) -> dict[str, Any]:
    return next(w for w in report["windows"] if (w["hall"], w["window"]) == (hall, number))


async def get(client, manager, path: str, **params: str):
    return await client.get(path, params=params, headers=manager.headers)


# November, by hand (−0.1 a late arrival or early leave, −0.2 a 脱岗, −0.3 a half day absent,
# −0.5 a bad rating followed up late, −5 a complaint, +2 a letter of praise; each part floors at 0):
#   D1  late 1, 脱岗 1: discipline 30 − 0.1 − 0.2 = 29.7; praise +2          -> 99.7 + 2 = 101.7
#   D2  early 1, half day 1, complaint 1: discipline 30 − 0.1 − 0.3 − 5 = 24.6;
#       late follow-up 1: business 29.5; hygiene 10 − 2 = 8                -> 24.6 + 29.5 + 20 + 8 + 10 = 92.1
#   T3  complaints 2: discipline 20; leadership 20 − 15 = 5; IT 10 − 10 = 0 -> 20 + 30 + 5 + 10 + 0 = 65
#   D3, T1 nothing                                                         -> 100
NOVEMBER = {("district", 1): 101.7, ("district", 3): 100.0, ("township", 1): 100.0, ("district", 2): 92.1,
            ("township", 3): 65.0}


async def test_monthly_points_ranking_flags_and_accountability(county):
    client, manager = county
    report = await expect(await get(client, manager, "/api/v1/reports/monthly", period="2026-11", **BOTH), 200)
    assert report["halls"] == ["district", "township"] and (report["from"], report["to"]) == ("2026-11-01",
                                                                                           "2026-11-30")
    assert [((w["hall"], w["window"]), w["points"]["total"], w["rank"]) for w in report["windows"]] == [
        (key, total, rank) for (key, total), rank in zip(NOVEMBER.items(), (1, 2, 2, 4, 5), strict=True)]
    d1, d2, t3 = window(report, "district", 1), window(report, "district", 2), window(report, "township", 3)
    assert d1["attendance"] == {"sessions": 42, "late": 1, "early_leaves": 0, "away": 1, "away_minutes": 50.0,
                                "half_days_absent": 0}
    assert d2["attendance"] == {"sessions": 42, "late": 0, "early_leaves": 1, "away": 0, "away_minutes": 0.0,
                                "half_days_absent": 1}
    assert d1["points"]["parts"] == {"discipline": 29.7, "business": 30.0, "leadership": 20.0, "hygiene": 10.0,
                                     "it_discipline": 10.0} and d1["points"]["rewards"] == 2.0
    assert d2["points"]["parts"] == {"discipline": 24.6, "business": 29.5, "leadership": 20.0, "hygiene": 8.0,
                                     "it_discipline": 10.0}
    assert d2["entered"] == {"hygiene": 2.0, "complaint": 1.0}  # 2 complaints corrected to 1
    assert (d2["served"], d2["ratings"]["bad"], d2["ratings"]["follow_up_due"], d2["late_follow_ups"]) == (1, 1, 1, 1)
    assert t3["points"]["parts"] == {"discipline": 20.0, "business": 30.0, "leadership": 5.0, "hygiene": 10.0,
                                     "it_discipline": 0.0}
    # 红旗窗口: the top three ranks; the bottom three below 80: T3 only.
    assert report["red_flag_windows"] == [{"hall": "district", "window": 1}, {"hall": "district", "window": 3},
                                          {"hall": "township", "window": 1}]
    assert report["bottom"] == [{"hall": "township", "window": 3, "points": 65.0}]
    assert [(s["window"], s["name"]) for s in report["model_staff"][:3]] == [(1, "孙丽"), (3, "吴敏"), (1, "高燕")]
    assert t3["accountability"] == {"bottom_times": 1, "below_in_a_row": 1, "due": False}
    assert report["accountability"] == []
    units = {(u["hall"], u["unit"]): u for u in report["units"]}
    assert units["district", "区工商分局"]["points"] == round((101.7 + 92.1) / 2, 2)

    # December: T3 below 80 again (75) -> twice in a row: accountability starts.
    december = await expect(await get(client, manager, "/api/v1/reports/monthly", period="2026-12", **BOTH), 200)
    assert window(december, "township", 3)["points"]["total"] == 75.0
    assert december["accountability"] == [{"hall": "township", "window": 3, "bottom_times": 2, "below_in_a_row": 2,
                                           "due": True}]
    # One hall alone ranks its own windows.
    alone = await expect(await get(client, manager, "/api/v1/reports/monthly", period="2026-11",
                                   halls="township"), 200)
    assert [(w["window"], w["rank"]) for w in alone["windows"]] == [(1, 1), (3, 2)]


async def test_the_quarter_combines_its_three_months(county):
    client, manager = county
    report = await expect(await get(client, manager, "/api/v1/reports/quarterly", period="2026-Q4", **BOTH), 200)
    assert report["months"] == ["2026-10", "2026-11", "2026-12"]
    # October: D2's late arrival 99.9, the rest 100; December: T3 75, the rest 100.
    d2 = window(report, "district", 2)
    assert d2["months"] == {"2026-10": 99.9, "2026-11": 92.1, "2026-12": 100.0}
    assert [((w["hall"], w["window"]), w["points"], w["rank"], w["red_flag"]) for w in report["windows"]] == [
        (("district", 1), 100.57, 1, True),  # (100 + 101.7 + 100) / 3
        (("district", 3), 100.0, 2, True), (("township", 1), 100.0, 2, True),
        (("district", 2), 97.33, 4, False),  # (99.9 + 92.1 + 100) / 3
        (("township", 3), 80.0, 5, False)]  # (100 + 65 + 75) / 3


async def test_xlsx_and_csv_hold_the_json_figures(county):
    client, manager = county
    report = await expect(await get(client, manager, "/api/v1/reports/monthly", period="2026-11", **BOTH), 200)
    xlsx = await get(client, manager, "/api/v1/reports/monthly.xlsx", period="2026-11", **BOTH)
    assert xlsx.status == 200 and xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(await xlsx.read()))
    assert book.sheetnames == ["窗口考核 2026-11", "窗口办件 2026-11", "单位排名 2026-11", "事进人不进 2026-11"]
    points, services = (_sheet_rows(book[name]) for name in ("窗口考核 2026-11", "窗口办件 2026-11"))
    d2 = next(r for r in points if (r["大厅"], r["窗口"]) == ("许昌市魏都区便民服务大厅", 2))
    assert (d2["总分"], d2["排名"], d2["迟到"], d2["早退"], d2["缺勤半天"], d2["逾期整改"]) == (92.1, 4, 0, 1, 1, 1)
    assert [r["总分"] for r in points] == [w["points"]["total"] for w in report["windows"]]
    shown, served = window(report, "district", 2), next(r for r in services if r["窗口"] == 2)
    assert (served["办结量"], served["差评数"]) == (1, 1)
    assert served["平均办理（分钟）"] == round(shown["handling"]["mean_s"] / 60, 1) == 10.0
    assert served["满意率"] == shown["ratings"]["satisfaction"] == 0.0
    sheet = book["窗口考核 2026-11"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("总分") + 1)
    assert isinstance(cell.value, float) and cell.number_format == "0.00"
    figures = book["窗口办件 2026-11"]
    share = [c.value for c in figures[1]].index("满意率") + 1
    assert figures.cell(row=2, column=share).number_format == "0.0%"
    # The page's tables are the downloads' cells.
    page = {t["title"]: t for t in report["tables"]}
    assert page["窗口考核 2026-11"]["rows"] == [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [c["zh"] for c in page["窗口考核 2026-11"]["columns"]] == header

    download = await get(client, manager, "/api/v1/reports/monthly.csv", period="2026-11", **BOTH)
    text = (await download.read()).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["窗口考核 2026-11"] and lines[1] == header
    assert [float(line[header.index("总分")]) for line in lines[2:2 + len(points)]] == [r["总分"] for r in points]


async def test_entries_are_checked_and_audited(county):
    client, manager = county
    listed = await expect(await get(client, manager, "/api/v1/assessment/entries", month="2026-11", **BOTH), 200)
    assert [(e["hall"], e["window"], e["category"], e["amount"], e["entered_by"]) for e in listed["entries"]][:4] == [
        ("district", 1, "praise", 1.0, "wumin"), ("district", 2, "hygiene", 2.0, "wumin"),
        ("district", 2, "complaint", 2.0, "wumin"), ("district", 2, "complaint", -1.0, "wumin")]
    assert listed["entries"][3]["corrects"] == listed["entries"][2]["id"]
    bad = {"window": 2, "month": "2026-11", "category": "complaint", "note": "x"}
    for body, code in (({**bad, "amount": -1}, "invalid_amount"), ({**bad, "amount": 1.5}, "invalid_amount"),
                       ({**bad, "amount": 1, "window": 999}, "unknown_window"),
                       ({**bad, "amount": 1, "month": "2027-02"}, "future_month"),
                       ({**bad, "amount": -5, "corrects": listed["entries"][2]["id"]}, "invalid_amount"),
                       ({**bad, "amount": 1, "category": "bribes"}, "invalid")):
        answer = await expect(await client.post("/api/v1/assessment/entries", json=body, headers=manager.headers), 422)
        assert answer["error"]["code"] == code, body
    audit = await expect(await get(client, manager, "/api/v1/audit"), 200)
    assert sum(1 for e in audit["entries"] if e["kind"] == "assessment_entry") == 4  # the district's
    found = await expect(await get(client, manager, "/api/v1/audit", kind="assessment_entry", staff="wumin",
                                   **{"from": "2026-11-01T00:00:00+08:00", "to": "2027-02-01T00:00:00+08:00"}), 200)
    assert len(found["entries"]) == 4  # the manual entries, found by who entered them and when
    refused = await get(client, manager, "/api/v1/reports/monthly", halls="district,city")
    assert (await expect(refused, 403))["error"]["code"] == "other_hall"


@pytest.mark.parametrize(("span", "raw", "first", "last"), [
    ("week", "2026-W48", "2026-11-23", "2026-11-29"), ("week", "2026-W53", "2026-12-28", "2027-01-03"),
    ("month", "2026-02", "2026-02-01", "2026-02-28"), ("quarter", "2026-Q4", "2026-10-01", "2026-12-31")])
def test_periods_cover_their_days(span, raw, first, last):
    found = period.parse(period.Span(span), raw, date(2026, 11, 23))
    assert (found.first.isoformat(), found.last.isoformat(), found.label) == (first, last, raw)


def test_without_a_period_a_report_covers_last_week_this_month_or_this_quarter():
    today = date(2026, 11, 23)
    assert [period.parse(s, None, today).label for s in period.Span] == ["2026-W47", "2026-11", "2026-Q4"]


async def test_a_bad_period_names_the_parameter(county):
    client, manager = county
    for path, raw in (("monthly", "2026-13"), ("quarterly", "2026-Q5"), ("weekly", "2026-11")):
        answer = await expect(await get(client, manager, f"/api/v1/reports/{path}", period=raw), 400)
        assert answer["error"]["message"].startswith("period:")
    public = await client.get("/api/v1/public/reports/weekly", params={"hall": "district", "period": "2026-W46"})
    assert public.headers["Cache-Control"] == "public, max-age=300"
    shown = await expect(public, 200)
    assert [(w["window"], w["served"], w["satisfaction"]) for w in shown["windows"]] == [(2, 1, 0.0)]
    assert "staff" not in str(shown) and "zhoujie" not in str(shown)
    both = await expect(await get(client, manager, "/api/v1/reports/weekly", period="2026-W46", **BOTH), 200)
    assert [h["id"] for h in both["halls"]] == ["district", "township"] and both["windows"] == shown["windows"]
    needs_hall = await expect(await client.get("/api/v1/public/reports/weekly"), 422)
    assert needs_hall["error"]["message"].startswith("hall:")
