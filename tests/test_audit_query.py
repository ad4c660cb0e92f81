"""The audit query (全程留痕): the event log and the audit trail together, by staff member, window,
ticket, kind, outcome and time; pages by cursor lose and repeat nothing while entries are added;
the CSV export is the same query; bad parameters are refused naming the field."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from server.clock import ManualClock
from tests.conftest import MONDAY_10AM
from tests.support import Clerk, expect, issue, signed_in
from tests.test_ratings import TABLET_41, finished_at_41, rate

BAD = {"level": "dissatisfied", "reasons": ["wait"], "text": "等太久了"}


def at(minutes: float) -> str:
    return (MONDAY_10AM + timedelta(minutes=minutes)).isoformat()


async def query(boss: Clerk, status: int = 200, **params: Any) -> dict[str, Any]:
    return await boss.get(f"/api/v1/audit?{urlencode(params)}", status)


async def every_page(boss: Clerk, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """All entries of a query, following `next`; and how many pages it took."""
    found, pages, cursor = [], 0, None
    while True:
        page = await query(boss, **params, **({"cursor": cursor} if cursor else {}))
        found += page["entries"]
        pages += 1
        if (cursor := page["next"]) is None:
            return found, pages


async def a_morning(client, clock: ManualClock) -> Clerk:
    """10:00 a failed sign-in as zhangwei; 10:01 he signs in at 89 (post A); 10:05 liyang takes it over on B;
    10:10 a bad rating at 41; 10:20 the manager enters the fix of its case. Returns the manager."""
    bad = await client.post("/api/v1/staff/login", json={"hall": "city", "staff_id": "zhangwei", "password": "x"})
    assert bad.status == 401
    clock.advance(minutes=1)
    await signed_in(client, "zhangwei", 89, post="A")
    clock.advance(minutes=4)
    partner = await Clerk(client, "liyang", 89).login()
    await partner.window_action("sign-in", post="B", take_over=True)
    clock.advance(minutes=5)
    ticket = (await finished_at_41(client))["ticket"]
    await rate(client, TABLET_41, 201, ticket=ticket["id"], **BAD)
    clock.advance(minutes=10)
    boss = await Clerk(client, "wangfang", 0).login()
    [case] = (await boss.get("/api/v1/follow-ups"))["follow_ups"]
    await boss.post(f"/api/v1/follow-ups/{case['id']}/fix", note="增开窗口，联系 13812345678")
    return boss


async def test_a_take_over_a_failed_sign_in_and_a_manual_entry_are_found_by_staff_and_time(client, clock):
    boss = await a_morning(client, clock)

    failed = (await query(boss, staff="zhangwei", kind="sign_in", outcome="bad_credentials"))["entries"]
    assert [(e["kind"], e["subject"], e["actor"], e["at"]) for e in failed] == [
        ("sign_in", "zhangwei", None, at(0))]  # the staff id it was for, though nobody was signed in

    taken = (await query(boss, staff="zhangwei", kind="take_over"))["entries"]  # found by whom it was taken from
    assert [(e["actor"], e["counterpart"], e["window"]) for e in taken] == [("liyang", "zhangwei", 89)]
    assert (await query(boss, staff="liyang", kind="take_over"))["entries"] == taken  # and by who took it
    in_window = (await query(boss, window=89, **{"from": at(4), "to": at(6)}))["entries"]
    assert [(e["source"], e["kind"], e["actor"]) for e in in_window] == [
        ("event", "window.signed_in", "liyang"), ("audit", "take_over", "liyang")]
    assert "taken_from=zhangwei" in in_window[0]["detail"]

    fixes = (await query(boss, staff="wangfang", **{"from": at(15), "to": at(25)}))["entries"]
    assert [(e["kind"], e["actor"]) for e in fixes] == [("follow_up_fix", "wangfang"), ("sign_in", "wangfang")]
    assert fixes[0]["subject"].startswith("follow_up:")
    assert (await query(boss, staff="wangfang", **{"from": at(0), "to": at(15)}))["entries"] == []

    served = (await query(boss, kind="ticket.finished"))["entries"]
    assert [(e["window"], e["actor"], e["ticket_number"], e["service"]) for e in served] == [
        (41, "zhangwei", served[0]["ticket_number"], "B01")]
    by_ticket = (await query(boss, ticket=served[0]["ticket_id"]))["entries"]
    assert [e["kind"] for e in by_ticket] == ["rating.given", "ticket.finished", "ticket.called", "ticket.issued"]
    assert all(e["outcome"] == "ok" for e in by_ticket)


async def test_pages_follow_the_cursor_without_loss_or_repeats_while_entries_are_added(client, clock):
    clerk = await signed_in(client, "zhangwei", 41)
    for _ in range(12):  # many entries at one moment of the clock: the cursor's tie-break is tested
        await issue(client, "B01")
    clock.advance(minutes=1)
    for _ in range(5):
        await clerk.window_action("next")
    boss = await Clerk(client, "wangfang", 0).login()
    everything, one_page = await every_page(boss, limit=1000)
    assert one_page == 1 and len(everything) == len({(e["source"], e["id"]) for e in everything}) > 20
    assert [e["at"] for e in everything] == sorted((e["at"] for e in everything), reverse=True)

    first = await query(boss, limit=7)
    clock.advance(minutes=1)
    await issue(client, "B01")  # newer than the first page: not in this walk
    await clerk.window_action("next")
    walked, cursor = list(first["entries"]), first["next"]
    while cursor:
        page = await query(boss, limit=7, cursor=cursor)
        walked += page["entries"]
        cursor = page["next"]
    assert walked == everything


async def test_the_csv_is_the_json_with_chinese_headers(client, clock):
    boss = await a_morning(client, clock)
    entries, pages = await every_page(boss, limit=3)
    assert pages > 3
    response = await client.get("/api/v1/audit.csv", headers=boss.headers)
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["时间", "来源", "编号", "类别", "结果"]
    keys = ["at", "source", "id", "kind", "outcome", "actor", "subject", "counterpart", "window", "ticket_id",
            "ticket_number", "service", "address", "detail"]
    assert rows[1:] == [["" if e[k] is None else str(e[k]) for k in keys] for e in entries]
    assert "13812345678" not in text  # the fix's note is the case's, not the trail's

    only = await client.get("/api/v1/audit.csv?staff=zhangwei&kind=take_over", headers=boss.headers)
    assert len(list(csv.reader(io.StringIO((await only.read()).decode("utf-8-sig"))))) == 2


async def test_bad_parameters_name_their_field_and_clerks_are_refused(client):
    boss = await Clerk(client, "wangfang", 0).login()
    for params, field in (({"kind": "ticket.eaten"}, "kind"), ({"outcome": "maybe"}, "outcome"),
                          ({"cursor": "yesterday"}, "cursor"), ({"from": "2026-11-23"}, "from"),
                          ({"from": at(10), "to": at(5)}, "to"), ({"window": "0"}, "window"),
                          ({"limit": "5000"}, "limit"), ({"cursor": "99999999999999999-1-1"}, "cursor"),
                          ({"cursor": "1764000000000000-0-9999999999999999999"}, "cursor")):
        refused = await query(boss, 422, **params)
        assert refused["error"]["message"].startswith(f"参数 {field} 有误"), (params, refused)
        csv_refused = await client.get(f"/api/v1/audit.csv?{urlencode(params)}", headers=boss.headers)
        assert csv_refused.status == 422 or field in ("cursor", "limit")
    clerk = await Clerk(client, "zhangwei", 41).login()
    await expect(await client.get("/api/v1/audit", headers=clerk.headers), 403)
    await expect(await client.get("/api/v1/audit.csv", headers=clerk.headers), 403)
