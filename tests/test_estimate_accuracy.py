"""The wait told at issue is kept with the ticket, and GET /api/v1/stats/estimates measures it against
the wait until the first call exactly as computed by hand from the issue answers and the call times."""
from __future__ import annotations

from datetime import timedelta
from statistics import mean
from typing import Any

import asyncpg
import pytest

from simulator.report import percentile
from tests.conftest import MONDAY_10AM
from tests.support import Clerk, issue, signed_in
from tests.test_stats import MONDAY, TUESDAY, manager


def at(clock, minutes: int) -> None:
    clock.set(MONDAY_10AM + timedelta(minutes=minutes))


def figures(key: str, measured: list[tuple[int, int]]) -> dict[str, Any]:
    """A group's figures by hand from (minutes told, minutes waited) of each ticket measured."""
    errors = [told - waited for told, waited in measured]
    absolute = [abs(e) for e in errors]
    within = sum(1 for a in absolute if a <= 5)
    return {"key": key, "tickets": len(errors), "mae_min": round(mean(absolute), 2),
            "bias_min": round(mean(errors), 2), "p90_abs_error_min": round(percentile(absolute, 0.9) or 0, 2),
            "within_5": within, "within_5_share": round(within / len(errors), 4)}


async def call_at(clerk: Clerk, ticket: dict[str, Any], end: str = "finish", **body: Any) -> None:
    await clerk.window_action("call", number=ticket["number"])
    await clerk.ticket_action(ticket["id"], end, **body)


async def stored_estimates(database_url: str, ticket: dict[str, Any]) -> tuple[int | None, ...]:
    """The ticket's estimate as stored: minutes, low, high."""
    con = await asyncpg.connect(database_url)
    try:
        row = await con.fetchrow("SELECT estimated_wait_minutes, estimated_wait_low, estimated_wait_high"
                                 " FROM tickets WHERE id = $1", ticket["id"])
    finally:
        await con.close()
    return tuple(row)


