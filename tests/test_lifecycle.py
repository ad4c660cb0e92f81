"""The ticket lifecycle through the HTTP API on real PostgreSQL."""
from __future__ import annotations

import asyncpg

from tests.support import Clerk, expect, issue, signed_in


async def event_kinds(database_url: str, ticket_id: int) -> list[str]:
    con = await asyncpg.connect(database_url)
    try:
        rows = await con.fetch("SELECT kind FROM events WHERE ticket_id = $1 ORDER BY seq", ticket_id)
    finally:
        await con.close()
    return [r["kind"] for r in rows]


async def test_issue_call_recall_start_finish_leaves_an_event_per_step(client, database_url, clock):
    issued = await issue(client, "B01")
    assert issued["ticket"]["number"] == "B001"
    assert issued["ticket"]["status"] == "waiting"
    clerk = await signed_in(client, "zhangwei", 41)
    clock.advance(minutes=4)
    called = await clerk.call_next()
    assert called["number"] == "B001" and called["status"] == "called" and called["window"] == 41
    recalled = (await clerk.window_action("recall"))["ticket"]
    assert recalled["call_count"] == 2
    clock.advance(minutes=1)
    await clerk.ticket_action(called["id"], "start")
    clock.advance(minutes=9)
    done = (await clerk.ticket_action(called["id"], "finish"))["ticket"]
    assert done["status"] == "done"
    assert await event_kinds(database_url, called["id"]) == [
        "ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.finished"]


async def test_no_show_then_rejoin_is_called_again(client, database_url):
    ticket = (await issue(client, "B01"))["ticket"]
    clerk = await signed_in(client, "zhangwei", 41)
    await clerk.call_next()
    assert (await clerk.ticket_action(ticket["id"], "no-show"))["ticket"]["status"] == "no_show"
    assert await clerk.call_next() is None
    assert (await clerk.ticket_action(ticket["id"], "rejoin"))["ticket"]["status"] == "waiting"
    again = await clerk.call_next()
    assert again["id"] == ticket["id"] and again["call_count"] == 2
    assert await event_kinds(database_url, ticket["id"]) == [
        "ticket.issued", "ticket.called", "ticket.no_show", "ticket.rejoined", "ticket.called"]


async def test_transfer_is_served_at_the_target_keeping_number_and_issue_time(client, database_url, clock):
    ticket = (await issue(client, "B01"))["ticket"]
    housing = await signed_in(client, "zhangwei", 41)
    tax = await signed_in(client, "liyang", 1)  # an estate window (zone A)
    await housing.call_next()
    await housing.ticket_action(ticket["id"], "start")
    clock.advance(minutes=5)
    moved = (await housing.ticket_action(ticket["id"], "transfer", service="A02", note="需办理抵押登记"))["ticket"]
    assert moved["status"] == "waiting" and moved["service"] == "A02" and moved["zone"] == "A"
    called = await tax.call_next()
    assert called["id"] == ticket["id"] and called["number"] == ticket["number"]
    assert called["issued_at"] == ticket["issued_at"]
    await tax.ticket_action(ticket["id"], "start")
    assert (await tax.ticket_action(ticket["id"], "finish"))["ticket"]["status"] == "done"
    assert await event_kinds(database_url, ticket["id"]) == [
        "ticket.issued", "ticket.called", "ticket.started", "ticket.transferred",
        "ticket.called", "ticket.started", "ticket.finished"]


async def test_transfer_to_a_window_is_only_called_there(client):
    ticket = (await issue(client, "B01"))["ticket"]
    first = await signed_in(client, "zhangwei", 41)
    other = await signed_in(client, "liyang", 42)
    target = await signed_in(client, "zhaolei", 43)
    await first.call_next()
    await first.ticket_action(ticket["id"], "transfer", window=43)
    assert await other.call_next() is None
    assert (await target.call_next())["id"] == ticket["id"]


