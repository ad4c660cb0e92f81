"""Liveness and readiness for load balancers and scripts.

Liveness needs no database, so a hall whose PostgreSQL is away still shows the
process is up; readiness asks the database now.
"""
from __future__ import annotations

from typing import Any

from server.context import HallContext
from server.errors import DatabaseUnavailable
from server.hub import Hub


def report(ctx: HallContext, hub: Hub) -> dict[str, Any]:
    halls = [{"id": h.id, "name": h.name, "zones": len(h.zones), "windows": len(h.windows),
              "event_seq": hub.last_seq(h.id)} for h in ctx.halls.values()]
    return {"ok": True, "halls": halls, "api": "/api/v1/openapi.json"}


async def ready(hub: Hub) -> dict[str, Any]:
    if not await hub.health.ready():
        raise DatabaseUnavailable()
    return {"ok": True, "database": "ok"}
