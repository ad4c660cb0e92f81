"""Retention: a hall's tickets, stays and events older than its `[retention] days` move to the
`archive` table (their rows as JSON), one transaction per batch, by `hallq archive`.

- Tickets of business days before the cut that nothing can happen to any more (done, no-show,
  cancelled, unserved; none still at a window) move with their stays.
- Events move from the oldest on, up to the last one timed before the cut's midnight, so what
  stays live is one unbroken run of seqs: a screen resuming from an archived seq gets a snapshot.
  The append-only trigger lets only this module's transactions delete, and nothing may update.
- Ratings, follow-ups, summons, bookings and print jobs stay live and keep the ticket's id.
The cut is never closer than a year and a month (config.MIN_RETENTION_DAYS), so every report and
the yearly accountability rule read only live rows; archived periods are answered from the
archive table by SQL, not by the API.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import asyncpg

from server.clock import Clock, SystemClock
from server.context import HallContext
from server.hall import Hall
from server.store import archive as store
from server.store.migrate import migrate

BATCH = 2000  # rows per transaction: short locks, and a crash loses at most one batch's work (then redone)


@dataclass(frozen=True)
class Archived:
    hall: str
    before: str  # the first business day kept live
    tickets: int = 0
    servings: int = 0
    events: int = 0


async def archive_hall(ctx: HallContext, hall: Hall, batch: int = BATCH) -> Archived | None:
    """Archive what the hall's retention lets go of; None when the hall keeps everything."""
    if hall.retention_days is None:
        return None
    now = ctx.clock.now()
    first_kept = ctx.today(hall, now) - timedelta(days=hall.retention_days)
    tickets = servings = events = 0
    while True:
        async with ctx.transaction() as con:
            ids = await store.final_tickets(con, hall.id, first_kept, batch)
            servings += await store.move_tickets(con, ids, now) if ids else 0
        tickets += len(ids)
        if len(ids) < batch:
            break
    async with ctx.pool.acquire() as con:
        span = await store.event_range(con, hall.id, datetime.combine(first_kept, time(), hall.timezone))
    first, last = span or (1, 0)
    while first <= last:  # oldest first: a crash between batches leaves the live events one run still
        upto = min(last, first + batch - 1)
        async with ctx.transaction() as con:
            events += await store.move_events(con, hall.id, first, upto, hall.timezone.key, now)
        first = upto + 1
    return Archived(hall.id, first_kept.isoformat(), tickets, servings, events)


ARCHIVE_STATEMENT_TIMEOUT_MS = 600_000  # a batch job: finding a hall's cut reads all its events


async def archive_all(url: str, halls: dict[str, Hall], clock: Clock | None = None) -> list[str]:
    """`hallq archive`: every hall's retention applied, on a database migrated first; a line per hall."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2, server_settings={
        "statement_timeout": str(ARCHIVE_STATEMENT_TIMEOUT_MS)})
    try:
        async with pool.acquire() as con:
            await migrate(con)
        ctx = HallContext(pool, halls, clock or SystemClock(), identity_key=b"")  # no ID number is read here
        lines = []
        for hall in halls.values():
            done = await archive_hall(ctx, hall)
            lines.append(f"{hall.id}: keeps everything ([retention] days not set)" if done is None else
                         f"{hall.id}: archived {done.tickets} tickets, {done.servings} stays and {done.events}"
                         f" events of the days before {done.before}")
        return lines
    finally:
        await pool.close()
