"""What the kiosk is told of its hall: names to search and break, common services, windows by floor
and zone, the hall's clock and when ticketing opens next."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from printers.wording import windows_summary
from server import chinese
from server.calendar import HallCalendar
from server.hall import BusinessHours, CalendarRules, Hall, Session, WindowGroup
from tests.conftest import MONDAY_10AM, SHANGHAI
from tests.support import KIOSK, expect, issue

KIOSK_A = {"Authorization": "Bearer demo-kiosk-a"}


@pytest.mark.parametrize(("name", "full", "initials"), [
    ("不动产抵押权登记", "budongchandiyaquandengji", "bdcdyqdj"),
    ("企业银行开户预约", "qiyeyinhangkaihuyuyue", "qyyhkhyy"),  # 银行: hang, from the phrase
    ("法律援助申请", "falvyuanzhushenqing", "flyzsq"),  # ü typed as v
    ("公交IC卡及老年卡办理", "gongjiaoickajilaoniankabanli", "gjickjlnkbl"),
    ("出入境证件（护照、港澳台通行证）申领", "churujingzhengjian" "huzhaogangaotaitongxingzheng" "shenling",
     "crjzjhzgattxzsl"),
])
def test_names_are_found_by_full_pinyin_and_initials_without_punctuation(name, full, initials):
    assert (chinese.pinyin(name), chinese.initials(name)) == (full, initials)


@pytest.mark.parametrize(("name", "words"), [
    ("人力资源及社保综合受理区", ("人力资源及", "社保", "综合", "受理区")),
    ("低压用电报装", ("低压", "用电", "报装")),  # not 电报, a telegram
    ("不动产转移登记（二手房买卖）", ("不动产", "转移", "登记", "（二手房", "买卖）")),
    ("“事进人不进”事项综合收件", ("“事进人不进”", "事项", "综合", "收件")),
    ("新办纳税人首次申领发票", ("新办", "纳税人", "首次", "申领", "发票")),
    ("365服务区", ("365", "服务区")),
])
def test_names_break_between_words_with_punctuation_and_lone_characters_kept_on(name, words):
    assert chinese.words(name) == words


async def test_the_kiosk_gets_names_in_english_and_for_search_and_its_common_services(client):
    device = await expect(await client.get("/api/v1/device", headers=KIOSK), 200)
    hall = device["hall"]
    zone_c = next(z for z in hall["zones"] if z["code"] == "C")
    assert zone_c["name_en"] == "Human Resources and Social Security"
    assert "".join(zone_c["words"]) == zone_c["name"] == "人力资源及社保综合受理区"
    a02 = next(s for s in hall["services"] if s["code"] == "A02")
    assert (a02["pinyin"], a02["initials"], a02["name_en"]) == ("budongchandiyaquandengji", "bdcdyqdj",
                                                                "Mortgage registration")
    assert device["device"]["common"] == hall["common"] == ["B01", "C01", "D02", "D04", "F06", "F03", "A01", "E06"]
    zone_kiosk = await expect(await client.get("/api/v1/device", headers=KIOSK_A), 200)
    assert zone_kiosk["device"]["common"] == ["A01"]  # the hall's, within its zone


async def test_the_hall_says_its_time_and_when_ticketing_opens_next(client, clock):
    for path, headers in (("/api/v1/device", KIOSK), ("/api/v1/hall", KIOSK)):
        body = await expect(await client.get(path, headers=headers), 200)
        assert (body["at"], body["open_now"], body["next_open"]) == ("2026-11-23T10:00:00+08:00", True, None)
    clock.set(MONDAY_10AM.replace(hour=17, minute=30))
    body = await expect(await client.get("/api/v1/device", headers=KIOSK), 200)
    assert (body["at"], body["open_now"], body["next_open"]) == (
        "2026-11-23T17:30:00+08:00", False, "2026-11-24T09:00:00+08:00")


def hours(*sessions: tuple[str, str], lunch: bool = False) -> BusinessHours:
    """Monday to Friday in these sessions."""
    return BusinessHours(frozenset({1, 2, 3, 4, 5}),
                         tuple(Session(time.fromisoformat(start), time.fromisoformat(end)) for start, end in sessions),
                         lunch)


MONDAY = MONDAY_10AM.replace(hour=0)


@pytest.mark.parametrize(("at", "lunch", "expected"), [
    ((7, 0), False, (0, 8, 30)),  # before the day's first session: today
    ((12, 15), False, (0, 13, 30)),  # the lunch break: the afternoon
    ((12, 15), True, (1, 8, 30)),  # served over lunch: open now, the next opening is tomorrow's
    ((17, 0), False, (1, 8, 30)),  # the day is over: tomorrow
])
def test_next_opening_on_a_weekday(city, at, lunch, expected):
    moment = MONDAY.replace(hour=at[0], minute=at[1])
    days, hour, minute = expected
    calendar = HallCalendar(replace(city, hours=hours(("08:30", "12:00"), ("13:30", "17:00"), lunch=lunch)))
    assert calendar.next_opening(moment) == (MONDAY + timedelta(days=days)).replace(hour=hour, minute=minute)


def test_after_fridays_hours_ticketing_opens_on_monday_and_a_hall_open_no_day_never(city):
    friday_evening = MONDAY.replace(day=27, hour=18)
    weekdays = replace(city, hours=hours(("09:00", "17:00")))
    assert HallCalendar(weekdays).next_opening(friday_evening) == datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    never = replace(weekdays, hours=replace(weekdays.hours, weekdays=frozenset()),
                    calendar=CalendarRules(legal_holidays=False))
    assert HallCalendar(never).next_opening(friday_evening) is None


def test_windows_are_grouped_by_floor_then_zone_with_universal_windows_last(city: Hall):
    groups = city.window_groups([96, 41, 1, 89, 40, 48, 177, 2, 40])
    assert groups == (WindowGroup(1, "A", (1, 2, 40)), WindowGroup(1, "B", (41, 48)), WindowGroup(1, None, (89, 96)),
                      WindowGroup(3, "J", (177,)))
    assert windows_summary(groups) == "1楼 A区 3个窗口、1楼 B区 2个窗口、1楼 综合窗口 2个、3楼 J区 177号窗口"
    assert windows_summary(city.window_groups([95])) == "1楼 95号综合窗口"
    assert windows_summary(()) is None


async def test_an_issued_ticket_names_its_windows_by_floor_and_zone(client):
    issued = await issue(client, "B01")
    assert issued["window_groups"] == [{"floor": 1, "zone": "B", "numbers": list(range(41, 49))},
                                       {"floor": 1, "zone": None, "numbers": list(range(89, 97))}]
    assert issued["windows"] == [n for group in issued["window_groups"] for n in group["numbers"]]
