"""Who may call what: the answer each route gives each kind of caller.

The roles are seen from one window (or the window a ticket is at) of one hall:
a clerk who holds it ("clerk here"), a clerk who holds another window and is
not rostered here ("clerk elsewhere"), a clerk rostered here on the window's
other post who holds nothing ("A/B partner"), a manager and an admin of the
hall who hold no window, a manager of another hall, and the window's
evaluation tablet (a device at the window, which answers as a screen does
unless its row says otherwise). `docs/api.md` shows this table, and
`tests/test_permission_matrix.py` calls every route as every role in the
situation of its row and expects exactly these answers.
"""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("none", "kiosk", "zone kiosk", "screen", "clerk here", "clerk elsewhere", "A/B partner", "manager",
         "admin", "other hall", "evaluator")
_SCREEN = ROLES.index("screen")


@dataclass(frozen=True)
class Row:
    route: str  # "METHOD path", as declared
    situation: str  # what the hall looks like when it is called
    answers: tuple[int, ...]  # one status per role, in ROLES order


def _row(route: str, situation: str, answers: str) -> Row:
    statuses = tuple(int(a) for a in answers.split())
    if len(statuses) == len(ROLES) - 1:  # the evaluation tablet answers as a screen
        statuses += (statuses[_SCREEN],)
    assert len(statuses) == len(ROLES), route
    return Row(route, situation, statuses)


_ANY = "401 200 200 200 200 200 200 200 200 403"
_STAFF = "401 403 403 403 200 200 200 200 200 403"
_MANAGER = "401 403 403 403 403 403 403 200 200 403"
_PUBLIC = "200 200 200 200 200 200 200 200 200 200"
_HOLDER = "401 403 403 403 200 409 409 409 409 403"  # the window's holder; others are not signed in there
_HOLDER_OR_MANAGER = "401 403 403 403 200 409 409 200 200 403"
_TABLET = "401 403 403 403 403 403 403 403 403 403"  # the window's evaluation tablet only
# The hall's configuration (devices and staff) is the admin's, not the managers': they run the hall.
_ADMIN = "401 403 403 403 403 403 403 403 200 403"
_DEVICE = "401 200 200 200 403 403 403 403 403 403 200"  # any device's own token

