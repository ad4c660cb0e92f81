"""The audit query (全程留痕) for the hall's managers: as JSON pages, and as one CSV export."""
from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from server import inputs
from server.api.endpoint import Api, Call, Query
from server.audit_query import Filter
from server.auth import Access

api = Api("audit")

AuditLimit = Annotated[int, Field(ge=1, le=1000)]

FILTERS = {
    "from": Query("entries at or after this moment, with its UTC offset (2026-11-23T08:00:00+08:00)",
                  inputs.HallTime),
    "to": Query("entries before this moment, with its UTC offset", inputs.HallTime),
    "staff": Query("a staff id: what they did, and what was done to their account (sign-ins, take-overs)"),
    "window": Query("a window number", inputs.Int64Id),
    "ticket": Query("a ticket id", inputs.Int64Id),
    "kind": Query("event kinds (ticket.called …) or audit actions (sign_in, take_over …), comma-separated"),
    "outcome": Query("ok, bad_credentials, throttled or locked (events are all ok)"),
}


def _filter(call: Call) -> Filter:
    return Filter.parse(since=call.query("from"), until=call.query("to"), staff=call.query("staff"),
                        window=call.query("window"), ticket=call.query("ticket"), kinds=call.query("kind"),
                        outcome=call.query("outcome"))


@api.get("/api/v1/audit", access=Access.MANAGER, query={
    **FILTERS,
    "cursor": Query("the `next` of the page before: the page after it"),
    "limit": Query("entries, newest first (1-1000, default 100)", AuditLimit),
}, summary="The audit query (全程留痕): the hall's events and audit trail together, newest first, by time, staff,"
           " window, ticket, kind and outcome; pages follow `next` (a cursor, stable while entries are added)")
async def audit_page(call: Call) -> dict[str, Any]:
    limit = call.query("limit")
    return await call.services.audit_query.page(call.hall_id, _filter(call), call.query("cursor"),
                                                100 if limit is None else limit)


@api.get("/api/v1/audit.csv", access=Access.MANAGER, query=FILTERS, media_type="text/csv",
         summary="The same audit query as one CSV file (UTF-8, Chinese headers), streamed newest first")
async def audit_csv(call: Call) -> web.StreamResponse:
    query = _filter(call)  # refused before the answer starts
    chunks = call.services.audit_query.csv(call.hall_id, query)
    first = await anext(chunks)
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="audit-{call.hall_id}.csv"'})
    await response.prepare(call.request)
    await response.write("\ufeff".encode())  # spreadsheets read UTF-8 by its byte order mark
    await response.write(first.encode())
    async for chunk in chunks:
        await response.write(chunk.encode())
    await response.write_eof()
    return response
