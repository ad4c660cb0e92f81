"""The centre's reports (周公示, 月通报, 季评比) as JSON, CSV and XLSX, and the assessment's entries
(docs/reports.md)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import quote

from aiohttp import web

from server.api.endpoint import Api, Call, Query, dumps
from server.api.schemas import AssessmentEntryBody
from server.auth import Access, Principal
from server.reports.entries import NewEntry
from server.reports.tables import CSV_TYPE, XLSX_TYPE, Table, csv_bytes, xlsx_bytes

api = Api("reports")
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}  # the same for every caller; a lobby screen polls it


class Report(Protocol):
    def public(self) -> dict[str, Any]: ...

    def tables(self) -> list[Table]: ...


_HALLS = {"hall": Query("the hall to act in, for a manager of several (default: their own)"),
          "halls": Query("halls to cover, comma-separated, for a manager of several (default: the one acted in)")}
_SHAPES = {"weekly": "YYYY-Www (default: last week)", "monthly": "YYYY-MM (default: this month)",
           "quarterly": "YYYY-Qn (default: this quarter)"}
_WHAT = {"weekly": "周公示: windows and units ranked by satisfaction, handling time against their services'"
                   " typical time, and waiting",
         "monthly": "月通报: per window and unit services, waiting and handling, 好差评 and 差评整改, summons,"
                    " attendance and the 100-point assessment, ranked, with 红旗窗口, 优秀服务标兵, the bottom"
                    " three and accountability",
         "quarterly": "季评比: the quarter's ranking from its months' points"}
_DOWNLOADS = {"csv": (CSV_TYPE + "; charset=utf-8", csv_bytes), "xlsx": (XLSX_TYPE, xlsx_bytes)}


def download(report: Report, name: str, kind: str, headers: dict[str, str] | None = None) -> web.Response:
    """The report's tables as a file named after the report and its period."""
    content_type, render = _DOWNLOADS[kind]
    filename = f"{name}-{report.public()['period']}.{kind}"
    return web.Response(body=render(report.tables()), headers={
        "Content-Type": content_type, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        **(headers or {})})


def with_tables(report: Report) -> dict[str, Any]:
    """The report and its tables as the page shows them: the cells of the downloads."""
    return {**report.public(), "tables": [t.public() for t in report.tables()]}


Fetch = Callable[[Call], Awaitable[Report]]


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


def _file(fetch: Fetch, name: str, kind: str) -> Callable[[Call], Awaitable[web.Response]]:
    async def as_file(call: Call) -> web.Response:
        return download(await fetch(call), name, kind)
    return as_file


def _routes(name: str, fetch: Fetch) -> None:
    """The report as JSON, CSV and XLSX."""
    query = {**_HALLS, "period": Query(_SHAPES[name])}

    async def as_json(call: Call) -> dict[str, Any]:
        return with_tables(await fetch(call))

    api.get(f"/api/v1/reports/{name}", access=Access.MANAGER, query=query, summary=_WHAT[name])(as_json)
    for kind, (content_type, _) in _DOWNLOADS.items():
        api.get(f"/api/v1/reports/{name}.{kind}", access=Access.MANAGER, query=query,
                media_type=content_type.split(";")[0],
                summary=f"{_WHAT[name].split(':')[0]} as {kind.upper()}: a table a sheet, Chinese headers"
                )(_file(fetch, name, kind))


_routes("weekly", lambda call: call.services.reports.weekly(_principal(call), call.query("halls"),
                                                            call.query("period")))
_routes("monthly", lambda call: call.services.reports.monthly(_principal(call), call.query("halls"),
                                                              call.query("period")))
_routes("quarterly", lambda call: call.services.reports.quarterly(_principal(call), call.query("halls"),
                                                                  call.query("period")))

_PUBLIC = {"hall": Query("the hall (required where the server runs several)"),
           "period": Query(_SHAPES["weekly"])}


@api.get("/api/v1/public/reports/weekly", access=Access.PUBLIC, query=_PUBLIC,
         summary="周公示 of one hall for its lobby screen and website: windows and units only, nothing personal")
async def public_weekly(call: Call) -> web.Response:
    report = await call.services.reports.public_weekly(call.query("hall"), call.query("period"))
    return web.json_response(with_tables(report), headers=PUBLIC_CACHE, dumps=dumps)


@api.get("/api/v1/public/reports/weekly.csv", access=Access.PUBLIC, query=_PUBLIC, media_type=CSV_TYPE,
         summary="周公示 of one hall as CSV")
async def public_weekly_csv(call: Call) -> web.Response:
    report = await call.services.reports.public_weekly(call.query("hall"), call.query("period"))
    return download(report, "weekly", "csv", PUBLIC_CACHE)


@api.post("/api/v1/assessment/entries", access=Access.MANAGER, body=AssessmentEntryBody, status=201,
          summary="Enter a part of a window's monthly assessment (points off leadership, hygiene, IT discipline;"
                  " a count of complaints, praise, banners …), with who entered it; a correction is a new entry")
async def add_entry(call: Call[AssessmentEntryBody]) -> dict[str, Any]:
    body = call.body
    entry = NewEntry(body.window, body.month, body.category, body.amount, body.note, body.corrects)
    return {"entry": await call.services.assessment.add(_principal(call), entry)}


@api.get("/api/v1/assessment/entries", access=Access.MANAGER,
         query={**_HALLS, "month": Query("YYYY-MM (default: this month)")},
         summary="The assessment entries of a month, oldest first, with who entered each and when")
async def list_entries(call: Call) -> dict[str, Any]:
    return {"entries": await call.services.assessment.listed(_principal(call), call.query("halls"),
                                                             call.query("month"))}
