"""The central view over every hall in a manager's scope."""
from __future__ import annotations

from typing import Any

from server.api.endpoint import Api, Call
from server.auth import Access

api = Api("central")


@api.get("/api/v1/central", access=Access.MANAGER,
         summary="Every hall in the caller's scope (their own, then their further halls): waiting, longest wait,"
                 " windows open, unattended zones, device alarms, and today's services and satisfaction")
async def overview(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    return await call.services.central.overview(call.principal)
