"""好差评 through the API: one rating per finished service, from the window's tablet or the ticket's
phone, whichever is first; bad ratings name their reasons; no answer in time is 未评价, never 满意;
ratings are immutable events."""
from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from server.events import Kind, topics
from server.model import Event
from tests.support import expect, issue, signed_in

TABLET_41 = {"Authorization": "Bearer demo-tablet-41"}
TABLET_42 = {"Authorization": "Bearer demo-tablet-42"}


async def finished_at_41(client) -> dict[str, Any]:
    """A B01 ticket served and finished by zhangwei at window 41: the issue answer."""
    issued = await issue(client, "B01")
    clerk = await signed_in(client, "zhangwei", 41)
    called = await clerk.call_next()
    assert called is not None and called["id"] == issued["ticket"]["id"]
    await clerk.ticket_action(called["id"], "finish")
    return issued


async def rate(client, headers: dict[str, str], status: int, **body: Any) -> dict[str, Any]:
    return await expect(await client.post("/api/v1/ratings", json=body, headers=headers), status)


async def rate_by_phone(client, token: str, status: int, **body: Any) -> dict[str, Any]:
    return await expect(await client.post(f"/api/v1/public/tickets/{token}/rating", json=body), status)


async def phone_view(client, token: str) -> dict[str, Any]:
    return await expect(await client.get(f"/api/v1/public/tickets/{token}/rating"), 200)


async def rows(database_url: str, sql: str) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch(sql)
    finally:
        await con.close()


async def test_a_bad_rating_from_the_tablet_is_kept_for_its_serving_and_a_second_is_refused(client, database_url):
    issued = await finished_at_41(client)
    ticket = issued["ticket"]
    tablet = await expect(await client.get("/api/v1/ratings/tablet", headers=TABLET_41), 200)
    assert tablet["window"] == 41 and tablet["awaiting"]["ticket"] == ticket["id"]
    assert tablet["awaiting"]["service"] == "B01" and 0 < tablet["awaiting"]["seconds_left"] <= 60
    assert {"id": "zhangwei", "name": "张伟"} in tablet["staff"]
    assert "very_dissatisfied" in tablet["rules"]["bad_levels"]

    given = await rate(client, TABLET_41, 201, ticket=ticket["id"], level="dissatisfied", reasons=["wait", "attitude"],
                       text="等了很久 电话13812345678")
    rating = given["rating"]
    assert (rating["level"], rating["score"], rating["bad"], rating["channel"]) == ("dissatisfied", 2, True, "tablet")
    assert (rating["window"], rating["staff_id"], rating["service"], rating["zone"], rating["department"]) == (
        41, "zhangwei", "B01", "B", "市住房公积金管理中心")
    assert "comment" not in rating  # the citizen's words are for managers only

    [stored] = await rows(database_url, "SELECT r.*, s.outcome, s.window_no AS stay_window FROM ratings r"
                                        " JOIN servings s ON s.id = r.serving_id")
    assert (stored["ticket_id"], stored["stay_window"], stored["outcome"]) == (ticket["id"], 41, "done")
    assert stored["reasons"] == ["wait", "attitude"] and stored["device_id"] == "tablet-41"
    assert stored["comment"] == "等了很久 电话138****5678"
    [event] = await rows(database_url, "SELECT * FROM events WHERE kind = 'rating.given'")
    assert (event["ticket_id"], event["window_no"], event["staff_id"]) == (ticket["id"], 41, "zhangwei")
    assert "13812345678" not in event["payload"] and "138****5678" not in event["payload"]

    again = await rate(client, TABLET_41, 409, ticket=ticket["id"], level="very_satisfied")
    assert again["error"]["code"] == "already_rated"
    by_phone = await rate_by_phone(client, issued["status_token"], 409, level="satisfied")
    assert by_phone["error"]["code"] == "already_rated"
    assert (await phone_view(client, issued["status_token"]))["status"] == "rated"
    assert (await expect(await client.get("/api/v1/ratings/tablet", headers=TABLET_41), 200))["awaiting"] is None

    manager = await signed_in(client, "wangfang", 15)
    listed = (await manager.get("/api/v1/ratings"))["ratings"]
    assert [(r["number"], r["comment"]) for r in listed] == [(ticket["number"], "等了很久 电话138****5678")]
    with pytest.raises(asyncpg.RaiseError, match="ratings are immutable"):
        await rows(database_url, "UPDATE ratings SET level = 'very_satisfied', score = 5, reasons = '{}'")


async def test_reasons_belong_to_bad_ratings_and_come_from_the_checklist(client):
    ticket = (await finished_at_41(client))["ticket"]["id"]
    for body, code in (({"level": "very_dissatisfied"}, "reasons_required"),
                       ({"level": "dissatisfied", "reasons": ["rude"]}, "unknown_reason"),
                       ({"level": "dissatisfied", "reasons": ["wait", "wait"]}, "unknown_reason"),
                       ({"level": "satisfied", "reasons": ["wait"]}, "reasons_not_asked"),
                       ({"level": "basic", "text": "还行"}, "reasons_not_asked")):
        refused = await rate(client, TABLET_41, 422, ticket=ticket, **body)
        assert refused["error"]["code"] == code, body
    refused = await rate(client, TABLET_41, 422, ticket=ticket, level="dissatisfied", reasons=["wait"], text="长" * 201)
    assert "text" in refused["error"]["message"]
    await rate(client, TABLET_41, 422, ticket=ticket, level="great")
    await rate(client, TABLET_41, 201, ticket=ticket, level="basic")