async def test_accuracy_per_zone_service_day_and_hall_matches_the_waits_told_and_the_calls(
        client, clock, database_url):
    """Monday, clock minutes after 10:00 (wait = first call − issue):

      ticket  service  issued  first call        wait
      b1      B01      0       3 at 41           3
      b2      B01      0       12 at 41, then    12   transferred to A02 and served at 1:
                               35 at 1                counts in zone B, service B01
      b3      B01      0       30 at 41          30
      b5      B02      0       20 at 41          20
      a1      A02      0       1 at 1            1
      a2      A02      0       25 at 1           25
      c1      C01      0       40 at 89          -    no window served zone C at its issue: no
                                                      estimate told, left out
      b4      B01      0       never             -    never called: left out

    Tuesday: t1 (B01) issued 10:00, called 10:07 at 41: wait 7.
    zhangwei moves from 41 to the universal window 89 at 40 to call c1, and is at 41 again on Tuesday.
    """
    zhangwei, liyang = await signed_in(client, "zhangwei", 41), await signed_in(client, "liyang", 1)
    names = ("b1", "b2", "b3", "b5", "a1", "a2", "c1", "b4")
    services = {"b5": "B02", "a1": "A02", "a2": "A02", "c1": "C01"}
    issued = {name: await issue(client, services.get(name, "B01")) for name in names}
    told = {name: answer["estimated_wait_minutes"] for name, answer in issued.items()}
    tickets = {name: answer["ticket"] for name, answer in issued.items()}
    assert await stored_estimates(database_url, tickets["c1"]) == (None, None, None)  # no window serves zone C

    to_a02 = {"end": "transfer", "service": "A02"}
    for minute, clerk, name, end in [(1, liyang, "a1", {}), (3, zhangwei, "b1", {}), (12, zhangwei, "b2", to_a02),
                                     (20, zhangwei, "b5", {}), (25, liyang, "a2", {}), (30, zhangwei, "b3", {}),
                                     (35, liyang, "b2", {})]:
        at(clock, minute)
        await call_at(clerk, tickets[name], **end)
    at(clock, 40)  # a universal window opens and calls c1, which was told no estimate
    await zhangwei.window_action("sign-out")
    zhangwei.window = 89
    await zhangwei.sign_in()
    await call_at(zhangwei, tickets["c1"])
    await zhangwei.window_action("sign-out")
    minutes, low, high = await stored_estimates(database_url, tickets["b3"])
    assert minutes == told["b3"] and (low is None) == (high is None) and (low is None or low <= high)

    waited = {"b1": 3, "b2": 12, "b3": 30, "b5": 20, "a1": 1, "a2": 25}
    measured = {name: (told[name], minutes) for name, minutes in waited.items()}
    zone_a = figures("A", [measured["a1"], measured["a2"]])
    zone_b = figures("B", [measured[n] for n in ("b1", "b2", "b5", "b3")])
    monday = figures(MONDAY, list(measured.values()))

    boss = await manager(client)
    days = f"from={MONDAY}&to={MONDAY}"
    assert await boss.get(f"/api/v1/stats/estimates?{days}") == {
        "by": "zone", "from": MONDAY, "to": MONDAY, "within_minutes": 5, "groups": [zone_a, zone_b]}
    assert (await boss.get(f"/api/v1/stats/estimates?by=service&{days}"))["groups"] == [
        figures("A02", [measured["a1"], measured["a2"]]),
        figures("B01", [measured[n] for n in ("b1", "b2", "b3")]),
        figures("B02", [measured["b5"]])]
    assert (await boss.get(f"/api/v1/stats/estimates?by=hall&{days}"))["groups"] == [{**monday, "key": "city"}]

    at(clock, 24 * 60)  # Tuesday 10:00: Monday's sessions have expired
    zhangwei = await signed_in(client, "zhangwei", 41)
    t1 = await issue(client, "B01")
    at(clock, 24 * 60 + 7)
    await call_at(zhangwei, t1["ticket"])
    tuesday = [(t1["estimated_wait_minutes"], 7)]

    boss = await manager(client)
    assert await boss.get("/api/v1/stats/estimates") == {  # today by zone
        "by": "zone", "from": TUESDAY, "to": TUESDAY, "within_minutes": 5, "groups": [figures("B", tuesday)]}
    assert (await boss.get(f"/api/v1/stats/estimates?by=day&from={MONDAY}&to={TUESDAY}"))["groups"] == [
        monday, figures(TUESDAY, tuesday)]
    assert (await boss.get(f"/api/v1/stats/estimates?by=zone&from={MONDAY}&to={TUESDAY}"))["groups"] == [
        zone_a, figures("B", [measured[n] for n in ("b1", "b2", "b5", "b3")] + tuesday)]
    assert (await boss.get("/api/v1/stats/estimates?from=2026-11-16&to=2026-11-22"))["groups"] == []


async def test_a_retried_issue_tells_the_wait_told_the_first_time(client, clock):
    clerk = await signed_in(client, "zhangwei", 41)
    ahead = [await issue(client, "B01") for _ in range(3)]
    first = await issue(client, "B01", idempotency_key="retry-estimate")
    assert first["people_ahead"] == 3 and first["estimated_wait_minutes"] > 0
    for ticket in ahead:  # the queue moves on before the kiosk asks again
        await call_at(clerk, ticket["ticket"])
    clock.advance(minutes=9)
    again = await issue(client, "B01", idempotency_key="retry-estimate")
    assert (again["created"], again["ticket"]["id"], again["people_ahead"]) == (False, first["ticket"]["id"], 0)
    assert again["estimated_wait_minutes"] == first["estimated_wait_minutes"]


async def test_the_accuracy_figures_are_for_managers_only(client):
    clerk = await Clerk(client, "zhangwei", 41).login()
    assert (await clerk.get("/api/v1/stats/estimates", 403))["error"]["code"] == "forbidden"


@pytest.mark.parametrize("query, status, parameter", [
    ("?by=window", 400, "by"),
    ("?from=2026/11/23", 400, "from"),
    ("?to=2026-11-31", 400, "to"),
    ("?from=2026-11-24&to=2026-11-23", 422, "from"),
    ("?from=2025-11-22&to=2026-11-23", 422, "from..to"),
])
async def test_bad_parameters_are_4xx_naming_the_parameter(client, query, status, parameter):
    error = (await (await manager(client)).get(f"/api/v1/stats/estimates{query}", status))["error"]
    assert error["code"] in ("bad_parameter", "bad_range") and error["message"].startswith(f"{parameter}:")
