"""Per-window waiting and handling times and 好差评 figures from the API match hand-computed values on a
scripted day."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import MONDAY_10AM
from tests.support import Clerk, expect, issue, signed_in

MONDAY, TUESDAY = "2026-11-23", "2026-11-24"
LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")


def at(clock, minutes: int) -> None:
    """Move the manual clock to MONDAY 10:00 + minutes."""
    clock.set(MONDAY_10AM + timedelta(minutes=minutes))


async def script_two_days(client, clock) -> dict[str, dict[str, Any]]:
    """Monday: three windows, two staff, seven stays; Tuesday: one more stay at window 42.

    Stays on Monday (clock times; wait = queued -> called, walk = called -> start,
    handling = start -> end):

      stay  ticket      window staff     service  queued  called  start  end    outcome      wait walk handling
      S1    B001 (T1)   41     zhangwei  B01      10:00   10:02   10:03  10:13  done          120   60   600
      S2    B002 (T2)   42     liyang    B02      10:00   10:04   10:06  10:26  done          240  120  1200
      S3    B003 (T3)   41     zhangwei  B01      10:05   10:14   10:15  10:20  done          540   60   300
      S4    B004 (T4)   41     zhangwei  B01      10:05   10:21   -      10:24  no_show       960    -     -
      S5    B005 (T6)   42     liyang    B03      10:10   10:27   10:28  10:31  transferred  1020   60   180
      S6    A001 (T5)   1      zhangwei  A02      10:10   10:32   10:33  10:45  done         1320   60   720
      S7    B005 (T6)   1      zhangwei  A02      10:31   10:46   10:48  10:56  done          900  120   480

    S7 is the transferred ticket's second stay: its wait counts from the
    transfer at 10:31, not from the issue at 10:10. zhangwei signs out of 41
    after S4 and serves window 1 for the rest of the morning.

    Tuesday: T8 B001 (B01) issued 10:00, called at 42 by liyang 10:10, started
    10:11, finished 10:21: wait 600, walk 60, handling 600, done.

    好差评: S1 非常满意 and S3 不满意 on window 41's tablet as they finish; S2 满意 on
    its phone at 10:30; S6 基本满意 on its phone at 10:50; S7 never rated (未评价);
    S5 was transferred, not finished: nothing to rate. Tuesday's stay 非常不满意 on
    window 42's tablet.
    """
    zhangwei = await signed_in(client, "zhangwei", 41)
    liyang = await signed_in(client, "liyang", 42)
    t1 = (await issue(client, "B01"))["ticket"]
    issued_t2 = await issue(client, "B02")
    t2 = issued_t2["ticket"]
    at(clock, 2)
    await zhangwei.window_action("call", number=t1["number"])
    at(clock, 3)
    await zhangwei.ticket_action(t1["id"], "start")
    at(clock, 4)
    await liyang.window_action("call", number=t2["number"])
    at(clock, 5)
    t3 = (await issue(client, "B01"))["ticket"]
    t4 = (await issue(client, "B01"))["ticket"]
    at(clock, 6)
    await liyang.ticket_action(t2["id"], "start")
    at(clock, 10)
    issued_t5 = await issue(client, "A02")
    t5 = issued_t5["ticket"]
    t6 = (await issue(client, "B03"))["ticket"]
    at(clock, 13)
    await zhangwei.ticket_action(t1["id"], "finish")
    await rate_on_tablet(client, 41, t1, "very_satisfied")
    at(clock, 14)
    await zhangwei.window_action("call", number=t3["number"])
    at(clock, 15)
    await zhangwei.ticket_action(t3["id"], "start")
    at(clock, 20)
    await zhangwei.ticket_action(t3["id"], "finish")
    await rate_on_tablet(client, 41, t3, "dissatisfied", reasons=["wait"])
    at(clock, 21)
    await zhangwei.window_action("call", number=t4["number"])
    at(clock, 24)
    await zhangwei.ticket_action(t4["id"], "no-show")
    await zhangwei.window_action("sign-out")
    zhangwei.window = 1
    await zhangwei.sign_in()
    at(clock, 26)
    await liyang.ticket_action(t2["id"], "finish")
    at(clock, 27)
    await liyang.window_action("call", number=t6["number"])
    at(clock, 28)
    await liyang.ticket_action(t6["id"], "start")
    at(clock, 30)
    await rate_on_phone(client, issued_t2, "satisfied")
    at(clock, 31)
    moved = (await liyang.ticket_action(t6["id"], "transfer", service="A02"))["ticket"]
    assert moved["zone"] == "A" and moved["number"] == "B005"
    at(clock, 32)
    await zhangwei.window_action("call", number=t5["number"])
    at(clock, 33)
    await zhangwei.ticket_action(t5["id"], "start")
    at(clock, 45)
    await zhangwei.ticket_action(t5["id"], "finish")
    at(clock, 46)
    await zhangwei.window_action("call", number=t6["number"])
    at(clock, 48)
    await zhangwei.ticket_action(t6["id"], "start")
    at(clock, 50)
    await rate_on_phone(client, issued_t5, "basic")
    at(clock, 56)
    await zhangwei.ticket_action(t6["id"], "finish")

    at(clock, 24 * 60)  # Tuesday 10:00: the sessions of Monday have expired
    t8 = (await issue(client, "B01"))["ticket"]
    assert t8["number"] == "B001"
    liyang = await signed_in(client, "liyang", 42)
    at(clock, 24 * 60 + 10)
    await liyang.window_action("call", number=t8["number"])
    at(clock, 24 * 60 + 11)
    await liyang.ticket_action(t8["id"], "start")
    at(clock, 24 * 60 + 21)
    await liyang.ticket_action(t8["id"], "finish")
    await rate_on_tablet(client, 42, t8, "very_dissatisfied", reasons=["attitude"])
    return {"T6": t6, "T8": t8}


async def rate_on_tablet(client, window: int, ticket: dict[str, Any], level: str, **body: Any) -> None:
    await expect(await client.post("/api/v1/ratings", headers={"Authorization": f"Bearer demo-tablet-{window}"},
                                   json={"ticket": ticket["id"], "level": level, **body}), 201)


async def rate_on_phone(client, issued: dict[str, Any], level: str) -> None:
    await expect(await client.post(f"/api/v1/public/tickets/{issued['status_token']}/rating",
                                   json={"level": level}), 201)


def rated(valid: int, valid_rate: float | None, satisfaction: float | None, bad: int,
          **levels: int) -> dict[str, Any]:
    """有效评价数, 有效评价率 (valid / served), 满意率 (top two / valid), 差评数, and the count of each level;
    no bad rating's follow-up is due on the scripted day (tests/test_follow_ups.py counts those)."""
    return {"valid": valid, "valid_rate": valid_rate, "satisfaction": satisfaction, "bad": bad,
            "levels": {level: levels.get(level, 0) for level in LEVELS},
            "follow_up_due": 0, "follow_up_on_time": 0, "follow_up_rate": None}


