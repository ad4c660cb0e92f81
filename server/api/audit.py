"""The audit trail, for the hall's managers."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from server.api.endpoint import Api, Call, Query
from server.auth import Access

api = Api("audit")

AuditLimit = Annotated[int, Field(ge=1, le=1000)]


@api.get("/api/v1/audit", access=Access.MANAGER,
         query={"limit": Query("entries, newest first (1-1000, default 100)", AuditLimit)},
         summary="The latest audit entries: sign-ins and their failures, lockouts, unlocks, sign-outs, take-overs")
async def recent(call: Call) -> dict[str, Any]:
    limit = call.query("limit")
    return {"entries": await call.services.audit.recent(call.hall_id, 100 if limit is None else limit)}
