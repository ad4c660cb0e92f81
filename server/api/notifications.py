"""The hall's notifications to citizens and their delivery, for its managers."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from server.api.endpoint import Api, Call, Query
from server.auth import Access
from server.inputs import Int64Id

api = Api("notifications")

NotificationLimit = Annotated[int, Field(ge=1, le=500)]
DeliveryStatus = Literal["pending", "delivered", "failed"]


@api.get("/api/v1/notifications", access=Access.MANAGER,
         query={"status": Query("only notifications in this state: pending, delivered or failed", DeliveryStatus),
                "before": Query("only those older than this id (the next page)", Int64Id),
                "limit": Query("notifications, newest first (1-500, default 100)", NotificationLimit)},
         summary="SMS / WeChat notifications to citizens: delivery state, attempts and the last failure")
async def listing(call: Call) -> dict[str, Any]:
    limit = call.query("limit")
    return await call.services.outbox.listing(call.hall_id, call.query("status"), call.query("before"),
                                              100 if limit is None else limit)