NOT_RATED = rated(0, None, None, 0)


def group(key: str, served: int, transferred: int, no_shows: int, waiting: tuple[float, float],
          handling: tuple[float | None, float | None], walk_up: float | None,
          ratings: dict[str, Any] = NOT_RATED) -> dict[str, Any]:
    return {"key": key, "served": served, "transferred": transferred, "no_shows": no_shows,
            "waiting": {"mean_s": waiting[0], "p90_s": waiting[1]},
            "handling": {"mean_s": handling[0], "p90_s": handling[1]},
            "walk_up": {"mean_s": walk_up}, "ratings": ratings,
            "tickets": None, "unserved": None, "abandonment_rate": None}  # a window's or staff member's


def issued(figures: dict[str, Any], key: str, tickets: int) -> dict[str, Any]:
    """A service's, zone's, department's or the hall's group, with its tickets: none left unserved."""
    return {**figures, "key": key, "tickets": tickets, "unserved": 0, "abandonment_rate": 0.0 if tickets else None}


# p90 = percentile_cont(0.9): sorted values v[0..n-1], position 0.9 * (n - 1),
# interpolated linearly between the two values around it.

# Window 41 = S1, S3, S4.
#   waiting [120, 540, 960]: mean 1620 / 3 = 540; p90 at 1.8 -> 540 + 0.8 * (960 - 540) = 876
#   handling [300, 600] (S4 never started): mean 450; p90 at 0.9 -> 300 + 0.9 * 300 = 570
#   walk-up [60, 60]: mean 60
#   ratings S1 非常满意, S3 不满意: 2 of 2 served rated (1.0), 1 of 2 satisfied (0.5), 1 bad
WINDOW_41 = group("41", 2, 0, 1, (540.0, 876.0), (450.0, 570.0), 60.0,
                  rated(2, 1.0, 0.5, 1, very_satisfied=1, dissatisfied=1))
