"""Liveness for load balancers and scripts: the database answers, the listener runs."""
from __future__ import annotations

from typing import Any

from server.context import HallContext
from server.hub import Hub


async def report(ctx: HallContext, hub: Hub) -> dict[str, Any]:
    async with ctx.pool.acquire() as con:
        await con.fetchval("SELECT 1")
    halls = [{"id": h.id, "name": h.name, "zones": len(h.zones), "windows": len(h.windows),
              "event_seq": hub.last_seq(h.id)} for h in ctx.halls.values()]
    return {"ok": True, "halls": halls, "api": "/api/v1/openapi.json"}
