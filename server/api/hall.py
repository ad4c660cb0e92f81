"""The hall's layout and live queues, for kiosks, screens and consoles."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server import chinese, health, screens
from server.api.answers import Health, Queues, Readiness
from server.api.endpoint import Api, Call, Query
from server.auth import Access
from server.calendar import HallCalendar
from server.errors import Unprocessable
from server.hall import Hall, Service, Zone
from server.inputs import Day, SafeText
from server.snapshot import hall_snapshot

api = Api("hall")


def _name(item: Zone | Service) -> dict[str, Any]:
    """A zone's or service's name as pages show it: in English when asked, broken only between `words`."""
    return {"name": item.name, "name_en": item.name_en, "words": list(chinese.words(item.name))}


def _findable(service: Service) -> dict[str, Any]:
    """What the kiosk's letter keys find a service by: its full pinyin and its initials."""
    return {"pinyin": chinese.pinyin(service.name), "initials": chinese.initials(service.name)}


def _summoned(hall: Hall, service: Service) -> str | None:
    """The 事进人不进 department the window summons for the service (通知部门), if any."""
    department = hall.summons.for_service(service.code)
    return department.name if department else None


def layout(hall: Hall) -> dict[str, Any]:
    return {
        "id": hall.id,
        "name": hall.name,
        "timezone": hall.timezone.key,  # the hall's hours and clock are in it, wherever the device stands
        "zones": [{"code": z.code, **_name(z), "floor": z.floor, "prefix": z.prefix} for z in hall.zones],
        "services": [{"code": s.code, **_name(s), **_findable(s), "zone": s.zone, "department": s.department,
                      "typical_minutes": s.typical_minutes, "summons": _summoned(hall, s)} for s in hall.services],
        "common": list(hall.common),  # [kiosk] common: a kiosk's own list is in its device settings
        "windows": [{"number": w.number, "floor": w.floor, "zone": w.zone, "universal": w.universal,
                     "posts": list(w.posts), "label": w.label,
                     "services": [r.service for r in w.profile]} for w in hall.windows],
        "notices": list(hall.notices),
        # SMS queue reminders: "前面还有 N 人" at `ahead`, and the call; null when the hall sends none
        "reminders": {"ahead": hall.notifications.ahead} if hall.notifications else None,
        # 老、弱、病、残、军: who may ask for the green channel at the kiosk
        "priority": {"green_groups": list(hall.priority.green_groups),
                     "green_auto_age": hall.priority.green_auto_age},
        # 电子监察: a wait this long gets a yellow card (warning), then a red card (limit exceeded)
        "alarms": {"yellow_wait_minutes": hall.alarms.yellow_wait.total_seconds() / 60,
                   "red_wait_minutes": hall.alarms.red_wait.total_seconds() / 60},
        "hours": {"weekdays": sorted(hall.hours.weekdays), "lunch_service": hall.hours.lunch_service,
                  "sessions": [[s.start.strftime("%H:%M"), s.end.strftime("%H:%M")] for s in hall.hours.sessions]},
    }


def opening(hall: Hall, now: datetime) -> dict[str, Any]:
    """The hall's clock, whether it issues tickets now by its calendar, else when it next does (hall time)."""
    calendar, local = HallCalendar(hall), hall.local(now)
    open_now = calendar.is_open(now)
    upcoming = None if open_now else calendar.next_opening(now)
    return {"at": local.isoformat(), "open_now": open_now, "today": calendar.day(local.date()).json(),
            "next_open": upcoming.isoformat() if upcoming else None}


@api.get("/api/v1/health", access=Access.PUBLIC, answer=Health,
         summary="Liveness for load balancers and scripts: the process answers (no database needed)")
async def get_health(call: Call) -> dict[str, Any]:
    return health.report(call.services.ctx, call.services.hub)


@api.get("/api/v1/ready", access=Access.PUBLIC, answer=Readiness, errors={503: "database_unavailable"},
         summary="Readiness: the database answers now (503 database_unavailable when it does not)")
async def get_ready(call: Call) -> dict[str, Any]:
    return await health.ready(call.services.hub)


@api.get("/api/v1/hall", access=Access.ANY, summary="The caller's hall: zones, services, windows, notices")
async def get_hall(call: Call) -> dict[str, Any]:
    hall = call.services.ctx.hall(call.hall_id)
    return {**layout(hall), **opening(hall, call.services.ctx.clock.now())}


@api.get("/api/v1/queues", access=Access.ANY, answer=Queues,
         summary="Waiting tickets and estimated waits per service and zone (null: no window open to serve it)")
async def get_queues(call: Call) -> dict[str, Any]:
    queue = await call.services.hub.current(call.hall_id)
    return queue.figures(call.services.ctx.clock.now())


@api.get("/api/v1/snapshot", access=Access.ANY,
         summary="Windows, queues and recent calls with the event seq they match")
async def get_snapshot(call: Call) -> dict[str, Any]:
    services = call.services
    hall = services.ctx.hall(call.hall_id)
    return await hall_snapshot(services.ctx, hall, await services.hub.current(hall.id))


@api.get("/api/v1/device", access=Access.ANY,
         summary="The calling device's settings (kind, zones offered or shown, window) and its hall's layout")
async def get_device(call: Call) -> dict[str, Any]:
    hall = call.services.ctx.hall(call.hall_id)
    principal = call.principal
    assert principal is not None
    device = hall.device(principal.id) if principal.kind == "device" else None
    body: dict[str, Any] = {"hall": layout(hall), **opening(hall, call.services.ctx.clock.now()), "device": None}
    if device:
        body["device"] = screens.settings(hall, device)
    return body


CALENDAR_DAYS = 366  # the most days one calendar answer gives
HALL_QUERY = Query("the hall's id (the only hall's when the server has one)", SafeText)


@api.get("/api/v1/calendar", access=Access.PUBLIC,
         query={"hall": HALL_QUERY, "from": Query("first day (default: today)", Day),
                "to": Query(f"last day, at most {CALENDAR_DAYS} days on (default: 6 days after from)", Day)},
         summary="The hall's calendar: each day open or closed and why (weekday, legal holiday, 调休 make-up"
                 " working day, the hall's own closures), its sessions, and when it opens next")
async def get_calendar(call: Call) -> dict[str, Any]:
    ctx = call.services.ctx
    hall, now = ctx.public_hall(call.query("hall")), ctx.clock.now()
    first = call.query("from") or ctx.today(hall, now)
    last = call.query("to") or first + timedelta(days=6)
    if not first <= last < first + timedelta(days=CALENDAR_DAYS):
        raise Unprocessable(f"to: must lie from `from` to {CALENDAR_DAYS - 1} days after it", code="invalid")
    calendar = HallCalendar(hall)
    return {"hall": hall.id, **opening(hall, now), "days": [day.json() for day in calendar.days(first, last)]}