# Window 42 on Monday = S2, S5.
#   waiting [240, 1020]: mean 630; p90 at 0.9 -> 240 + 0.9 * 780 = 942
#   handling [180, 1200] (the transferred stay's time counts): mean 690; p90 -> 180 + 0.9 * 1020 = 1098
#   walk-up [120, 60]: mean 90
#   ratings S2 满意 (S5 was transferred, not served): 1 of 1 (1.0), satisfied 1 of 1 (1.0)
WINDOW_42_MONDAY = group("42", 1, 1, 0, (630.0, 942.0), (690.0, 1098.0), 90.0, rated(1, 1.0, 1.0, 0, satisfied=1))
# Window 1 = S6, S7.
#   waiting [900, 1320]: mean 1110; p90 -> 900 + 0.9 * 420 = 1278
#   handling [480, 720]: mean 600; p90 -> 480 + 0.9 * 240 = 696
#   walk-up [60, 120]: mean 90
#   ratings S6 基本满意, S7 未评价: 1 of 2 (0.5), satisfied 0 of 1 (0.0): 基本满意 is not 满意
WINDOW_1 = group("1", 2, 0, 0, (1110.0, 1278.0), (600.0, 696.0), 90.0, rated(1, 0.5, 0.0, 0, basic=1))
# Window 42 on Tuesday = T8's stay alone: every statistic is its own value; rated 非常不满意.
WINDOW_42_TUESDAY = group("42", 1, 0, 0, (600.0, 600.0), (600.0, 600.0), 60.0,
                          rated(1, 1.0, 0.0, 1, very_dissatisfied=1))
# Window 42 over both days = S2, S5, Tuesday's stay.
#   waiting [240, 600, 1020]: mean 1860 / 3 = 620; p90 at 1.8 -> 600 + 0.8 * 420 = 936
#   handling [180, 600, 1200]: mean 1980 / 3 = 660; p90 at 1.8 -> 600 + 0.8 * 600 = 1080
#   walk-up [120, 60, 60]: mean 80
#   ratings 满意, 非常不满意: 2 of 2 (1.0), satisfied 1 of 2 (0.5), 1 bad
WINDOW_42_BOTH = group("42", 2, 1, 0, (620.0, 936.0), (660.0, 1080.0), 80.0,
                       rated(2, 1.0, 0.5, 1, satisfied=1, very_dissatisfied=1))

# zhangwei = S1, S3, S4, S6, S7.
#   waiting [120, 540, 900, 960, 1320]: mean 3840 / 5 = 768; p90 at 3.6 -> 960 + 0.6 * 360 = 1176
#   handling [300, 480, 600, 720]: mean 2100 / 4 = 525; p90 at 2.7 -> 600 + 0.7 * 120 = 684
#   walk-up [60, 60, 60, 120]: mean 300 / 4 = 75
#   ratings S1 非常满意, S3 不满意, S6 基本满意, S7 none: 3 of 4 served (0.75), satisfied 1 of 3 (0.3333)
ZHANGWEI = group("zhangwei", 4, 0, 1, (768.0, 1176.0), (525.0, 684.0), 75.0,
                 rated(3, 0.75, 0.3333, 1, very_satisfied=1, basic=1, dissatisfied=1))