async def test_a_paused_window_is_given_no_ticket_until_resumed(client, database_url):
    await issue(client, "B01")
    clerk = await signed_in(client, "zhangwei", 41)
    await clerk.window_action("pause", reason="meal", note="午休交接")
    refused = await clerk.window_action("call-next", 409)
    assert refused["error"]["code"] == "window_paused"
    assert "暂停" in refused["error"]["message"]
    await clerk.window_action("resume")
    assert (await clerk.call_next())["number"] == "B001"
    con = await asyncpg.connect(database_url)
    try:
        kinds = [r["kind"] for r in await con.fetch("SELECT kind FROM events WHERE window_no = 41 ORDER BY seq")]
    finally:
        await con.close()
    assert kinds == ["window.signed_in", "window.paused", "window.resumed", "ticket.called"]


async def test_signed_out_window_cannot_call(client):
    await issue(client, "B01")
    clerk = await Clerk(client, "zhangwei", 41).login()
    refused = await clerk.window_action("call-next", 409)
    assert refused["error"]["code"] == "not_signed_in"


async def test_illegal_transitions_are_409_with_a_reason(client):
    ticket = (await issue(client, "B01"))["ticket"]
    clerk = await signed_in(client, "zhangwei", 41)
    other = await signed_in(client, "liyang", 42)
    finishing_waiting = await clerk.ticket_action(ticket["id"], "finish", 409)
    assert finishing_waiting["error"]["code"] == "invalid_state"
    await clerk.call_next()
    not_theirs = await other.ticket_action(ticket["id"], "start", 409)
    assert not_theirs["error"]["code"] == "not_your_ticket"
    busy = await clerk.window_action("call-next", 409)
    assert busy["error"]["code"] == "window_busy"
    assert (await clerk.window_action("sign-out", 409))["error"]["code"] == "window_busy"


async def test_b_post_takes_over_only_when_asked(client):
    a_post = await signed_in(client, "zhangwei", 89, post="A")
    b_post = await Clerk(client, "liyang", 89).login()
    held = await b_post.window_action("sign-in", 409, post="B")
    assert held["error"]["code"] == "window_held"
    taken = await b_post.window_action("sign-in", post="B", take_over=True)
    assert taken["window"]["staff_id"] == "liyang" and taken["window"]["post"] == "B"
    assert (await a_post.window_action("call-next", 409))["error"]["code"] == "not_signed_in"


async def test_call_specific_number_and_universal_window_serves_any_zone(client):
    await issue(client, "B01")
    second = (await issue(client, "A02"))["ticket"]
    universal = await signed_in(client, "zhangwei", 89)
    called = (await universal.window_action("call", number=second["number"]))["ticket"]
    assert called["id"] == second["id"] and called["window"] == 89


async def test_staff_endpoints_need_a_signed_in_staff_member(client):
    response = await client.post("/api/v1/windows/41/call-next")
    assert (await expect(response, 401))["error"]["code"] == "unauthorized"
    response = await client.post("/api/v1/tickets", json={"service": "B01"})
    assert response.status == 401


async def test_the_snapshot_gives_each_window_its_current_ticket(client):
    ticket = (await issue(client, "B01"))["ticket"]
    clerk = await signed_in(client, "zhangwei", 41)
    await clerk.call_next()
    await clerk.ticket_action(ticket["id"], "start")
    snapshot = await clerk.get("/api/v1/snapshot")
    window = next(w for w in snapshot["windows"] if w["number"] == 41)
    assert window["ticket"]["number"] == "B001" and window["ticket"]["status"] == "serving"
    assert next(w for w in snapshot["windows"] if w["number"] == 42)["ticket"] is None


