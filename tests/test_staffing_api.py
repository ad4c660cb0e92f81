"""人员配置建议 from the API, on a real database: a forecast from a scripted earlier weekday, or from
the day profile with no history, and the windows open then beside the windows needed."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from server import staffing_advice
from server.api.answers import StaffingAnswer
from server.twin.day_profile import arrival_weights
from tests.conftest import SHANGHAI
from tests.support import Clerk, expect, issue, signed_in
from tests.test_stats import manager

LAST_MONDAY, MONDAY, NEXT_MONDAY = "2026-11-16", "2026-11-23", "2026-11-30"


def at(clock, day: str, clock_time: str) -> None:
    clock.set(datetime.fromisoformat(f"{day}T{clock_time}").replace(tzinfo=SHANGHAI))


async def script_last_monday(client, clock) -> None:
    """Window 41 (zone B) open 10:00-10:30 and 10:45-11:00; six B01 tickets, one every five minutes from 10:00."""
    at(clock, LAST_MONDAY, "10:00")
    clerk = await signed_in(client, "zhangwei", 41)
    for _ in range(6):
        await issue(client, "B01")
        clock.advance(minutes=5)
    await clerk.window_action("pause", reason="meal")
    at(clock, LAST_MONDAY, "10:45")
    await clerk.window_action("resume")
    at(clock, LAST_MONDAY, "11:00")
    await clerk.window_action("sign-out")


def row(body: dict, zone: str, hour: int) -> dict:
    return next(r for r in body["rows"] if (r["zone"], r["hour"]) == (zone, hour))


async def staffing(who: Clerk, query: str, status: int = 200) -> dict:
    return await who.get(f"/api/v1/staffing?{query}", status)


async def test_the_advice_forecasts_from_the_same_weekday_and_sets_the_windows_open_beside_it(client, clock):
    await script_last_monday(client, clock)
    at(clock, MONDAY, "09:30")
    await signed_in(client, "liyang", 42)  # zone B, open from 09:30
    at(clock, MONDAY, "09:45")
    boss = await manager(client)
    body = await staffing(boss, f"day={MONDAY}")
    StaffingAnswer.model_validate(body)
    assert (body["hall"], body["day"], body["target"]) == ("city", MONDAY, {"share": 0.9, "minutes": 20})
    assert body["forecast"] == {"source": "history", "days": [LAST_MONDAY], "arrivals": 6.0}
    assert body["hours"] == list(range(9, 17))
    assert {r["zone"] for r in body["rows"]} == set("ABCDEFGHIJ") and len(body["rows"]) == 80

    ten = row(body, "B", 10)
    assert (ten["arrivals"], ten["windows"], ten["enough"]) == (6.0, 8, True)
    # Six in half an hour, ten minutes each: a few windows (the twin's own counts are tested in test_staffing).
    assert 1 <= ten["needed"] <= 4 and ten["called_within_share"] >= 0.9
    quiet = row(body, "B", 14)
    assert (quiet["arrivals"], quiet["needed"], quiet["called_within_share"], quiet["enough"]) == (0, 0, None, True)
    # 09:00-09:45 has passed: window 42 was open 15 of its 45 minutes. The hours to come: signed in now.
    assert (row(body, "B", 9)["open"], row(body, "B", 9)["open_from"]) == (0.3, "observed")
    assert (ten["open"], ten["open_from"]) == (1.0, "signed_in")
    assert (row(body, "A", 10)["open"], row(body, "A", 10)["open_from"]) == (0.0, "signed_in")
    assert [u["needed"] for u in body["universal"]] == [0] * 8
    assert {(u["windows"], u["open"], u["open_from"]) for u in body["universal"][1:]} == {(8, 0.0, "signed_in")}

    # Next Monday: the same history; the windows as they were open last Monday.
    later = await staffing(boss, f"day={NEXT_MONDAY}&target_share=0.8&target_minutes=30")
    assert later["target"] == {"share": 0.8, "minutes": 30}
    assert later["forecast"]["days"] == [LAST_MONDAY]
    assert (row(later, "B", 10)["open"], row(later, "B", 10)["open_from"]) == (0.8, "last_week")  # 45 of 60 minutes
    assert (row(later, "B", 11)["open"], row(later, "B", 9)["open"]) == (0.0, 0.0)


async def test_with_no_history_the_day_profile_is_scaled_to_the_days_arrivals_so_far(client, clock, city):
    at(clock, MONDAY, "10:00")
    for _ in range(30):
        await issue(client, "B01")
    body = await staffing(await manager(client), f"day={MONDAY}&target_minutes=10")
    weights = arrival_weights(city, datetime.fromisoformat(MONDAY).date())
    passed = sum(weights[:10 * 60]) / sum(weights)
    assert body["forecast"]["source"] == "profile" and body["forecast"]["days"] == []
    assert body["forecast"]["arrivals"] == pytest.approx(30 / passed, abs=0.1)
    assert sum(r["arrivals"] for r in body["rows"]) == pytest.approx(30 / passed, abs=0.5)
    assert all(r["open"] == 0.0 for r in body["rows"] if r["hour"] < 10)  # nobody open before now
    assert all(r["open"] is None and r["open_from"] is None for r in body["rows"] if r["hour"] >= 10)  # nor rostered
    assert all(r["needed"] <= r["windows"] for r in body["rows"])


async def test_a_closed_day_needs_nobody(client):
    body = await staffing(await manager(client), "day=2026-11-22")  # a Sunday
    assert (body["hours"], body["rows"], body["universal"]) == ([], [], [])


async def test_the_advice_is_for_managers_only(client):
    clerk = await Clerk(client, "zhangwei", 41).login()
    assert (await clerk.get(f"/api/v1/staffing?day={MONDAY}", 403))["error"]["code"] == "forbidden"
    assert (await expect(await client.get(f"/api/v1/staffing?day={MONDAY}"), 401))["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("query", "status", "code", "field"), [
    ("", 422, "invalid", "day"),
    ("day=2026/11/23", 400, "bad_parameter", "day"),
    ("day=2026-02-30", 400, "bad_parameter", "day"),
    ("day=2028-11-23", 422, "bad_range", "day"),
    ("day=2025-11-01", 422, "bad_range", "day"),
    (f"day={MONDAY}&target_share=0", 422, "invalid", "target_share"),
    (f"day={MONDAY}&target_share=1.5", 422, "invalid", "target_share"),
    (f"day={MONDAY}&target_share=nan", 422, "invalid", "target_share"),
    (f"day={MONDAY}&target_minutes=0", 422, "invalid", "target_minutes"),
    (f"day={MONDAY}&target_minutes=7.5", 422, "invalid", "target_minutes"),
    (f"day={MONDAY}&target_minutes=241", 422, "invalid", "target_minutes"),
])
async def test_a_bad_query_is_refused_naming_its_field(client, query, status, code, field):
    error = (await staffing(await manager(client), query, status))["error"]
    assert error["code"] == code and field in error["message"]




async def test_an_advice_still_being_worked_out_says_so_and_is_ready_for_the_next_ask(client, monkeypatch):
    """The advice takes seconds for a big hall: a request stops waiting for it (503 still_working with
    Retry-After) while the work goes on, and the same request afterwards finds it kept."""
    monkeypatch.setattr(staffing_advice, "WAIT", timedelta(0))
    boss = await manager(client)
    response = await client.get(f"/api/v1/staffing?day={MONDAY}", headers=boss.headers)
    assert (await expect(response, 503))["error"]["code"] == "still_working"
    assert response.headers["Retry-After"] == str(staffing_advice.RETRY_AFTER)
    for _ in range(200):  # the work goes on with nobody waiting for it
        await asyncio.sleep(0.05)
        response = await client.get(f"/api/v1/staffing?day={MONDAY}", headers=boss.headers)
        if response.status == 200:
            break
    assert (await expect(response, 200))["day"] == MONDAY
