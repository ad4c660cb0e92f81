"""SQL for waiting and handling statistics, read from the stays at windows (servings).

All durations are seconds as double precision; averages and percentiles are
NULL where a group has nothing to measure.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import asyncpg

from server.model import RatingLevel

# The column a report groups stays by; the keys are the only groupings there are.
GROUP_COLUMNS = {"window": "window_no", "staff": "staff_id", "service": "service", "zone": "zone",
                 "department": "department", "hall": "hall"}
RATING_LEVELS = tuple(level.value for level in RatingLevel)


async def servings_by(con: asyncpg.Connection, hall: str, first: date, last: date, by: str,
                      departments: Mapping[str, str], now: datetime) -> list[asyncpg.Record]:
    """Counts, timings and ratings of the stays of business days first..last, one row per group.

    waiting = queued_at -> called_at, for every stay (whatever its outcome);
    walk-up = called_at -> started_at, for stays that started;
    handling = started_at -> ended_at, for stays that started and ended done or transferred;
    ratings: a stay's rating, if it has one (only stays ended done have); score 4-5 satisfied, 1-2 bad;
    `level_<level>` counts each level.
    follow-ups: a bad rating's case is due once closed or past its due_at at `now`; on time when closed before it.
    A stay's department is its rating's (the service's when it was rated), else the one `departments`
    gives its service now.
    """
    column = GROUP_COLUMNS[by]
    levels = "".join(f", count(*) FILTER (WHERE level = '{level}') AS level_{level}" for level in RATING_LEVELS)
    return await con.fetch(
        f"SELECT {column}::text AS key,"
        " count(*) FILTER (WHERE outcome = 'done') AS served,"
        " count(*) FILTER (WHERE outcome = 'transferred') AS transferred,"
        " count(*) FILTER (WHERE outcome = 'no_show') AS no_shows,"
        " avg(waiting) AS waiting_mean,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY waiting) AS waiting_p90,"
        " avg(handling) AS handling_mean,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY handling) AS handling_p90,"
        " avg(walk_up) AS walk_up_mean,"
        " count(level) AS rated,"
        " count(*) FILTER (WHERE score >= 4) AS satisfied,"
        f" count(*) FILTER (WHERE score <= 2) AS bad{levels},"
        " count(*) FILTER (WHERE closed_at IS NOT NULL OR due_at <= $6) AS cases_due,"
        " count(*) FILTER (WHERE closed_at < due_at) AS cases_on_time"
        " FROM (SELECT s.*, r.level, r.score, coalesce(r.department, d.department, '') AS department,"
        "   f.closed_at, f.due_at,"
        "   extract(epoch FROM s.called_at - s.queued_at)::float8 AS waiting,"
        "   extract(epoch FROM s.started_at - s.called_at)::float8 AS walk_up,"
        "   CASE WHEN s.outcome IN ('done', 'transferred')"
        "     THEN extract(epoch FROM s.ended_at - s.started_at)::float8 END AS handling"
        "   FROM servings AS s LEFT JOIN ratings AS r ON r.serving_id = s.id"
        "   LEFT JOIN follow_ups AS f ON f.rating_id = r.id"
        "   LEFT JOIN unnest($4::text[], $5::text[]) AS d (service, department) ON d.service = s.service"
        "   WHERE s.hall = $1 AND s.day BETWEEN $2 AND $3) AS stays"
        f" GROUP BY {column} ORDER BY {column}",
        hall, first, last, list(departments), list(departments.values()), now,
    )


# The groupings a ticket of its own belongs to; a window or staff member has only the stays it called.
TICKET_GROUP_COLUMNS = {"service": "service", "zone": "zone", "department": "department", "hall": "hall"}


async def tickets_by(con: asyncpg.Connection, hall: str, first: date, last: date, by: str,
                     departments: Mapping[str, str]) -> list[asyncpg.Record]:
    """Tickets issued on business days first..last and those of them left unserved at closing,
    one row per group (its service's department the one `departments` gives it now)."""
    column = TICKET_GROUP_COLUMNS[by]
    return await con.fetch(
        f"SELECT {column}::text AS key, count(*) AS tickets,"
        " count(*) FILTER (WHERE status = 'unserved') AS unserved"
        " FROM (SELECT t.hall, t.service, t.zone, t.status, coalesce(d.department, '') AS department"
        "   FROM tickets AS t"
        "   LEFT JOIN unnest($4::text[], $5::text[]) AS d (service, department) ON d.service = t.service"
        "   WHERE t.hall = $1 AND t.day BETWEEN $2 AND $3) AS issued"
        f" GROUP BY {column} ORDER BY {column}",
        hall, first, last, list(departments), list(departments.values()),
    )


async def ticket_times(con: asyncpg.Connection, ticket_id: int) -> asyncpg.Record:
    """One ticket's waiting, walk-up and handling seconds (NULL until each step happened).

    Handling runs from the first start at any window to the finish, so a
    transferred ticket's handling spans its whole time at the windows.
    """
    return await con.fetchrow(
        "SELECT extract(epoch FROM t.first_called_at - t.issued_at)::float8 AS waiting,"
        " extract(epoch FROM s.first_started - t.first_called_at)::float8 AS walk_up,"
        " extract(epoch FROM t.finished_at - s.first_started)::float8 AS handling"
        " FROM tickets AS t, LATERAL (SELECT min(started_at) AS first_started FROM servings"
        "   WHERE ticket_id = t.id) AS s"
        " WHERE t.id = $1",
        ticket_id,
    )


# The column an estimate accuracy report groups tickets by; the keys are the only groupings there are.
ESTIMATE_GROUP_COLUMNS = {"zone": "zone", "service": "service", "day": "day", "hall": "hall"}


async def estimate_errors_by(con: asyncpg.Connection, hall: str, first: date, last: date, by: str,
                             within_minutes: float) -> list[asyncpg.Record]:
    """How far the wait told at issue was from the wait until the first call, one row per group.

    error = estimated_wait_minutes - (first_called_at - issued_at) in minutes, for the tickets of
    business days first..last that were told an estimate and were called at least once. A ticket's
    zone and service are those of its first stay: the queue the estimate was told for (a transfer
    comes only after a call). `within`: tickets whose |error| is at most `within_minutes`.
    """
    column = ESTIMATE_GROUP_COLUMNS[by]
    return await con.fetch(
        f"SELECT {column}::text AS key, count(*) AS tickets, avg(abs(error)) AS mae, avg(error) AS bias,"
        " count(*) FILTER (WHERE abs(error) <= $4) AS within,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY abs(error)) AS p90_abs"
        " FROM (SELECT t.hall, t.day, s.zone, s.service, t.estimated_wait_minutes"
        "   - extract(epoch FROM t.first_called_at - t.issued_at)::float8 / 60 AS error"
        "   FROM tickets AS t JOIN servings AS s ON s.ticket_id = t.id AND s.called_at = t.first_called_at"
        "   WHERE t.hall = $1 AND t.day BETWEEN $2 AND $3 AND t.estimated_wait_minutes IS NOT NULL"
        "   AND s.hall = $1 AND s.day >= $2) AS told"
        f" GROUP BY {column} ORDER BY {column}",
        hall, first, last, within_minutes,
    )


# Every wait of a business day as (zone, since, until): each stay's wait for its call, the
# waits going on (until NULL) and those a cancel or the close-out ended. Tickets only: no table of samples.
_WAITS = """
    SELECT zone, queued_at AS since, called_at AS until FROM servings WHERE hall = $1 AND day = $2
    UNION ALL
    SELECT t.zone, t.queued_at,
           CASE WHEN t.status <> 'waiting' THEN (SELECT max(e.at) FROM events AS e
                WHERE e.ticket_id = t.id AND e.kind = 'ticket.' || t.status) END
    FROM tickets AS t
    WHERE t.hall = $1 AND t.day = $2 AND (t.status = 'waiting' OR t.status IN ('cancelled', 'unserved') AND NOT EXISTS (
        SELECT 1 FROM servings AS s WHERE s.ticket_id = t.id AND s.called_at >= t.queued_at))
"""


async def waiting_samples(con: asyncpg.Connection, hall: str, day: date,
                          samples: Sequence[datetime]) -> list[asyncpg.Record]:
    """People waiting and the longest wait so far per zone at each moment of `samples`.

    One row per sample and zone that had someone waiting: (at, zone, waiting, longest).
    """
    return await con.fetch(
        f"WITH waits AS ({_WAITS})"
        " SELECT s.at, w.zone, count(*) AS waiting, max(extract(epoch FROM s.at - w.since))::float8 AS longest"
        " FROM unnest($3::timestamptz[]) AS s(at)"
        " JOIN waits AS w ON w.since <= s.at AND (w.until IS NULL OR w.until > s.at)"
        " GROUP BY s.at, w.zone ORDER BY s.at, w.zone",
        hall, day, list(samples),
    )


async def hourly_flow(con: asyncpg.Connection, hall: str, day: date, timezone: str) -> list[asyncpg.Record]:
    """Tickets issued and stays served (ended done) per hour of the hall's clock: (hour, arrivals, served)."""
    return await con.fetch(
        "SELECT hour, count(*) FILTER (WHERE what = 'arrival') AS arrivals,"
        " count(*) FILTER (WHERE what = 'served') AS served FROM ("
        "   SELECT date_part('hour', issued_at AT TIME ZONE $3)::int AS hour, 'arrival' AS what"
        "   FROM tickets WHERE hall = $1 AND day = $2"
        "   UNION ALL"
        "   SELECT date_part('hour', ended_at AT TIME ZONE $3)::int, 'served'"
        "   FROM servings WHERE hall = $1 AND day = $2 AND outcome = 'done') AS flow"
        " GROUP BY hour ORDER BY hour",
        hall, day, timezone,
    )


async def day_span(con: asyncpg.Connection, hall: str, day: date) -> asyncpg.Record:
    """The first issue and the last call or finish of the day's tickets (NULL without tickets)."""
    return await con.fetchrow(
        "SELECT min(issued_at) AS first, max(greatest(issued_at, called_at, finished_at)) AS last"
        " FROM tickets WHERE hall = $1 AND day = $2",
        hall, day,
    )
