"""人员配置建议 for managers: the windows each zone needs per hour (see server/staffing_advice.py)."""
from __future__ import annotations

from typing import Any

from server import stats
from server.api.answers import StaffingAnswer
from server.api.endpoint import Api, Call, Query
from server.auth import Access
from server.staffing_advice import DAYS_AHEAD, DAYS_BACK, TargetMinutes, TargetShare

api = Api("staffing")


@api.get("/api/v1/staffing", access=Access.MANAGER, answer=StaffingAnswer,
         errors={503: "still_working: the advice takes seconds to work out; ask again after Retry-After"},
         query={"day": Query(f"business day, YYYY-MM-DD, within {DAYS_BACK} days before and {DAYS_AHEAD} after today",
                             schema={"format": "date"}, required=True),
                "target_share": Query("share of a zone's arrivals in an hour to call in time, 0-1 (default: the"
                                      " hall file's [staffing] target_share)", kind=TargetShare),
                "target_minutes": Query("minutes within which to call them, 1-240 (default: target_minutes)",
                                        kind=TargetMinutes),
                "hall": Query("the hall, for a manager of several halls (default: their own)")},
         summary="人员配置建议: per zone and hour the windows needed to call the target share of its arrivals"
                 " within the target minutes, beside the windows open or rostered,"
                 " ?day=YYYY-MM-DD&target_share=0.9&target_minutes=20")
async def get_staffing(call: Call) -> dict[str, Any]:
    day = stats.parse_day("day", call.query("day"))
    return await call.services.staffing.advice(call.hall_id, day, call.query("target_share"),
                                               call.query("target_minutes"))
