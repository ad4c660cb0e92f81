"""The central view: a manager of two halls sees both, each with its live figures, and no other; every
API route that takes `hall=` refuses a hall outside the caller's scope with 403 `other_hall`."""
from __future__ import annotations

import re

from server.app import APIS
from server.auth import Access, Principal, permits
from server.hall import StaffRole
from tests.support import Clerk, expect

TOWNSHIP_KIOSK = {"Authorization": "Bearer demo-township-kiosk"}
DISTRICT_KIOSK = {"Authorization": "Bearer demo-district-kiosk"}
_EXAMPLES = {"id": "1", "no": "1", "summons_id": "1", "token": "x", "staff_id": "hetao", "number": "12345678",
             "device_id": "kiosk-1"}


async def issue_in(client, headers: dict[str, str], service: str, key: str) -> None:
    await expect(await client.post("/api/v1/tickets", json={"service": service, "idempotency_key": key},
                                   headers=headers), 201)


async def test_a_county_manager_sees_both_halls_and_a_town_manager_only_theirs(all_halls, clock):
    wumin = await Clerk(all_halls, "wumin", 1).login("district")  # manages district and township
    township = (await wumin.get("/api/v1/hall?hall=township"))
    service = township["services"][0]["code"]
    for n in range(3):
        await issue_in(all_halls, TOWNSHIP_KIOSK, service, f"township-{n:04d}")
    await wumin.post("/api/v1/windows/1/sign-in?hall=township")
    clock.advance(minutes=7)

    overview = await wumin.get("/api/v1/central")
    assert [h["id"] for h in overview["halls"]] == ["district", "township"]
    district, town = overview["halls"]
    assert (district["waiting"], district["windows"]["open"], district["longest_wait_seconds"]) == (0, 0, 0)
    assert (town["waiting"], town["windows"], town["longest_wait_seconds"]) == (3, {"all": 7, "open": 1}, 420)
    assert town["today"]["served"] == 0 and town["today"]["ratings"]["satisfaction"] is None
    assert town["device_alarms"] == [] and town["unattended_zones"] == []  # window 1 is universal: it serves all
    assert (await wumin.get("/api/v1/central?hall=township")) == overview  # the scope, whichever hall it acts in

    gaoyan = await Clerk(all_halls, "gaoyan", 1).login("township")
    assert [h["id"] for h in (await gaoyan.get("/api/v1/central"))["halls"]] == ["township"]
    assert (await gaoyan.get("/api/v1/central?hall=district", 403))["error"]["code"] == "other_hall"
    clerk = await Clerk(all_halls, "hetao", 1).login("township")
    await clerk.get("/api/v1/central", 403)


async def test_every_route_refuses_a_hall_outside_the_callers_scope(all_halls):
    wumin = await Clerk(all_halls, "wumin", 1).login("district")
    as_wumin = Principal("district", "staff", "wumin", StaffRole.MANAGER, halls=frozenset({"township"}))
    checked = 0
    for endpoint in (e for api in APIS for e in api.endpoints if e.access is not Access.PUBLIC):
        path = re.sub(r"{(\w+)}", lambda m: _EXAMPLES[m[1]], endpoint.path)
        response = await all_halls.request(endpoint.method, f"{path}?hall=city", headers=wumin.headers, json={})
        body = await expect(response, 403)
        assert body["error"]["code"] == ("other_hall" if permits(endpoint.access, as_wumin) else "forbidden"), path
        checked += 1
    assert checked > 50
