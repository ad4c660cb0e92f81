"""ID numbers have one spelling before they are hashed, and impossible numbers are refused."""
from __future__ import annotations

from datetime import date

import aiohttp
import asyncpg
import pytest

from server.errors import Unprocessable
from server.identity import checked_id_number
from tests.agents import KIOSK_TOKEN
from tests.support import KIOSK, expect, issue

NUMBER = "410502198503141239"
FULL_WIDTH = "４１０５０２１９８５０３１４１２３９"  # noqa: RUF001 - full-width digits on purpose
ARABIC_INDIC = "٤١٠٥٠٢١٩٨٥٠٣١٤١٢٣٩"
TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("spelling", [
    NUMBER, FULL_WIDTH, ARABIC_INDIC, "4105 0219 8503 1412 39", "４１０５ ０２１９\u3000８５０３１４１２３９",  # noqa: RUF001
])
def test_every_spelling_of_a_number_is_the_same_number(spelling):
    assert checked_id_number(spelling, TODAY) == NUMBER


def test_a_lower_case_check_x_is_upper_case():
    assert checked_id_number("11010519491231002x", TODAY) == "11010519491231002X"


def with_check(body: str) -> str:
    """The 17 digits with their GB 11643 check character, so only the other rules are tested."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


@pytest.mark.parametrize(("number", "why"), [
    ("410502198503141238", "check digit"),
    ("41050219850314123", "18 expected"),
    ("4105021985031412390", "18 expected"),
    (with_check("41050299999999123"), "birth date"),
    (with_check("41050218991231123"), "birth date"),  # before 1900
    (with_check("41050220271201123"), "birth date"),  # not born yet
    (with_check("01050219850314123"), "region"),
    (with_check("91050219850314123"), "region"),  # 9 is for foreigners' cards
])
def test_impossible_numbers_are_refused_naming_why(number, why):
    with pytest.raises(Unprocessable) as refused:
        checked_id_number(number, TODAY)
    assert refused.value.code == "invalid_id_number" and why in refused.value.message


def test_foreigners_cards_have_their_own_forms():
    assert checked_id_number("USA110075071504", TODAY, "foreign_permanent") == "USA110075071504"
    with pytest.raises(Unprocessable):
        checked_id_number("USA110075071504", TODAY)  # not a resident's number


async def test_full_width_and_other_digits_count_for_the_same_person(client):
    await issue(client, "B01", identity={"id_number": NUMBER})
    await issue(client, "B01", identity={"id_number": FULL_WIDTH})
    refused = await client.post("/api/v1/tickets", headers=KIOSK,
                                json={"service": "B01", "identity": {"id_number": ARABIC_INDIC}})
    assert (await expect(refused, 409))["error"]["code"] == "ticket_limit"


@pytest.mark.parametrize("number", ["410502198503141238", with_check("41050299999999123"), "41050219850314123"])
async def test_invalid_numbers_are_refused_at_issue_and_write_nothing(client, database_url, number):
    refused = await client.post("/api/v1/tickets", headers=KIOSK,
                                json={"service": "B01", "identity": {"id_number": number}})
    body = await expect(refused, 422)
    assert body["error"]["code"] == "invalid_id_number" and number not in str(body)
    con = await asyncpg.connect(database_url)
    try:
        assert await con.fetchval("SELECT count(*) FROM tickets") == 0
    finally:
        await con.close()


async def test_a_card_read_with_an_impossible_number_is_refused_and_kept_nowhere(live_server, database_url):
    base = str(live_server.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as session:
        agent = await session.ws_connect(f"{base}/api/v1/agent", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"})
        await agent.send_json({"type": "hello", "agent": "test", "reader": "ok"})
        assert (await agent.receive_json(timeout=10))["type"] == "welcome"
        await agent.send_json({"type": "card", "card": {"name": "张三丰", "id_number": "410502198503141238"}})
        refused = await agent.receive_json(timeout=10)
        await agent.close()
    assert refused["type"] == "error" and refused["code"] == "invalid_id_number"
    con = await asyncpg.connect(database_url)
    try:
        assert await con.fetchval("SELECT count(*) FROM card_reads") == 0
    finally:
        await con.close()
