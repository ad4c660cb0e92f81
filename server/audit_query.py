"""The audit query (全程留痕): who did what, when, at which window, to which ticket.

The event log (every ticket step and window duty change) and the audit trail
(sign-ins and their failures, lockouts, take-overs, follow-up entries, and
whatever else is audited) are read together, newest first, by window, staff
member, ticket, kind (an event kind or an audit action), outcome and time.

Pages continue from a cursor, the (time, source, id) of the last entry given,
never an offset: both tables only grow, so an entry is never given twice and
none is skipped however many are added meanwhile (those newer than the first
page belong to a new query). The CSV export runs the same query page by page
and streams each as it comes. Nothing personal is given in clear: an event
shows only its ticket number, service and a few named fields of its payload,
and free text has ID and mobile numbers masked (server.redaction).
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from server import inputs
from server.audit import Action, Outcome
from server.context import HallContext
from server.errors import Unprocessable
from server.events import Kind
from server.hall import Hall
from server.redaction import redacted
from server.store import audit as store

EVENT_KINDS = frozenset(k.value for k in Kind)
ACTIONS = frozenset(a.value for a in Action)
OUTCOMES = frozenset(o.value for o in Outcome)
SOURCES = {1: "event", 0: "audit"}
EXPORT_PAGE = 500  # entries per query while streaming the CSV

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CURSOR = re.compile(r"^(\d{1,17})-([01])-(\d{1,19})$")
_NOT_A_CURSOR = "not a cursor this query gave (use the answer's `next` as it is)"
_SUBJECT = re.compile(r"^(window|ticket):(\d+)$")

# The CSV's columns: the JSON entry's keys with their Chinese headers, in order.
COLUMNS = (("at", "时间"), ("source", "来源"), ("id", "编号"), ("kind", "类别"), ("outcome", "结果"),
           ("actor", "操作人"), ("subject", "对象"), ("counterpart", "相关人员"), ("window", "窗口"),
           ("ticket_id", "票据编号"), ("ticket_number", "票号"), ("service", "事项"), ("address", "地址"),
           ("detail", "详情"))


def _invalid(field: str, problem: str) -> Unprocessable:
    return Unprocessable(f"参数 {field} 有误 ({field}: {problem})", code="invalid")


@dataclass(frozen=True)
class Filter:
    """What a manager asks the trail for; every field optional."""

    since: datetime | None = None
    until: datetime | None = None
    staff: str | None = None
    window: int | None = None
    ticket: int | None = None
    kinds: tuple[str, ...] = ()
    outcome: str | None = None

    @classmethod
    def parse(cls, *, since: datetime | None, until: datetime | None, staff: str | None, window: int | None,
              ticket: int | None, kinds: str | None, outcome: str | None) -> Filter:
        """The filter from typed query parameters; a value that names nothing is refused, naming its field."""
        if since is not None and until is not None and until <= since:
            raise _invalid("to", f"must be after from ({since.isoformat()})")
        wanted = tuple(k.strip() for k in (kinds or "").split(",") if k.strip())
        for kind in wanted:
            if kind not in EVENT_KINDS | ACTIONS:
                raise _invalid("kind", f"unknown kind {kind!r}: an event kind (ticket.called …) or an audit action"
                                       f" ({', '.join(sorted(ACTIONS))})")
        if outcome is not None and outcome not in OUTCOMES:
            raise _invalid("outcome", f"unknown outcome {outcome!r} (one of {', '.join(sorted(OUTCOMES))})")
        return cls(since, until, staff or None, window, ticket, wanted, outcome)

    def where(self, hall: str) -> store.Where:
        event_kinds = tuple(k for k in self.kinds if k in EVENT_KINDS)
        actions = tuple(k for k in self.kinds if k in ACTIONS)
        return store.Where(
            hall=hall, since=self.since, until=self.until, staff=self.staff, window=self.window, ticket=self.ticket,
            event_kinds=event_kinds, actions=actions, outcome=self.outcome,
            # an event's outcome is ok: it is only written when its action commits
            events=(not self.kinds or bool(event_kinds)) and self.outcome in (None, Outcome.OK.value),
            audit=not self.kinds or bool(actions),
        )


def parse_cursor(raw: str | None) -> store.Cursor | None:
    if raw is None:
        return None
    found = _CURSOR.match(raw)
    if not found:
        raise _invalid("cursor", _NOT_A_CURSOR)
    micros, source, entry_id = (int(g) for g in found.groups())
    at = _EPOCH + micros * _MICROSECOND  # 17 digits stay below datetime's year 9999
    if not (inputs.EARLIEST <= at <= inputs.LATEST and entry_id <= inputs.INT64_MAX):
        raise _invalid("cursor", _NOT_A_CURSOR)
    return at, source, entry_id


def cursor_of(row: asyncpg.Record) -> str:
    return f"{(row['at'] - _EPOCH) // _MICROSECOND}-{row['source']}-{row['id']}"


def _event_detail(raw: str | None) -> str | None:
    fields = json.loads(raw) if raw else {}
    return " ".join(f"{k}={v}" for k, v in fields.items()) or None


def entry(hall: Hall, row: asyncpg.Record) -> dict[str, Any]:
    """One row as the API and the CSV give it: times on the hall's clock, free text masked."""
    event = row["source"] == 1
    window, ticket = row["window_no"], row["ticket_id"]
    subject = _SUBJECT.match(row["subject"] or "")
    if subject:  # an audit row about a window or a ticket: in those columns too
        window = int(subject[2]) if subject[1] == "window" else window
        ticket = int(subject[2]) if subject[1] == "ticket" else ticket
    return {
        "at": hall.local(row["at"]).isoformat(), "source": SOURCES[row["source"]], "id": row["id"],
        "kind": row["kind"], "outcome": row["outcome"], "actor": row["actor"], "subject": row["subject"],
        "counterpart": row["counterpart"], "window": window, "ticket_id": ticket,
        "ticket_number": row["ticket_number"], "service": row["service"], "address": row["address"],
        "detail": _event_detail(row["detail"]) if event else redacted(row["detail"]),
    }


class AuditQuery:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    async def page(self, hall_id: str, query: Filter, cursor: str | None, limit: int) -> dict[str, Any]:
        """One page, newest first, and the cursor of the next (None: this was the last)."""
        hall = self.ctx.hall(hall_id)
        rows, after = await self._rows(hall, query, parse_cursor(cursor), limit)
        return {"entries": [entry(hall, r) for r in rows], "next": after}

    async def csv(self, hall_id: str, query: Filter) -> AsyncIterator[str]:
        """The whole query as CSV text, a page at a time: the header first, then the entries newest first."""
        hall = self.ctx.hall(hall_id)
        after = None
        chunk = _csv_lines([[header for _, header in COLUMNS]])
        while True:
            rows, more = await self._rows(hall, query, parse_cursor(after), EXPORT_PAGE)
            yield chunk + _csv_lines([[_cell(entry(hall, r)[key]) for key, _ in COLUMNS] for r in rows])
            if more is None:
                return
            after, chunk = more, ""

    async def _rows(self, hall: Hall, query: Filter, after: store.Cursor | None,
                    limit: int) -> tuple[list[asyncpg.Record], str | None]:
        async with self.ctx.pool.acquire() as con:
            rows = await store.page(con, query.where(hall.id), after, limit + 1)
        if len(rows) <= limit:
            return rows, None
        return rows[:limit], cursor_of(rows[limit - 1])


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would take for a formula is kept as text."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _csv_lines(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()
