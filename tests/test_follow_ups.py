"""差评整改 through the API: every bad rating opens a case in its own transaction, due on a working-day
deadline of the hall calendar; callback and fix close it on time or late; yellow and red follow the clock;
差评按时回访整改率 in the statistics."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from server.app import Settings
from server.clock import ManualClock
from server.hall import FollowUpRules, Hall
from tests.conftest import SHANGHAI
from tests.support import Clerk, expect
from tests.test_ratings import TABLET_41, finished_at_41, rate, rows

# Monday 2026-09-28: five working days are 09-29, 09-30, then past National Day (10-01..10-07)
# 10-08, 10-09 and the 调休 Saturday 10-10. Yellow from the start of the last two: 10-09.
RATED = datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)
WARN_AT = datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)
DUE_AT = datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)  # the end of 10-10
BAD = {"level": "dissatisfied", "reasons": ["wait"], "text": "等了一上午 13812345678"}


@pytest.fixture
def settings(city: Hall, database_url: str, clock: ManualClock) -> Settings:
    clock.set(RATED)
    hall = replace(city, ratings=replace(city.ratings, follow_up=FollowUpRules(5, 2, 2)))
    return Settings(halls={hall.id: hall}, database_url=database_url, identity_key=b"k" * 32, clock=clock,
                    pool_size=5)


async def manager(client, clock: ManualClock | None = None, moment: datetime | None = None) -> Clerk:
    """The manager signed in (again: sessions expire) at `moment` of the clock."""
    if clock is not None and moment is not None:
        clock.set(moment)
    return await Clerk(client, "wangfang", 15).login()


async def bad_rating(client, **answer: Any) -> dict[str, Any]:
    ticket = (await finished_at_41(client))["ticket"]
    return (await rate(client, TABLET_41, 201, ticket=ticket["id"], **(answer or BAD)))["rating"]


async def cases(boss: Clerk, query: str = "") -> list[dict[str, Any]]:
    return (await boss.get(f"/api/v1/follow-ups{query}"))["follow_ups"]


async def test_a_bad_rating_opens_a_case_due_five_working_days_later_past_national_day(client, database_url):
    rating = await bad_rating(client)
    await bad_rating(client, level="very_satisfied")  # a good rating opens nothing
    boss = await manager(client)
    [case] = await cases(boss)
    assert case["rating"]["id"] == rating["id"] and case["rating"]["reasons"] == ["wait"]
    assert (case["deadline"], case["day"], case["department"]) == ("2026-10-10", "2026-09-28", "市住房公积金管理中心")
    assert datetime.fromisoformat(case["due_at"]) == DUE_AT and datetime.fromisoformat(case["warn_at"]) == WARN_AT
    assert (case["state"], case["alarm"], case["closed_at"], case["on_time"]) == ("open", None, None, None)
    assert case["rating"]["comment"] == "等了一上午 138****5678"  # managers read the citizen's words
    assert (case["rating"]["window"], case["rating"]["staff_name"]) == (41, "张伟")
    [opened] = await rows(database_url, "SELECT * FROM events WHERE kind = 'follow_up.opened'")
    assert '"deadline": "2026-10-10"' in opened["payload"] and "138" not in opened["payload"]
    clerk = await Clerk(client, "zhangwei", 41).login()
    assert (await clerk.get("/api/v1/follow-ups", 403))["error"]["code"]


async def test_yellow_and_red_follow_a_stepped_clock(client, clock):
    await bad_rating(client)
    for moment, state, alarm in ((WARN_AT - timedelta(seconds=1), "open", None), (WARN_AT, "warning", "yellow"),
                                 (DUE_AT - timedelta(seconds=1), "warning", "yellow"), (DUE_AT, "overdue", "red")):
        boss = await manager(client, clock, moment)
        [case] = await cases(boss, "?state=open")
        assert (case["state"], case["alarm"]) == (state, alarm), moment
        assert len(await cases(boss, "?state=overdue")) == (state == "overdue")


async def test_callback_and_fix_by_the_deadline_close_on_time_and_after_it_late(client, clock, database_url):
    first, second = await bad_rating(client), await bad_rating(client)
    boss = await manager(client)
    one, two = (c["id"] for c in await cases(boss))
    step = await boss.post(f"/api/v1/follow-ups/{one}/callback", reached=False, note="无人接听")
    assert (step["follow_up"]["called_back"], step["follow_up"]["state"]) == (False, "open")
    boss = await manager(client, clock, DUE_AT - timedelta(minutes=1))
    await boss.post(f"/api/v1/follow-ups/{one}/fix", note="增开午间窗口")
    closed = (await boss.post(f"/api/v1/follow-ups/{one}/callback", reached=True, note="已致歉 13812345678"))
    case = closed["follow_up"]
    assert (case["state"], case["on_time"], case["called_back"]) == ("closed", True, True)
    assert [c["note"] for c in case["callbacks"]] == ["无人接听", "已致歉 138****5678"]
    again = await boss.post(f"/api/v1/follow-ups/{one}/fix", 409, note="再次整改")
    assert again["error"]["code"] == "case_closed"

    boss = await manager(client, clock, DUE_AT)  # the second is late from here
    await boss.post(f"/api/v1/follow-ups/{two}/callback", reached=False, note="无人接听")
    late = (await boss.post(f"/api/v1/follow-ups/{two}/callback", reached=False, note="仍无人接听"))["follow_up"]
    assert late["called_back"] is True and late["state"] == "overdue"  # two unreached attempts are enough
    refused = await boss.post(f"/api/v1/follow-ups/{two}/callback", 409, reached=True, note="x")
    assert refused["error"]["code"] == "already_called_back"
    late = (await boss.post(f"/api/v1/follow-ups/{two}/fix", note="窗口培训"))["follow_up"]
    assert (late["state"], late["on_time"], late["fix"]["by"]) == ("closed", False, "wangfang")
    assert [c["id"] for c in await cases(boss, "?state=closed")] == [one, two]
    assert await cases(boss, "?state=open") == []
    missing = await boss.post("/api/v1/follow-ups/999999/fix", 404, note="x")
    assert missing["error"]["code"]

    kinds = [r["kind"] for r in await rows(database_url, "SELECT kind FROM events WHERE kind LIKE 'follow_up.%'"
                                                         " ORDER BY seq")]
    assert kinds.count("follow_up.closed") == 2 and kinds.count("follow_up.called_back") == 4
    audit = await rows(database_url, "SELECT actor, action, subject, detail FROM audit_log"
                                     " WHERE action LIKE 'follow_up%' ORDER BY id")
    assert [(a["actor"], a["action"], a["subject"], a["detail"]) for a in audit][:3] == [
        ("wangfang", "follow_up_callback", f"follow_up:{one}", "not reached"),
        ("wangfang", "follow_up_fix", f"follow_up:{one}", None),
        ("wangfang", "follow_up_callback", f"follow_up:{one}", "reached")]
    assert first["id"] != second["id"]


async def test_the_on_time_rate_counts_the_cases_due(client, clock):
    for _ in range(3):
        await bad_rating(client)
    await bad_rating(client, level="satisfied")
    boss = await manager(client)
    on_time, late, _open = (c["id"] for c in await cases(boss))
    await boss.post(f"/api/v1/follow-ups/{on_time}/callback", reached=True, note="已回访")
    await boss.post(f"/api/v1/follow-ups/{on_time}/fix", note="已整改")

    async def figures(by: str) -> dict[str, Any]:
        report = await boss.get(f"/api/v1/stats?by={by}&from=2026-09-28&to=2026-09-28")
        [group] = report["groups"]
        return group["ratings"]

    for by in ("window", "staff", "service", "zone", "department", "hall"):
        got = await figures(by)
        assert (got["bad"], got["follow_up_due"], got["follow_up_on_time"], got["follow_up_rate"]) == (3, 1, 1, 1.0)
    boss = await manager(client, clock, DUE_AT + timedelta(hours=1))
    await boss.post(f"/api/v1/follow-ups/{late}/callback", reached=True, note="已回访")
    await boss.post(f"/api/v1/follow-ups/{late}/fix", note="已整改")
    got = await figures("hall")  # all three due: one on time, one late, one still open past its deadline
    assert (got["follow_up_due"], got["follow_up_on_time"], got["follow_up_rate"]) == (3, 1, 0.3333)
    assert (await expect(await client.get("/api/v1/follow-ups?state=late", headers=boss.headers), 400))["error"]