LIYANG_MONDAY = {**WINDOW_42_MONDAY, "key": "liyang"}  # liyang's stays are window 42's

# Services: a stay counts for the service it was queued for.
#   A02 = S6, S7 (window 1); B01 = S1, S3, S4 (window 41); B02 = S2 alone; B03 = S5 alone.
# A ticket counts for the service it ended in: T6, moved from B03, is one of A02's two.
SERVICE_A02 = issued(WINDOW_1, "A02", 2)
SERVICE_B01 = issued(WINDOW_41, "B01", 3)
SERVICE_B02 = issued(group("B02", 1, 0, 0, (240.0, 240.0), (1200.0, 1200.0), 120.0,
                           rated(1, 1.0, 1.0, 0, satisfied=1)), "B02", 1)
SERVICE_B03 = issued(group("B03", 0, 1, 0, (1020.0, 1020.0), (180.0, 180.0), 60.0), "B03", 0)  # no rate

# Zones: A = S6, S7 (window 1); B = S1..S5.
#   B waiting [120, 240, 540, 960, 1020]: mean 2880 / 5 = 576; p90 at 3.6 -> 960 + 0.6 * 60 = 996
#   B handling [180, 300, 600, 1200]: mean 2280 / 4 = 570; p90 at 2.7 -> 600 + 0.7 * 600 = 1020
#   B walk-up [60, 120, 60, 60]: mean 75
#   B ratings S1 非常满意, S2 满意, S3 不满意: 3 of 3 (1.0), satisfied 2 of 3 (0.6667), 1 bad
ZONE_A = issued(WINDOW_1, "A", 2)
ZONE_B = issued(group("B", 3, 1, 1, (576.0, 996.0), (570.0, 1020.0), 75.0,
                      rated(3, 1.0, 0.6667, 1, very_satisfied=1, satisfied=1, dissatisfied=1)), "B", 4)
# Departments: A02 is 市不动产登记服务中心's, B01..B03 市住房公积金管理中心's: the zones again.
DEPARTMENT_A = {**ZONE_A, "key": "市不动产登记服务中心"}
DEPARTMENT_B = {**ZONE_B, "key": "市住房公积金管理中心"}
# The whole hall = S1..S7.
#   waiting [120, 240, 540, 900, 960, 1020, 1320]: mean 5100 / 7 = 728.57; p90 at 5.4 -> 1020 + 0.4 * 300 = 1140
#   handling [180, 300, 480, 600, 720, 1200]: mean 3480 / 6 = 580; p90 at 4.5 -> 720 + 0.5 * 480 = 960
#   walk-up [60, 120, 60, 60, 60, 120]: mean 80
#   ratings 4 of 5 served (0.8), satisfied 2 of 4 (0.5), 1 bad
HALL = issued(group("city", 5, 1, 1, (728.6, 1140.0), (580.0, 960.0), 80.0,
                    rated(4, 0.8, 0.5, 1, very_satisfied=1, satisfied=1, basic=1, dissatisfied=1)), "city", 6)


async def manager(client) -> Clerk:
    return await Clerk(client, "wangfang", 0).login()


async def stats(who: Clerk, query: str, status: int = 200) -> dict[str, Any]:
    return await who.get(f"/api/v1/stats{query}", status)


