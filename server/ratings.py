"""好差评: one rating per service given ("一次一评、一事一评"), from the window's
evaluation tablet or the ticket's phone page, whichever answers first.

What is rated is a stay at a window that ended done (a `servings` row): the
ticket, window, staff member, service, zone and department of that service.
The window's tablet asks for `[ratings] timeout_seconds` after the finish; the
phone page may rate for `phone_hours` after it. A unique constraint on the stay
makes the first answer the rating: a second one, from either, is 409
`already_rated`. Ratings are immutable (a trigger refuses UPDATE and DELETE)
and each is a `rating.given` event. A bad rating (不满意, 非常不满意) names one or
more reasons of the hall's checklist and may add a few words, kept with ID and
mobile numbers masked and shown to managers only, never on a public page.

未评价 is a rule read from the stay's end, the hall's settings and the clock,
not a row a worker writes when the time runs out: nothing then has to run on
time for it to hold (a tablet gone dark, a restart or a database outage at the
deadline cannot lose or delay it; a stepped or scaled clock needs no worker to
follow it), and the phone may still rate a stay its tablet left unrated, within
its hours. A stay without a rating counts in no satisfaction figure: the
figures count ratings only, and never default to 满意 (server/stats.py).
A bad rating opens its follow-up case in its own transaction (server/follow_ups.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

import asyncpg

from server.auth import Principal
from server.context import HallContext
from server.errors import Conflict, NotFound, Unprocessable
from server.events import rating_given
from server.follow_ups import FollowUps
from server.hall import Hall, RatingRules
from server.model import RatingLevel, Ticket
from server.redaction import redacted
from server.store import events, ratings, tickets

TEXT_MAX = 200  # characters of a bad rating's own words
TABLET, PHONE = "tablet", "phone"


class Status(str, Enum):
    """Where a ticket's 好差评 stands."""

    NOT_FINISHED = "not_finished"  # no stay of it ended done (yet)
    AWAITING = "awaiting"  # finished, and its window's tablet is still asking
    UNRATED = "unrated"  # 未评价: the tablet's time is over with no rating (the phone may still rate)
    RATED = "rated"


