"""The hall's live state in one read: what a screen needs when it (re)starts
or falls too far behind to replay events."""
from __future__ import annotations

from typing import Any

import asyncpg

from server.context import HallContext
from server.estimates import estimated_wait_minutes
from server.hall import Hall
from server.issuing import windows_serving
from server.store import events, tickets, windows

RECENT_CALLS = 20


async def hall_snapshot(ctx: HallContext, hall: Hall) -> dict[str, Any]:
    """State and the seq it is consistent with, read in one snapshot transaction."""
    async with ctx.pool.acquire() as con:
        async with con.transaction(isolation="repeatable_read", readonly=True):
            seq = await events.last_seq(con, hall.id)
            states = await windows.list_all(con, hall.id)
            current = {t.id: t.public() for t in await tickets.by_ids(
                con, hall.id, [s.current_ticket for s in states if s.current_ticket is not None])}
            queues = await queue_summary(con, ctx, hall)
            calls = await events.recent(con, hall.id, ["ticket.called", "ticket.recalled"], RECENT_CALLS)
    return {
        "seq": seq,
        # Each window with the ticket it is calling or serving, so a sign shows it after a restart.
        "windows": [{**s.public(), "ticket": current.get(s.current_ticket)} for s in states],
        "queues": queues,
        "recent_calls": [e.message() for e in calls],
    }


async def queue_summary(con: asyncpg.Connection, ctx: HallContext, hall: Hall) -> dict[str, Any]:
    """Waiting count, oldest wait and a rough wait estimate per service and per zone."""
    now = ctx.clock.now()
    rows = {r["service"]: r for r in await tickets.waiting_counts(con, hall.id, ctx.today(hall, now))}
    states = {s.number: s.state.value for s in await windows.list_all(con, hall.id)}
    services = []
    zones: dict[str, dict[str, Any]] = {
        z.code: {"zone": z.code, "waiting": 0, "open_windows": 0, "estimated_wait_minutes": 0} for z in hall.zones
    }
    for service in hall.services:
        row = rows.get(service.code)
        waiting = row["waiting"] if row else 0
        serving = windows_serving(hall, service.code)
        open_count = sum(1 for n in serving if states.get(n) == "open")
        estimate = estimated_wait_minutes(waiting, service.typical_minutes, open_count or len(serving))
        services.append({
            "service": service.code, "zone": service.zone, "waiting": waiting, "open_windows": open_count,
            "longest_wait_seconds": int((now - row["oldest"]).total_seconds()) if row else 0,
            "estimated_wait_minutes": estimate,
        })
        zone = zones[service.zone]
        zone["waiting"] += waiting
        zone["estimated_wait_minutes"] = max(zone["estimated_wait_minutes"], estimate)
    for window in hall.windows:
        if window.zone and states.get(window.number) == "open":
            zones[window.zone]["open_windows"] += 1
    return {"services": services, "zones": list(zones.values())}