async def test_waiting_and_handling_times_match_hand_computed_values(client, clock):
    tickets = await script_two_days(client, clock)
    boss = await manager(client)

    monday = f"&from={MONDAY}&to={MONDAY}"
    assert await stats(boss, f"?by=window{monday}") == {
        "by": "window", "from": MONDAY, "to": MONDAY, "groups": [WINDOW_1, WINDOW_41, WINDOW_42_MONDAY]}
    assert (await stats(boss, f"?by=staff{monday}"))["groups"] == [LIYANG_MONDAY, ZHANGWEI]
    assert (await stats(boss, f"?by=service{monday}"))["groups"] == [
        SERVICE_A02, SERVICE_B01, SERVICE_B02, SERVICE_B03]
    assert (await stats(boss, f"?by=zone{monday}"))["groups"] == [ZONE_A, ZONE_B]
    assert (await stats(boss, f"?by=department{monday}"))["groups"] == [DEPARTMENT_A, DEPARTMENT_B]
    assert (await stats(boss, f"?by=hall{monday}"))["groups"] == [HALL]

    # Tuesday is today: no parameters mean today, grouped by window.
    assert await stats(boss, "") == {"by": "window", "from": TUESDAY, "to": TUESDAY, "groups": [WINDOW_42_TUESDAY]}
    both = await stats(boss, f"?by=window&from={MONDAY}&to={TUESDAY}")
    assert both["groups"] == [WINDOW_1, WINDOW_41, WINDOW_42_BOTH]
    assert (await stats(boss, "?by=window&from=2026-11-16&to=2026-11-22"))["groups"] == []

    # Ranking: served count, then mean handling. Windows 1 and 41 each served 2;
    # 41's mean handling 450 beats window 1's 600. Window 42 served 1.
    ranking = await boss.get(f"/api/v1/stats/ranking?from={MONDAY}&to={MONDAY}")
    assert ranking["from"] == MONDAY and ranking["to"] == MONDAY
    assert [(w["rank"], w["window"], w["served"], w["handling"]["mean_s"]) for w in ranking["windows"]] == [
        (1, 41, 2, 450.0), (2, 1, 2, 600.0), (3, 42, 1, 690.0)]

    # Per ticket: T6 (B005) issued 10:10, first called 10:27, first started 10:28,
    # finished 10:56 -> waiting 1020, walk-up 60, handling 1680 across both windows.
    detail = await boss.get(f"/api/v1/tickets/{tickets['T6']['id']}")
    assert detail["times"] == {"waiting_s": 1020.0, "walk_up_s": 60.0, "handling_s": 1680.0}


async def test_a_tie_on_served_and_handling_shares_the_rank(client, clock):
    first = await signed_in(client, "zhangwei", 41)
    second = await signed_in(client, "liyang", 42)
    for clerk in (first, second):
        ticket = (await issue(client, "B01"))["ticket"]
        await clerk.window_action("call", number=ticket["number"])
        await clerk.ticket_action(ticket["id"], "start")
        clock.advance(minutes=5)
        await clerk.ticket_action(ticket["id"], "finish")
    ranking = await (await manager(client)).get("/api/v1/stats/ranking")
    assert [(w["rank"], w["window"]) for w in ranking["windows"]] == [(1, 41), (1, 42)]


async def test_statistics_are_for_managers_only(client):
    clerk = await Clerk(client, "zhangwei", 41).login()
    for path in ("/api/v1/stats", "/api/v1/stats/ranking"):
        assert (await clerk.get(path, 403))["error"]["code"] == "forbidden"
        assert (await expect(await client.get(path), 401))["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("query, status, parameter", [
    ("?by=desk", 400, "by"),
    ("?from=2026/11/23", 400, "from"),
    ("?to=2026-11-31", 400, "to"),
    ("?from=20261123", 400, "from"),
    ("?from=2026-11-24&to=2026-11-23", 422, "from"),
    ("?from=2025-11-22&to=2026-11-23", 422, "from..to"),  # 367 days
])
async def test_bad_parameters_are_4xx_naming_the_parameter(client, query, status, parameter):
    boss = await manager(client)
    for path in ("/api/v1/stats", "/api/v1/stats/ranking"):
        if "by=" in query and path.endswith("ranking"):
            continue
        error = (await boss.get(f"{path}{query}", status))["error"]
        assert set(error) == {"code", "message", "request_id"}
        assert error["message"].startswith(f"{parameter}:")


async def test_a_leap_year_of_days_is_allowed(client):
    boss = await manager(client)
    body = await stats(boss, "?from=2024-01-01&to=2024-12-31")
    assert (body["from"], body["to"], body["groups"]) == ("2024-01-01", "2024-12-31", [])
