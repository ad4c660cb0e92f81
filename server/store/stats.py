"""SQL for waiting and handling statistics, read from the stays at windows (servings).

All durations are seconds as double precision; averages and percentiles are
NULL where a group has nothing to measure.
"""
from __future__ import annotations

from datetime import date

import asyncpg

# The column a report groups stays by; the keys are the only groupings there are.
GROUP_COLUMNS = {"window": "window_no", "staff": "staff_id", "service": "service", "zone": "zone"}


async def servings_by(con: asyncpg.Connection, hall: str, first: date, last: date, by: str) -> list[asyncpg.Record]:
    """Counts and timings of the stays of business days first..last, one row per group.

    waiting = queued_at -> called_at, for every stay (whatever its outcome);
    walk-up = called_at -> started_at, for stays that started;
    handling = started_at -> ended_at, for stays that started and ended done or transferred.
    """
    column = GROUP_COLUMNS[by]
    return await con.fetch(
        f"SELECT {column}::text AS key,"
        " count(*) FILTER (WHERE outcome = 'done') AS served,"
        " count(*) FILTER (WHERE outcome = 'transferred') AS transferred,"
        " count(*) FILTER (WHERE outcome = 'no_show') AS no_shows,"
        " avg(waiting) AS waiting_mean,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY waiting) AS waiting_p90,"
        " avg(handling) AS handling_mean,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY handling) AS handling_p90,"
        " avg(walk_up) AS walk_up_mean"
        " FROM (SELECT *,"
        "   extract(epoch FROM called_at - queued_at)::float8 AS waiting,"
        "   extract(epoch FROM started_at - called_at)::float8 AS walk_up,"
        "   CASE WHEN outcome IN ('done', 'transferred')"
        "     THEN extract(epoch FROM ended_at - started_at)::float8 END AS handling"
        "   FROM servings WHERE hall = $1 AND day BETWEEN $2 AND $3) AS stays"
        f" GROUP BY {column} ORDER BY {column}",
        hall, first, last,
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
