"""The audit trail, for the hall's managers."""
from __future__ import annotations

from typing import Any

from server.api.endpoint import Api, Call
from server.auth import Access
from server.errors import Unprocessable

api = Api("audit")


@api.get("/api/v1/audit", access=Access.MANAGER, query={"limit": "entries, newest first (1-1000, default 100)"},
         summary="The latest audit entries: sign-ins and their failures, lockouts, unlocks, sign-outs, take-overs")
async def recent(call: Call) -> dict[str, Any]:
    raw = call.query("limit", "100") or "100"
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise Unprocessable("limit: a whole number from 1 to 1000")
    return {"entries": await call.services.audit.recent(call.hall_id, int(raw))}