async def test_next_finishes_the_ticket_at_the_window_and_calls_the_next_in_one_step(client, database_url, clock):
    ids = [(await issue(client, "B01"))["ticket"]["id"] for _ in range(3)]
    clerk = await signed_in(client, "zhangwei", 41)
    first = await clerk.window_action("next")  # nothing at the window yet: a plain call
    assert first["finished"] is None and first["ticket"]["id"] == ids[0]
    clock.advance(minutes=3)
    await clerk.ticket_action(ids[0], "start")  # served, or only called: N finishes either
    second = await clerk.window_action("next")
    assert second["finished"]["id"] == ids[0] and second["finished"]["status"] == "done"
    assert second["ticket"]["id"] == ids[1] and second["ticket"]["status"] == "called"
    clock.advance(minutes=5)
    third = await clerk.window_action("next")
    assert third["finished"]["id"] == ids[1] and third["ticket"]["id"] == ids[2]
    last = await clerk.window_action("next")
    assert last["finished"]["id"] == ids[2] and last["ticket"] is None
    assert (await clerk.window_action("next"))["finished"] is None  # an empty window, nobody waiting
    con = await asyncpg.connect(database_url)
    try:
        rows = await con.fetch("SELECT kind, ticket_id FROM events WHERE window_no = 41 AND kind LIKE 'ticket.%'"
                               " ORDER BY seq")
    finally:
        await con.close()
    assert [(r["kind"], ids.index(r["ticket_id"])) for r in rows] == [
        ("ticket.called", 0), ("ticket.started", 0), ("ticket.finished", 0), ("ticket.called", 1),
        ("ticket.finished", 1), ("ticket.called", 2), ("ticket.finished", 2)]
    served = (await clerk.get(f"/api/v1/tickets/{ids[1]}"))
    assert served["times"]["handling_s"] == 300  # finished straight from the call: handled from the call


async def test_next_is_refused_at_a_paused_window_and_finish_takes_a_called_ticket(client):
    ticket = (await issue(client, "B01"))["ticket"]
    clerk = await signed_in(client, "zhangwei", 41)
    await clerk.window_action("pause", reason="meal")
    assert (await clerk.window_action("next", 409))["error"]["code"] == "window_paused"
    await clerk.window_action("resume")
    await clerk.call_next()
    done = (await clerk.ticket_action(ticket["id"], "finish"))["ticket"]
    assert done["status"] == "done" and done["started_at"] == done["called_at"]
    assert (await clerk.get("/api/v1/staff/me/today"))["served"] == 1


async def test_a_no_show_is_undone_within_ten_seconds_as_it_was(client, database_url, clock):
    ticket = (await issue(client, "B01"))["ticket"]
    clerk = await signed_in(client, "zhangwei", 41)
    called = await clerk.call_next()
    await clerk.ticket_action(ticket["id"], "no-show")
    assert (await clerk.get("/api/v1/staff/me/today"))["no_shows"] == 1
    clock.advance(seconds=9)
    back = (await clerk.ticket_action(ticket["id"], "undo-no-show"))["ticket"]
    assert back["status"] == "called" and back["window"] == 41
    assert (back["called_at"], back["call_count"]) == (called["called_at"], called["call_count"])
    windows = (await clerk.get("/api/v1/windows"))["windows"]
    assert next(w for w in windows if w["number"] == 41)["current_ticket"] == ticket["id"]
    assert (await clerk.get("/api/v1/staff/me/today"))["no_shows"] == 0  # the stay goes on
    assert await event_kinds(database_url, ticket["id"]) == [
        "ticket.issued", "ticket.called", "ticket.no_show", "ticket.no_show_undone"]
    await clerk.ticket_action(ticket["id"], "finish")
    assert (await clerk.get("/api/v1/staff/me/today"))["served"] == 1


async def test_a_no_show_is_not_undone_late_at_a_busy_window_or_by_another_window(client, clock):
    first, second = [(await issue(client, "B01"))["ticket"] for _ in range(2)]
    clerk = await signed_in(client, "zhangwei", 41)
    other = await signed_in(client, "liyang", 42)
    await clerk.call_next()
    await clerk.ticket_action(first["id"], "no-show")
    assert (await other.ticket_action(first["id"], "undo-no-show", 409))["error"]["code"] == "not_your_ticket"
    await clerk.call_next()
    assert (await clerk.ticket_action(first["id"], "undo-no-show", 409))["error"]["code"] == "window_busy"
    await clerk.ticket_action(second["id"], "no-show")
    clock.advance(seconds=11)
    assert (await clerk.ticket_action(second["id"], "undo-no-show", 409))["error"]["code"] == "undo_expired"
    assert (await clerk.ticket_action(first["id"], "undo-no-show", 409))["error"]["code"] == "undo_expired"