async def test_only_the_windows_own_tablet_rates_a_finished_service(client):
    ticket = (await finished_at_41(client))["ticket"]["id"]
    assert (await rate(client, TABLET_42, 409, ticket=ticket, level="satisfied"))["error"]["code"] == "not_this_window"
    waiting = (await issue(client, "B01"))["ticket"]["id"]
    assert (await rate(client, TABLET_41, 409, ticket=waiting, level="satisfied"))["error"]["code"] == "not_finished"
    await rate(client, TABLET_41, 404, ticket=99999, level="satisfied")
    await rate(client, {"Authorization": "Bearer demo-kiosk-entrance"}, 403, ticket=ticket, level="satisfied")
    await rate(client, {}, 401, ticket=ticket, level="satisfied")


async def test_no_answer_in_time_is_unrated_and_the_phone_may_still_rate_within_its_hours(client, clock):
    issued = await finished_at_41(client)
    token, ticket = issued["status_token"], issued["ticket"]["id"]
    assert (await phone_view(client, token))["status"] == "awaiting"
    clock.advance(seconds=61)
    closed = await rate(client, TABLET_41, 409, ticket=ticket, level="very_satisfied")
    assert closed["error"]["code"] == "rating_closed"
    assert (await expect(await client.get("/api/v1/ratings/tablet", headers=TABLET_41), 200))["awaiting"] is None
    view = await phone_view(client, token)
    assert (view["status"], view["rating"]) == ("unrated", None)
    assert view["phone_seconds_left"] == 24 * 3600 - 61

    given = await rate_by_phone(client, token, 201, level="very_dissatisfied", reasons=["slow"])
    assert (given["rating"]["channel"], given["rating"]["window"]) == ("phone", 41)
    view = await phone_view(client, token)
    assert (view["status"], view["rating"]["level"], view["phone_seconds_left"]) == ("rated", "very_dissatisfied", 0)

    late = await finished_at_41(client)
    clock.advance(hours=24, seconds=1)
    too_late = await rate_by_phone(client, late["status_token"], 409, level="satisfied")
    assert too_late["error"]["code"] == "rating_closed"
    assert (await phone_view(client, late["status_token"]))["status"] == "unrated"
    waiting = await issue(client, "B01")
    assert (await rate_by_phone(client, waiting["status_token"], 409, level="satisfied"))["error"]["code"] == (
        "not_finished")
    assert (await phone_view(client, waiting["status_token"]))["status"] == "not_finished"
    await rate_by_phone(client, "no-such-link-0000", 404, level="satisfied")


def test_a_rating_goes_to_its_window_ticket_and_managers_only():
    event = Event("city", 9, None, Kind.RATING_GIVEN.value, 7, 41, "B", "zhangwei", {"rating": {}})  # type: ignore[arg-type]
    assert topics(event, {}) == {"managers", "window:41", "staff:41", "ticket:7"}


async def test_the_stay_a_rating_rates_is_the_one_that_finished_after_a_transfer(client, database_url, clock):
    issued = await issue(client, "B01")
    first = await signed_in(client, "zhangwei", 41)
    await first.call_next()
    second = await signed_in(client, "liyang", 42)  # a transfer goes to an open window
    await first.ticket_action(issued["ticket"]["id"], "transfer", window=42)
    called = await second.call_next()
    assert called is not None
    clock.advance(seconds=5)
    await second.ticket_action(called["id"], "finish")
    given = await rate(client, TABLET_42, 201, ticket=called["id"], level="satisfied")
    assert (given["rating"]["window"], given["rating"]["staff_id"]) == (42, "liyang")
    [stored] = await rows(database_url, "SELECT s.window_no, s.outcome FROM ratings r JOIN servings s"
                                        " ON s.id = r.serving_id")
    assert tuple(stored) == (42, "done")
    assert (await rate(client, TABLET_41, 409, ticket=called["id"], level="satisfied"))["error"]["code"] == (
        "not_this_window")


@pytest.mark.parametrize("body, field", [
    ({"ticket": 0, "level": "satisfied"}, "ticket"),
    ({"ticket": 2**63, "level": "satisfied"}, "ticket"),
    ({"ticket": 1, "level": "dissatisfied", "reasons": ["wa\u0000it"]}, "reasons"),
    ({"ticket": 1, "level": "dissatisfied", "reasons": ["wait"] * 21}, "reasons"),
    ({"ticket": 1, "level": "dissatisfied", "reasons": ["wait"], "text": "bad\u0007"}, "text"),
    ({"ticket": 1, "level": "satisfied", "stars": 5}, "stars"),
    ({"level": "satisfied"}, "ticket"),
])
async def test_bad_rating_input_is_refused_naming_the_field_and_writes_nothing(client, database_url, body, field):
    response = await client.post("/api/v1/ratings", json=body, headers=TABLET_41)
    refused = await expect(response, 422)
    assert refused["error"]["code"] == "invalid" and field in refused["error"]["message"]
    assert await rows(database_url, "SELECT id FROM ratings") == []
