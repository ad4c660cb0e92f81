"""SQL for the audit trail (append-only) and the audit query over it and the event log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from server.events import Kind


async def append(con: asyncpg.Connection, *, at: datetime, hall: str, actor: str | None, action: str,
                 subject: str | None, address: str | None, outcome: str, detail: str | None,
                 counterpart: str | None = None) -> None:
    await con.execute(
        "INSERT INTO audit_log (at, hall, actor, action, subject, address, outcome, detail, counterpart)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        at, hall, actor, action, subject, address, outcome, detail, counterpart,
    )


@dataclass(frozen=True)
class Where:
    """What the audit query asks of its rows; None (or empty) asks nothing."""

    hall: str
    since: datetime | None = None  # at >= since
    until: datetime | None = None  # at < until
    staff: str | None = None
    window: int | None = None
    ticket: int | None = None
    event_kinds: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    outcome: str | None = None
    events: bool = True  # whether event rows can match at all
    audit: bool = True  # whether audit rows can match at all


# What the page shows of an event beside its columns: never its whole payload (a card read's
# secret, a ticket's link), only these fields.
_EVENT_DETAIL = ("jsonb_strip_nulls(jsonb_build_object('from_window', payload->'from_window',"
                 " 'from_service', payload->'from_service', 'reason', payload->'reason',"
                 " 'taken_from', payload->'taken_from', 'device', payload->'device', 'error', payload->'error',"
                 " 'channel', payload->'rating'->'channel'))")
# A rating's staff_id is the clerk it rates: whom it is about, not who did it (the citizen).
_RATED = f"kind = '{Kind.RATING_GIVEN.value}'"
_EVENT_ROWS = (
    f"SELECT 1 AS source, seq AS id, at, kind, 'ok' AS outcome, CASE WHEN {_RATED} THEN NULL ELSE staff_id END"
    f" AS actor, CASE WHEN {_RATED} THEN staff_id END AS subject,"
    " NULL::text AS counterpart, window_no, ticket_id, payload->'ticket'->>'number' AS ticket_number,"
    " payload->'ticket'->>'service' AS service, NULL::text AS address, " + _EVENT_DETAIL + "::text AS detail"
    " FROM events"
)
_AUDIT_ROWS = (
    "SELECT 0 AS source, id, at, action AS kind, outcome, actor, subject, counterpart, NULL::integer AS window_no,"
    " NULL::bigint AS ticket_id, NULL::text AS ticket_number, NULL::text AS service, address, detail"
    " FROM audit_log"
)


class _Params:
    def __init__(self) -> None:
        self.values: list[object] = []

    def __call__(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _time(where: Where, p: _Params, after: tuple[datetime, int] | None, id_column: str) -> list[str]:
    """The hall, the time range and the cursor: `(at, id) < after`, the key both indexes end in."""
    found = [f"hall = {p(where.hall)}"]
    if after is not None:
        found.append(f"(at, {id_column}) < ({p(after[0])}, {p(after[1])})")
    if where.since is not None:
        found.append(f"at >= {p(where.since)}")
    if where.until is not None:
        found.append(f"at < {p(where.until)}")
    return found


def _equal(p: _Params, pairs: tuple[tuple[str, object], ...]) -> list[str]:
    """`column = value` for each pair whose value is asked (not None)."""
    return [f"{column} = {p(value)}" for column, value in pairs if value is not None]


def _any(p: _Params, column: str, values: tuple[str, ...]) -> list[str]:
    return [f"{column} = ANY({p(list(values))}::text[])"] if values else []


def _event_query(where: Where, p: _Params, after: tuple[datetime, int] | None, limit: int) -> str:
    found = [*_time(where, p, after, "seq"),
             *_equal(p, (("staff_id", where.staff), ("window_no", where.window), ("ticket_id", where.ticket))),
             *_any(p, "kind", where.event_kinds)]
    return f"({_EVENT_ROWS} WHERE {' AND '.join(found)} ORDER BY at DESC, seq DESC LIMIT {p(limit)})"


def _audit_query(where: Where, p: _Params, after: tuple[datetime, int] | None, limit: int) -> str:
    found = _time(where, p, after, "id")
    if where.staff is not None:  # who did it, or whom it was about: a failed sign-in, a take-over from them
        staff = p(where.staff)
        found.append(f"(actor = {staff} OR subject = {staff} OR counterpart = {staff})")
    window = None if where.window is None else f"window:{where.window}"
    ticket = None if where.ticket is None else f"ticket:{where.ticket}"
    found += [*_equal(p, (("subject", window), ("subject", ticket), ("outcome", where.outcome))),
              *_any(p, "action", where.actions)]
    return f"({_AUDIT_ROWS} WHERE {' AND '.join(found)} ORDER BY at DESC, id DESC LIMIT {p(limit)})"


Cursor = tuple[datetime, int, int]  # (at, source, id) of the last row a page gave
_NO_ID_YET = 2**63 - 1  # above every id: all of a table's rows at the cursor's moment are still to come


async def page(con: asyncpg.Connection, where: Where, after: Cursor | None, limit: int) -> list[asyncpg.Record]:
    """Up to `limit` rows of both tables, newest first, ordered by (at, source, id) and before `after`
    (from the newest when None).

    Each table is read from its own index range, a limit of its own, then merged. The cursor's
    source decides the id that bounds each table at the cursor's very moment: an event (source 1)
    comes before an audit row (0) of the same moment, so at that moment every audit row is still
    to come after an event, and no event after an audit row.
    """
    p = _Params()
    parts = []
    if where.events:
        bound = None if after is None else (after[0], after[2] if after[1] == 1 else 0)
        parts.append(_event_query(where, p, bound, limit))
    if where.audit:
        bound = None if after is None else (after[0], after[2] if after[1] == 0 else _NO_ID_YET)
        parts.append(_audit_query(where, p, bound, limit))
    if not parts:
        return []
    return await con.fetch(f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS found"
                           f" ORDER BY at DESC, source DESC, id DESC LIMIT {p(limit)}", *p.values)