MATRIX: tuple[Row, ...] = (
    _row("POST /api/v1/tickets", "a zone B service; the zone kiosk offers zone A only",
         "401 201 403 403 201 201 201 201 201 403"),
    _row("GET /api/v1/tickets/{id}", "a waiting ticket", _STAFF),
    _row("POST /api/v1/tickets/{id}/mobile", "a waiting ticket the kiosk issued just now",
         "401 200 403 403 403 403 403 403 403 403"),
    _row("POST /api/v1/tickets/{id}/start", "the ticket is called at the window", _HOLDER),
    _row("POST /api/v1/tickets/{id}/finish", "the ticket is being served at the window", _HOLDER),
    _row("POST /api/v1/tickets/{id}/no-show", "the ticket is called at the window", _HOLDER),
    _row("POST /api/v1/tickets/{id}/undo-no-show", "the window marked the ticket a no-show just now", _HOLDER),
    _row("POST /api/v1/tickets/{id}/rejoin", "the window marked the ticket a no-show", _HOLDER_OR_MANAGER),
    _row("POST /api/v1/tickets/{id}/cancel", "the ticket is called at the window", _HOLDER_OR_MANAGER),
    _row("POST /api/v1/tickets/{id}/transfer", "the ticket is called at the window; to a service", _HOLDER),
    _row("GET /api/v1/public/tickets/{token}", "a waiting ticket's link", _PUBLIC),
    _row("GET /api/v1/public/tickets/{token}/qr.svg", "a waiting ticket's link", _PUBLIC),
    _row("GET /api/v1/public/tickets/{token}/preview.png", "a waiting ticket's link", _PUBLIC),
    _row("GET /api/v1/windows", "", _ANY),
    _row("POST /api/v1/windows/{no}/sign-in", "the window is closed; post A",
         "401 403 403 403 200 403 200 200 200 403"),
    _row("POST /api/v1/windows/{no}/sign-in take_over", "the clerk here holds it on post A; post B, take_over",
         "401 403 403 403 200 403 200 200 200 403"),
    _row("POST /api/v1/windows/{no}/sign-out", "the clerk here holds it", _HOLDER),
    _row("POST /api/v1/windows/{no}/pause", "the clerk here holds it", _HOLDER),
    _row("POST /api/v1/windows/{no}/resume", "the clerk here paused it", _HOLDER),
    _row("POST /api/v1/windows/{no}/call-next", "the clerk here holds it", _HOLDER),
    _row("POST /api/v1/windows/{no}/next", "a ticket is called at the window; another waits", _HOLDER),
    _row("POST /api/v1/windows/{no}/call", "the clerk here holds it; a waiting ticket", _HOLDER),
    _row("POST /api/v1/windows/{no}/recall", "a ticket is called at the window", _HOLDER),
    _row("POST /api/v1/staff/login", "the clerk here's staff id and password", _PUBLIC),
    _row("POST /api/v1/staff/logout", "", _STAFF),
    _row("POST /api/v1/staff/{staff_id}/unlock", "the clerk here's staff id", _MANAGER),
    _row("GET /api/v1/staff/me", "", _STAFF),
    _row("GET /api/v1/staff/me/today", "", _STAFF),
    _row("GET /api/v1/hall", "", _ANY),
    _row("GET /api/v1/queues", "", _ANY),
    _row("GET /api/v1/snapshot", "", _ANY),
    _row("GET /api/v1/device", "", _ANY),
    _row("GET /api/v1/calendar", "", _PUBLIC),
    _row("GET /api/v1/public/booking", "", _PUBLIC),
    _row("GET /api/v1/slots", "?service=B01", _PUBLIC),
    _row("POST /api/v1/bookings", "a free slot tomorrow; a person of its own", "201 " * 9 + "201"),
    _row("POST /api/v1/bookings/{number}/cancel", "a booking tomorrow; its token", _PUBLIC),
    _row("GET /api/v1/public/bookings/{token}", "a booking's link", _PUBLIC),
    _row("GET /api/v1/public/bookings/{token}/qr.svg", "a booking's link", _PUBLIC),
    _row("POST /api/v1/slots/close", "a slot of its own tomorrow", _MANAGER),
    _row("GET /api/v1/bookings", "", _STAFF),
    _row("POST /api/v1/check-in", "a zone B booking in half an hour; by its number",
         "401 201 403 403 201 201 201 201 201 403"),
    _row("GET /api/v1/devices", "", _ANY),
    _row("POST /api/v1/devices", "a new hall screen's settings", _ADMIN.replace("200", "201")),
    _row("PATCH /api/v1/devices/{device_id}", "a screen of its own; voice off", _ADMIN),
    _row("POST /api/v1/devices/{device_id}/revoke", "a screen of its own", _ADMIN),
    _row("POST /api/v1/device/heartbeat", "version and resolution", _DEVICE),
    _row("GET /api/v1/staff", "", _ADMIN),
    _row("POST /api/v1/staff", "a new clerk of the window", _ADMIN.replace("200", "201")),
    _row("PATCH /api/v1/staff/{staff_id}", "the clerk here's staff id; a new name", _ADMIN),
    _row("POST /api/v1/staff/{staff_id}/revoke", "the clerk here's staff id", _ADMIN),
    _row("GET /api/v1/stats", "", _MANAGER),
    _row("GET /api/v1/stats/ranking", "", _MANAGER),
    _row("GET /api/v1/stats/day", "", _MANAGER),
    _row("GET /api/v1/stats/summons", "", _MANAGER),
    _row("GET /api/v1/stats/estimates", "", _MANAGER),
    _row("GET /api/v1/staffing", "?day=2026-11-23 (today)", _MANAGER),
    # 事进人不进: a department's officer (a role of its own, no window) sees and answers its own summons.
    _row("POST /api/v1/windows/{no}/summons", "a summoned service's ticket is being served at the window",
         "401 403 403 403 201 409 409 409 409 403"),
    _row("GET /api/v1/summons", "", _MANAGER),
    _row("POST /api/v1/summons/{summons_id}/acknowledge", "the window summoned the department", _MANAGER),
    _row("POST /api/v1/summons/{summons_id}/arrive", "the window summoned the department", _MANAGER),
    _row("POST /api/v1/summons/{summons_id}/cancel", "the window summoned the department", _HOLDER_OR_MANAGER),
    _row("GET /api/v1/announcements/audio", "?text=请 A001 号 到 1 号窗口 办理", _ANY),
    _row("GET /api/v1/announcements/chime.wav", "", _PUBLIC),
    _row("GET /api/v1/audit", "", _MANAGER),
    _row("GET /api/v1/audit.csv", "", _MANAGER),
    _row("GET /api/v1/central", "", _MANAGER),
    _row("GET /api/v1/notifications", "", _MANAGER),
    _row("GET /api/v1/ratings/tablet", "", _TABLET + " 200"),
    _row("POST /api/v1/ratings", "the ticket was finished at the window just now", _TABLET + " 201"),
    _row("GET /api/v1/ratings", "", _MANAGER),
    _row("GET /api/v1/public/tickets/{token}/rating", "the ticket was finished at the window just now", _PUBLIC),
    _row("POST /api/v1/public/tickets/{token}/rating", "the ticket was finished at the window just now",
         "201 201 201 201 201 201 201 201 201 201 201"),
    _row("GET /api/v1/follow-ups", "", _MANAGER),
    _row("POST /api/v1/follow-ups/{id}/callback", "an open case: a bad rating at the window just now", _MANAGER),
    _row("POST /api/v1/follow-ups/{id}/fix", "an open case: a bad rating at the window just now", _MANAGER),
    *(_row(f"GET /api/v1/reports/{report}{kind}", "", _MANAGER)
      for report in ("weekly", "monthly", "quarterly") for kind in ("", ".csv", ".xlsx")),
    _row("GET /api/v1/public/reports/weekly", "", _PUBLIC),
    _row("GET /api/v1/public/reports/weekly.csv", "", _PUBLIC),
    _row("POST /api/v1/assessment/entries", "a letter of praise for the window this month",
         "401 403 403 403 403 403 403 201 201 403"),
    _row("GET /api/v1/assessment/entries", "", _MANAGER),
    _row("GET /api/v1/health", "", _PUBLIC),
    _row("GET /api/v1/ready", "", _PUBLIC),
    # Websockets asked without the upgrade: 400 once the caller may follow the hall.
    _row("GET /api/v1/live", "topics=hall; no websocket upgrade", "401 400 400 400 400 400 400 400 400 403"),
    _row("GET /api/v1/agent", "no websocket upgrade", "401 400 400 403 403 403 403 403 403 403"),
)


def markdown() -> str:
    """The matrix as the Markdown table in docs/api.md."""
    lines = ["| route | situation | " + " | ".join(ROLES) + " |", "|---|---|" + "---|" * len(ROLES)]
    for row in MATRIX:
        method, _, rest = row.route.partition(" ")
        lines.append(f"| `{method} {rest}` | {row.situation} | " + " | ".join(map(str, row.answers)) + " |")
    return "\n".join(lines) + "\n"