@dataclass(frozen=True)
class Answer:
    """What the citizen chose: a level and, for a bad one, reasons and perhaps a few words."""

    level: RatingLevel
    reasons: tuple[str, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class Rating:
    id: int
    ticket_id: int
    number: str
    serving_id: int
    window_no: int
    staff_id: str | None
    service: str
    zone: str
    department: str
    level: RatingLevel
    reasons: tuple[str, ...]
    comment: str | None  # managers only
    channel: str
    rated_at: datetime

    @classmethod
    def from_record(cls, record: asyncpg.Record, number: str) -> Rating:
        return cls(record["id"], record["ticket_id"], number, record["serving_id"], record["window_no"],
                   record["staff_id"], record["service"], record["zone"], record["department"],
                   RatingLevel(record["level"]), tuple(record["reasons"]), record["comment"], record["channel"],
                   record["rated_at"])

    def public(self) -> dict[str, Any]:
        """What the tablet, the phone and the event log show: never the citizen's words."""
        return {"id": self.id, "ticket": self.ticket_id, "number": self.number, "serving": self.serving_id,
                "window": self.window_no, "staff_id": self.staff_id, "service": self.service, "zone": self.zone,
                "department": self.department, "level": self.level.value, "score": self.level.score,
                "bad": self.level.bad, "reasons": list(self.reasons), "channel": self.channel,
                "rated_at": self.rated_at.isoformat()}

    def for_managers(self) -> dict[str, Any]:
        return {**self.public(), "comment": self.comment}


def rules(hall: Hall) -> dict[str, Any]:
    """What a tablet or phone needs to ask: the levels, the reasons, the time it has."""
    settings = hall.ratings
    return {"levels": [level.value for level in RatingLevel],
            "bad_levels": [level.value for level in RatingLevel if level.bad],
            "reasons": [{"code": r.code, "name": r.name, "name_en": r.name_en} for r in settings.reasons],
            "timeout_seconds": int(settings.timeout.total_seconds()),
            "phone_hours": settings.phone_window.total_seconds() / 3600, "text_max": TEXT_MAX}


def status_of(stay: asyncpg.Record | None, settings: RatingRules, now: datetime) -> Status:
    if stay is None:
        return Status.NOT_FINISHED
    if stay["rating_id"] is not None:
        return Status.RATED
    return Status.AWAITING if now <= stay["ended_at"] + settings.timeout else Status.UNRATED


def _seconds_left(until: datetime, now: datetime) -> int:
    return max(0, int((until - now).total_seconds()))


def checked(answer: Answer, settings: RatingRules, holder_masked: str | None) -> Answer:
    """The answer as it is kept: a bad one with known reasons, its words masked; a good one bare."""
    if not answer.level.bad:
        if answer.reasons or answer.text:
            raise Unprocessable("只有不满意的评价需要填写原因 (reasons and text belong to a bad rating only)",
                                code="reasons_not_asked")
        return answer
    if not answer.reasons:
        raise Unprocessable("请选择不满意的原因 (reasons: a bad rating names at least one)", code="reasons_required")
    unknown = [code for code in answer.reasons if settings.reason(code) is None]
    if unknown or len(set(answer.reasons)) != len(answer.reasons):
        raise Unprocessable(f"reasons: unknown or repeated {unknown or list(answer.reasons)}", code="unknown_reason")
    text = (answer.text or "").strip() or None
    return Answer(answer.level, answer.reasons, redacted(text, holder_masked))


class Ratings:
    def __init__(self, ctx: HallContext, follow_ups: FollowUps) -> None:
        self.ctx = ctx
        self.follow_ups = follow_ups

    # -- the window's tablet ----------------------------------------------------------

    def _tablet_window(self, principal: Principal) -> tuple[Hall, int]:
        hall = self.ctx.hall(principal.hall)
        device = hall.device(principal.id)
        assert device is not None and device.window is not None  # Access.EVALUATOR and the config say so
        return hall, device.window

    async def tablet(self, principal: Principal) -> dict[str, Any]:
        """What the tablet shows at start: its window, who may be on duty there, the rules, and the
        service just finished there that it should still ask about (None when there is none)."""
        hall, window = self._tablet_window(principal)
        now = self.ctx.clock.now()
        async with self.ctx.pool.acquire() as con:
            stay = await ratings.latest_done_stay(con, hall.id, window, now - hall.ratings.timeout)
        awaiting = None
        if status_of(stay, hall.ratings, now) is Status.AWAITING:
            assert stay is not None
            awaiting = {"ticket": stay["ticket_id"], "number": stay["number"], "service": stay["service"],
                        "seconds_left": _seconds_left(stay["ended_at"] + hall.ratings.timeout, now)}
        return {"window": window, "rules": rules(hall), "awaiting": awaiting,
                "staff": [{"id": s.id, "name": s.name} for s in hall.roster(window)]}

    async def rate_at_window(self, principal: Principal, ticket_id: int, answer: Answer) -> Rating:
        hall, window = self._tablet_window(principal)
        async with self.ctx.transaction() as con:
            if await tickets.get(con, hall.id, ticket_id) is None:
                raise NotFound(f"unknown ticket {ticket_id}")
            stay = await ratings.done_stay(con, ticket_id)
            if stay is not None and stay["window_no"] != window:
                raise Conflict(f"{stay['number']} 号不是在本窗口办结的 (the ticket was served at window"
                               f" {stay['window_no']}, not here)", code="not_this_window")
            return await self._rate(con, hall, stay, answer, TABLET, principal.id, hall.ratings.timeout)

    # -- the ticket's phone -----------------------------------------------------------

    async def for_link(self, status_token: str) -> dict[str, Any]:
        """The ticket's 好差评 as its phone page shows it, with what it may still do."""
        async with self.ctx.pool.acquire() as con:
            ticket = await self._ticket(con, status_token)
            stay = await ratings.done_stay(con, ticket.id)
            given = await ratings.get(con, stay["rating_id"]) if stay and stay["rating_id"] else None
        hall, now = self.ctx.hall(ticket.hall), self.ctx.clock.now()
        status = status_of(stay, hall.ratings, now)
        open_for = (_seconds_left(stay["ended_at"] + hall.ratings.phone_window, now)
                    if stay is not None and status is not Status.RATED else 0)
        return {"status": status.value, "phone_seconds_left": open_for, "rules": rules(hall),
                "rating": Rating.from_record(given, ticket.number).public() if given else None}

    async def rate_by_link(self, status_token: str, answer: Answer) -> Rating:
        async with self.ctx.transaction() as con:
            ticket = await self._ticket(con, status_token)
            hall = self.ctx.hall(ticket.hall)
            stay = await ratings.done_stay(con, ticket.id)
            return await self._rate(con, hall, stay, answer, PHONE, None, hall.ratings.phone_window)

    @staticmethod
    async def _ticket(con: asyncpg.Connection, status_token: str) -> Ticket:
        ticket = await tickets.by_status_token(con, status_token)
        if ticket is None:
            raise NotFound("no such ticket")
        return ticket

    # -- managers -----------------------------------------------------------------------

    async def between(self, hall_id: str, first: date, last: date) -> list[dict[str, Any]]:
        """The ratings of business days first..last, with the citizens' words."""
        async with self.ctx.pool.acquire() as con:
            rows = await ratings.between(con, hall_id, first, last)
        return [Rating.from_record(r, r["number"]).for_managers() for r in rows]

    # -- the one way a rating is made ---------------------------------------------------

    async def _rate(self, con: asyncpg.Connection, hall: Hall, stay: asyncpg.Record | None, answer: Answer,
                    channel: str, device_id: str | None, open_for: timedelta) -> Rating:
        """Rate the finished stay within `open_for` of its end; the first rating of a stay is the one."""
        now = self.ctx.clock.now()
        if stay is None:
            raise Conflict("办结后才能评价 (the service is not finished yet)", code="not_finished")
        answer = checked(answer, hall.ratings, stay["holder_masked"])
        if stay["rating_id"] is not None:
            raise _already_rated()
        if now > stay["ended_at"] + open_for:
            raise Conflict("评价时间已过 (the time to rate this service is over)", code="rating_closed")
        service = hall.service(stay["service"])
        record = await ratings.insert(
            con, hall=hall.id, day=stay["day"], serving_id=stay["id"], ticket_id=stay["ticket_id"],
            window_no=stay["window_no"], staff_id=stay["staff_id"], service=stay["service"], zone=stay["zone"],
            department=service.department if service else "", level=answer.level.value, score=answer.level.score,
            reasons=list(answer.reasons), comment=answer.text, channel=channel, device_id=device_id, rated_at=now)
        if record is None:  # the tablet and the phone at the same moment: the other committed first
            raise _already_rated()
        rating = Rating.from_record(record, stay["number"])
        await events.append(con, hall.id, now, rating_given(rating.public(), ticket_id=rating.ticket_id,
                                                            window_no=rating.window_no, zone=rating.zone,
                                                            staff_id=rating.staff_id))
        if rating.level.bad:  # 差评整改: its case opens with it, or neither does
            await self.follow_ups.open_case(con, hall, rating.id, rating.department)
        return rating


def _already_rated() -> Conflict:
    return Conflict("本次服务已评价，每次服务只能评价一次 (this service has already been rated: one rating per"
                    " service)", code="already_rated")
