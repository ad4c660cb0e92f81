"""The hall calendar: legal holidays close the hall, 调休 make-up working days open it, the hall's own
closures and extra days win over both, and issuing, the hall's answer and the calendar route agree."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from server.app import Settings, create_app
from server.calendar import DayReason, HallCalendar, unknown_holiday_warnings
from server.clock import ManualClock
from server.config import DEFAULT_CONFIG_DIR, load_hall
from server.hall import Hall
from tests.conftest import SHANGHAI
from tests.support import KIOSK, expect
from tests.test_config import assert_problem, problems_of, write_hall

CITY = DEFAULT_CONFIG_DIR / "city.toml"
MAKEUP_SATURDAYS_2026 = [date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 10, 10)]


def city_with(tmp_path: Path, extra: str) -> Hall:
    path = tmp_path / "city.toml"
    path.write_text(CITY.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_hall(path)


@pytest.fixture(scope="module")
def calendar() -> HallCalendar:
    return HallCalendar(load_hall(CITY))


def test_national_day_2026_is_closed_as_a_legal_holiday(calendar):
    day = calendar.day(date(2026, 10, 1))
    assert (day.open, day.reason, day.holiday, day.spans) == (False, DayReason.LEGAL_HOLIDAY, "国庆节", ())
    assert not calendar.is_open(datetime(2026, 10, 1, 10, tzinfo=SHANGHAI))
    assert [calendar.is_open_day(date(2026, 10, d)) for d in range(1, 9)] == [False] * 7 + [True]


def test_the_2026_makeup_saturdays_are_open_though_the_hall_works_monday_to_friday(calendar):
    for saturday in MAKEUP_SATURDAYS_2026:
        day = calendar.day(saturday)
        assert saturday.isoweekday() == 6 and day.open and day.reason is DayReason.MAKEUP_WORKDAY, day
        assert calendar.is_open(datetime.combine(saturday, datetime.min.time(), SHANGHAI).replace(hour=10))
    assert calendar.day(date(2026, 10, 17)).reason is DayReason.WEEKEND  # an ordinary Saturday


def test_the_halls_own_closure_and_extra_day_win(tmp_path):
    hall = city_with(tmp_path, '\n[calendar]\nclosed = ["2026-12-24", 2026-11-25]\nopen = ["2026-12-26"]\n')
    calendar = HallCalendar(hall)
    assert calendar.day(date(2026, 12, 24)).reason is DayReason.HALL_CLOSURE
    assert not calendar.is_open_day(date(2026, 11, 25))  # a Wednesday, written as a TOML date
    assert calendar.day(date(2026, 12, 26)).reason is DayReason.HALL_EXTRA_DAY  # a Saturday
    assert calendar.day(date(2026, 12, 23)).reason is DayReason.WORKDAY


def test_a_hall_may_ignore_legal_holidays(tmp_path):
    calendar = HallCalendar(city_with(tmp_path, "\n[calendar]\nlegal_holidays = false\n"))
    assert calendar.day(date(2026, 10, 1)).reason is DayReason.WORKDAY  # a Thursday like any other
    assert calendar.day(date(2026, 10, 10)).reason is DayReason.WEEKEND


def test_next_opening_skips_the_holiday_week_and_the_lunch_served_through(calendar):
    assert calendar.next_opening(datetime(2026, 9, 30, 17, 30, tzinfo=SHANGHAI)) == datetime(
        2026, 10, 8, 9, 0, tzinfo=SHANGHAI)
    # 午间不间断服务: 13:00 is no opening, the hall never closed
    assert calendar.next_opening(datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)) == datetime(
        2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    assert calendar.next_opening(datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)) == datetime(
        2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def test_working_days_count_only_open_days(calendar):
    assert calendar.working_days_after(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.working_days_after(date(2026, 10, 8), 3) == date(2026, 10, 12)  # Sat 10th is a 调休 day


def test_a_server_warns_of_a_coming_year_whose_holidays_are_not_published_yet(tmp_path):
    city = load_hall(CITY)
    assert unknown_holiday_warnings([city], datetime(2026, 6, 1, tzinfo=SHANGHAI)) == []
    [line] = unknown_holiday_warnings([city], datetime(2026, 11, 23, tzinfo=SHANGHAI))
    assert "2027" in line and "[calendar] closed" in line
    ignoring = city_with(tmp_path, "\n[calendar]\nlegal_holidays = false\n")
    assert unknown_holiday_warnings([ignoring], datetime(2026, 11, 23, tzinfo=SHANGHAI)) == []


@pytest.mark.parametrize(("extra", "key", "text"), [
    ('closed = ["2026-02-30"]', "calendar.closed[0]", "bad date '2026-02-30'"),
    ('closed = ["24.12.2026"]', "calendar.closed[0]", 'expected "YYYY-MM-DD"'),
    ('closed = ["2026-12-24"]\nopen = ["2026-12-24"]', "calendar.open[0]", "also in calendar.closed"),
    ('closed = ["2026-12-24", "2026-12-24"]', "calendar.closed[1]", "duplicate date"),
    ("holidays = true", "calendar.holidays", "unknown key"),
])
def test_a_broken_calendar_names_its_key(tmp_path, extra, key, text):
    path = write_hall(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + f"[calendar]\n{extra}\n", encoding="utf-8")
    assert_problem(problems_of(path), path, key, text)


@pytest.fixture
async def holiday_client(city, database_url, aiohttp_client):
    clock = ManualClock(datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI))
    settings = Settings(halls={city.id: city}, database_url=database_url, identity_key=b"k" * 32, clock=clock,
                        pool_size=5)
    return await aiohttp_client(create_app(settings)), clock


async def test_issuing_stops_on_a_holiday_and_says_when_the_hall_opens_next(holiday_client):
    client, clock = holiday_client
    refused = await expect(await client.post("/api/v1/tickets", json={"service": "B01"}, headers=KIOSK), 409)
    assert refused["error"]["code"] == "hall_closed" and "2026-10-08 09:00" in refused["error"]["message"]
    device = await expect(await client.get("/api/v1/device", headers=KIOSK), 200)
    assert device["open_now"] is False and device["next_open"] == "2026-10-08T09:00:00+08:00"
    assert device["today"]["reason"] == "legal_holiday"
    clock.set(datetime(2026, 10, 10, 9, 30, tzinfo=SHANGHAI))  # the make-up Saturday
    await expect(await client.post("/api/v1/tickets", json={"service": "B01"}, headers=KIOSK), 201)


async def test_the_calendar_route_tells_each_day_and_checks_its_range(holiday_client):
    client, _ = holiday_client
    body = await expect(await client.get("/api/v1/calendar?from=2026-09-30&to=2026-10-10"), 200)
    days = {d["day"]: d for d in body["days"]}
    assert len(days) == 11 and days["2026-09-30"]["sessions"] == [["09:00", "17:00"]]
    assert (days["2026-10-01"]["open"], days["2026-10-01"]["reason"]) == (False, "legal_holiday")
    assert (days["2026-10-10"]["open"], days["2026-10-10"]["reason"]) == (True, "makeup_workday")
    assert body["next_open"] == "2026-10-08T09:00:00+08:00"
    for query, field in [("from=2026-10-10&to=2026-10-01", "to"), ("from=2026-13-01", "from"),
                         ("from=2026-01-01&to=2027-06-01", "to"), ("hall=nowhere", "hall")]:
        answer = await client.get(f"/api/v1/calendar?{query}")
        assert answer.status in (404, 422) and field in (await answer.json())["error"]["message"], query
