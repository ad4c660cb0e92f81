"""The day's course behind the dashboard's charts, from the API, against the scripted days of test_stats."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support import Clerk, expect, issue
from tests.test_stats import MONDAY, TUESDAY, at, manager, script_two_days

SHANGHAI = ZoneInfo("Asia/Shanghai")


def hall_time(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def every_ten_minutes(day: str, first: str, last: str) -> list[datetime]:
    moment, end, samples = hall_time(day, first), hall_time(day, last), []
    while moment <= end:
        samples.append(moment)
        moment += timedelta(minutes=10)
    return samples


def zone_series(body: dict, zone: str) -> dict[datetime, tuple[int, float]]:
    """Sample time -> (waiting, longest wait) of one zone, the samples where someone waited."""
    course = next(z for z in body["zones"] if z["zone"] == zone)
    return {datetime.fromisoformat(at): (n, longest)
            for at, n, longest in zip(body["samples"], course["waiting"], course["longest_wait_s"], strict=True)
            if n}


async def test_a_day_gone_by_samples_the_waits_every_ten_minutes_from_opening_to_closing(client, clock):
    await script_two_days(client, clock)
    body = await (await manager(client)).get(f"/api/v1/stats/day?day={MONDAY}")
    assert (body["hall"], body["day"], body["timezone"], body["bucket_minutes"]) == (
        "city", MONDAY, "Asia/Shanghai", 10)
    # The sessions run 09:00-17:00; the last ticket finished at 10:56.
    assert [datetime.fromisoformat(s) for s in body["samples"]] == every_ten_minutes(MONDAY, "09:00", "17:00")
    assert [z["zone"] for z in body["zones"]] == list("ABCDEFGHIJ")
    # The waits (see script_two_days): S1, S2 from 10:00; S3, S4 from 10:05; S5, S6 from 10:10; S7 from 10:31.
    assert zone_series(body, "B") == {
        hall_time(MONDAY, "10:00"): (2, 0.0),  # S1, S2 just issued
        hall_time(MONDAY, "10:10"): (3, 300.0),  # S3, S4 since 10:05, S5 since 10:10
        hall_time(MONDAY, "10:20"): (2, 900.0),  # S4 (called 10:21) since 10:05, S5
    }
    assert zone_series(body, "A") == {
        hall_time(MONDAY, "10:10"): (1, 0.0),  # S6
        hall_time(MONDAY, "10:20"): (1, 600.0),
        hall_time(MONDAY, "10:30"): (1, 1200.0),  # called 10:32
        hall_time(MONDAY, "10:40"): (1, 540.0),  # S7, transferred in at 10:31, called 10:46
    }
    assert zone_series(body, "C") == {}
    # Six tickets issued 10:00-10:10; five stays ended done before 11:00 (S4 no-show, S5 transferred).
    assert [(datetime.fromisoformat(h["at"]), h["arrivals"], h["served"]) for h in body["hours"]] == [
        (hall_time(MONDAY, f"{hour:02d}:00"), *((6, 5) if hour == 10 else (0, 0))) for hour in range(9, 17)]


async def test_today_ends_on_now_and_counts_waits_going_on_and_those_a_cancel_ended(client, clock):
    await script_two_days(client, clock)  # ends Tuesday 10:21
    first = (await issue(client, "B01"))["ticket"]
    at(clock, 24 * 60 + 22)
    await issue(client, "B01")
    boss = await manager(client)
    at(clock, 24 * 60 + 35)
    await boss.ticket_action(first["id"], "cancel")
    at(clock, 24 * 60 + 38)
    body = await boss.get("/api/v1/stats/day")  # today by default
    assert body["day"] == TUESDAY
    assert [datetime.fromisoformat(s) for s in body["samples"]] == [
        *every_ten_minutes(TUESDAY, "09:00", "10:30"), hall_time(TUESDAY, "10:38")]
    assert zone_series(body, "B") == {
        hall_time(TUESDAY, "10:00"): (1, 0.0),  # T8, called 10:10
        hall_time(TUESDAY, "10:30"): (2, 540.0),  # both new tickets, the first since 10:21
        hall_time(TUESDAY, "10:38"): (1, 960.0),  # the first cancelled at 10:35; the second since 10:22
    }
    assert [(h["arrivals"], h["served"]) for h in body["hours"] if h["arrivals"] or h["served"]] == [(3, 1)]


async def test_a_day_to_come_has_no_samples_and_empty_hours(client):
    body = await (await manager(client)).get("/api/v1/stats/day?day=2026-12-31")
    assert body["samples"] == [] and all(z["waiting"] == [] for z in body["zones"])
    assert {(h["arrivals"], h["served"]) for h in body["hours"]} == {(0, 0)}


async def test_the_day_is_for_managers_only(client):
    clerk = await Clerk(client, "zhangwei", 41).login()
    assert (await clerk.get("/api/v1/stats/day", 403))["error"]["code"] == "forbidden"
    assert (await expect(await client.get("/api/v1/stats/day"), 401))["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("day", ["2026/11/23", "2026-02-30", "20261123", "today"])
async def test_a_bad_day_is_400_naming_it(client, day):
    error = (await (await manager(client)).get(f"/api/v1/stats/day?day={day}", 400))["error"]
    assert set(error) == {"code", "message", "request_id"}
    assert error["code"] == "bad_parameter" and error["message"].startswith("day:")
