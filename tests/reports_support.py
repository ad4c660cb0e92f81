"""A scripted quarter in two halls (district and township, both run by the county manager wumin)
for the reports' tests: the duty changes, a bad rating left unanswered and the entries of the
centre, on a manual clock stepped through the public API.

Five windows are staffed from 8 October 2026 (the first working day after 国庆节) and stay signed in
but for what is scripted: district 1 (sunli), 2 (zhoujie), 3 (wumin), township 1 (gaoyan), 3 (hetao).
District sessions 08:30-12:00, 14:00-17:30; township 08:30-12:00, 13:30-17:00; late after +5 min.

October   D2 signs out on the 8th at 17:30 and back in on the 9th at 09:00: 1 late arrival.
November  D1 signs out on the 2nd at 17:30 (the session's end: not early), back in on the 3rd at
          09:20: late; on the 4th pauses for a break 10:00-10:40 (脱岗), 11:00-11:10 (too short) and
          for a meeting 15:00-16:00 (excused): 1 脱岗, 50 minutes away.
          D2 signs out on the 5th at 16:00 (early), in on the 6th at 08:00, out at 17:30, in on the
          9th at 13:50: the 9th's morning is a half day absent. On the 10th it serves an A01 ticket
          rated 不满意, whose 回访整改 is never done: late by its deadline.
          Entered on 1 December: D1 a letter of praise; D2 hygiene −2 and complaints 2, corrected to 1;
          T3 leadership −15, IT discipline −10 and 2 complaints.
December  Entered on 4 January: T3 leadership −15 and 2 complaints.
The reports are read on 5 January 2027.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.support import Clerk, expect

SHANGHAI = ZoneInfo("Asia/Shanghai")
READ_AT = datetime(2027, 1, 5, 10, 0, tzinfo=SHANGHAI)
DISTRICT_KIOSK = {"Authorization": "Bearer demo-district-kiosk"}


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Script:
    def __init__(self, client: Any, clock: Any) -> None:
        self.client, self.clock = client, clock
        self.desks = {("district", 1): "sunli", ("district", 2): "zhoujie", ("district", 3): "wumin",
                      ("township", 1): "gaoyan", ("township", 3): "hetao"}

    async def desk(self, hall: str, window: int, moment: datetime) -> Clerk:
        """The window's clerk, signed in to the API at `moment` (a session lasts 12 hours)."""
        self.clock.set(moment)
        return await Clerk(self.client, self.desks[hall, window], window).login(hall)

    async def step(self, hall: str, window: int, moment: datetime, action: str, **body: Any) -> Clerk:
        clerk = await self.desk(hall, window, moment)
        await clerk.window_action(action, **({"post": "A"} if action == "sign-in" else body))
        return clerk

    async def manager(self, moment: datetime) -> Clerk:
        self.clock.set(moment)
        return await Clerk(self.client, "wumin", 0).login("district")

    async def enter(self, manager: Clerk, hall: str, window: int, month: str, category: str, amount: float,
                    corrects: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"window": window, "month": month, "category": category, "amount": amount,
                                "note": f"{category} {amount:g}"}
        if corrects is not None:
            body["corrects"] = corrects
        response = await self.client.post(f"/api/v1/assessment/entries?hall={hall}", json=body,
                                          headers=manager.headers)
        return (await expect(response, 201))["entry"]

    async def run(self) -> None:
        for (hall, window) in self.desks:
            await self.step(hall, window, at(10, 8, 8), "sign-in")
        await self.october()
        await self.november()
        manager = await self.manager(at(12, 1, 9))
        await self.november_entries(manager)
        manager = await self.manager(at(1, 4, 9, year=2027))
        await self.enter(manager, "township", 3, "2026-12", "leadership", 15)
        await self.enter(manager, "township", 3, "2026-12", "complaint", 2)
        self.clock.set(READ_AT)

    async def october(self) -> None:
        await self.step("district", 2, at(10, 8, 17, 30), "sign-out")
        await self.step("district", 2, at(10, 9, 9), "sign-in")

    async def november(self) -> None:
        await self.step("district", 1, at(11, 2, 17, 30), "sign-out")
        await self.step("district", 1, at(11, 3, 9, 20), "sign-in")
        sunli = await self.desk("district", 1, at(11, 4, 9, 55))
        for start, end, reason in ((at(11, 4, 10), at(11, 4, 10, 40), "break"),
                                   (at(11, 4, 11), at(11, 4, 11, 10), "break"),
                                   (at(11, 4, 15), at(11, 4, 16), "meeting")):
            self.clock.set(start)
            await sunli.window_action("pause", reason=reason)
            self.clock.set(end)
            await sunli.window_action("resume")
        await self.step("district", 2, at(11, 5, 16), "sign-out")
        zhoujie = await self.step("district", 2, at(11, 6, 8), "sign-in")
        self.clock.set(at(11, 6, 17, 30))
        await zhoujie.window_action("sign-out")
        await self.step("district", 2, at(11, 9, 13, 50), "sign-in")
        await self.bad_rating()

    async def bad_rating(self) -> None:
        zhoujie = await self.desk("district", 2, at(11, 10, 10))
        issued = await expect(await self.client.post("/api/v1/tickets", headers=DISTRICT_KIOSK, json={
            "service": "A01", "idempotency_key": "reports-bad-rating"}), 201)
        ticket = issued["ticket"]
        self.clock.set(at(11, 10, 10, 2))
        await zhoujie.window_action("call", number=ticket["number"])
        self.clock.set(at(11, 10, 10, 3))
        await zhoujie.ticket_action(ticket["id"], "start")
        self.clock.set(at(11, 10, 10, 13))
        await zhoujie.ticket_action(ticket["id"], "finish")
        await expect(await self.client.post("/api/v1/ratings", headers={
            "Authorization": "Bearer demo-district-tablet-2"}, json={
            "ticket": ticket["id"], "level": "dissatisfied", "reasons": ["attitude"]}), 201)

    async def november_entries(self, manager: Clerk) -> None:
        await self.enter(manager, "district", 1, "2026-11", "praise", 1)
        await self.enter(manager, "district", 2, "2026-11", "hygiene", 2)
        twice = await self.enter(manager, "district", 2, "2026-11", "complaint", 2)
        await self.enter(manager, "district", 2, "2026-11", "complaint", -1, corrects=twice["id"])
        await self.enter(manager, "township", 3, "2026-11", "leadership", 15)
        await self.enter(manager, "township", 3, "2026-11", "it_discipline", 10)
        await self.enter(manager, "township", 3, "2026-11", "complaint", 2)
