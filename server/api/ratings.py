"""好差评: the window's evaluation tablet, the ticket's phone page, and the managers' list
(docs/ratings.md; the figures are in GET /api/v1/stats)."""
from __future__ import annotations

from typing import Any

from server.api.answers import RatingAnswer, RatingsAnswer, TabletAnswer, TicketRatingAnswer
from server.api.endpoint import Api, Call
from server.api.schemas import RatingBody, TabletRatingBody
from server.api.stats import RANGE, day_range
from server.auth import Access
from server.ratings import Answer

api = Api("ratings")


def _answer(body: RatingBody) -> Answer:
    return Answer(body.level, tuple(body.reasons), body.text)


@api.get("/api/v1/ratings/tablet", access=Access.EVALUATOR, answer=TabletAnswer,
         summary="The evaluation tablet's window, who may be on duty there, the rating rules, and the service just"
                 " finished there that still awaits its rating")
async def tablet(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    return await call.services.ratings.tablet(call.principal)


@api.post("/api/v1/ratings", access=Access.EVALUATOR, body=TabletRatingBody, status=201, answer=RatingAnswer,
          summary="Rate the service just finished at the tablet's window (one rating per service: 409 already_rated,"
                  " 409 rating_closed after the tablet's time)")
async def rate_at_window(call: Call[TabletRatingBody]) -> dict[str, Any]:
    assert call.principal is not None
    rating = await call.services.ratings.rate_at_window(call.principal, call.body.ticket, _answer(call.body))
    return {"rating": rating.public()}


@api.get("/api/v1/public/tickets/{token}/rating", access=Access.PUBLIC, answer=TicketRatingAnswer,
         summary="The ticket's 好差评 for its phone page: not finished, awaiting, unrated (未评价) or rated, and how"
                 " long the phone may still rate")
async def ticket_rating(call: Call) -> dict[str, Any]:
    return await call.services.ratings.for_link(call.text_param("token"))


@api.post("/api/v1/public/tickets/{token}/rating", access=Access.PUBLIC, body=RatingBody, status=201,
          answer=RatingAnswer,
          summary="Rate the ticket's finished service from its phone page, within the hall's phone_hours (409"
                  " already_rated when the tablet or the phone rated it first)")
async def rate_by_link(call: Call[RatingBody]) -> dict[str, Any]:
    rating = await call.services.ratings.rate_by_link(call.text_param("token"), _answer(call.body))
    return {"rating": rating.public()}


@api.get("/api/v1/ratings", access=Access.MANAGER, query=RANGE, answer=RatingsAnswer,
         summary="The ratings of business days ?from=YYYY-MM-DD&to=YYYY-MM-DD (default today), bad ratings' own"
                 " words included")
async def list_ratings(call: Call) -> dict[str, Any]:
    days = day_range(call)
    return {**days.public(), "ratings": await call.services.ratings.between(call.hall_id, days.first, days.last)}
