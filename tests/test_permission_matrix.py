"""Every route called as every role gives the answer the permission matrix documents.

Each (route, role) cell runs on a window of its own, with staff of its own, so no
cell sees what another did: window k is the cell's window ("here"), window
CELLS + k is where its other clerk works. Sessions are written straight to the
database: signing in 1,700 staff through the slow password check would only
measure the hash.
"""
from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from server.api.permissions import MATRIX, ROLES, Row, markdown
from server.app import APIS, Settings, create_app
from server.config import DEFAULT_CONFIG_DIR, load_hall, load_halls
from server.credentials import hash_token, new_token
from tests.bookings_support import booking_body
from tests.conftest import MONDAY_10AM
from tests.support import PASSWORD, expect

CELLS = len(MATRIX) * len(ROLES)
HALL = "test"
DEVICES = {"kiosk": ("kiosk", "kiosk", ""), "zone kiosk": ("kiosk-a", "kiosk", 'zones = ["A"]\n'),
           "screen": ("screen", "screen", 'screen = "hall"\n')}
TABLETS = [(f"tablet-{k}", "evaluator", f"window = {k}\n") for k in range(1, CELLS + 1)]  # one per cell's window
STAFF = {"clerk here": "here", "A/B partner": "partner", "clerk elsewhere": "away", "manager": "boss",
         "admin": "root"}
_keys = itertools.count(1)


def _hall_file(hall_id: str, windows: int, staff: str, devices: str, summons: str = "") -> str:
    return (f'[hall]\nid = "{hall_id}"\nname = "测试大厅"\n\n[hours]\nweekdays = [1, 2, 3, 4, 5, 6, 7]\n'
            'sessions = [["00:00", "23:59"]]\n\n[bookings]\nper_address = 100000\n\n'
            '[[zones]]\ncode = "A"\nname = "甲区"\nfloor = 1\nprefix = "A"\n\n'
            '[[zones]]\ncode = "B"\nname = "乙区"\nfloor = 1\nprefix = "B"\n\n'
            '[[services]]\ncode = "A01"\nname = "甲事项"\nzone = "A"\ndepartment = "甲"\ntypical_minutes = 10\n\n'
            '[[services]]\ncode = "B01"\nname = "乙事项"\nzone = "B"\ndepartment = "乙"\ntypical_minutes = 10\n\n'
            f'[[windows]]\nnumbers = "1-{windows}"\nuniversal = true\nfloor = 1\nposts = ["A", "B"]\n'
            + staff + devices + summons)


def _staff(staff_id: str, role: str, password_hash: str, windows: int | None = None) -> str:
    roster = f"windows = [{windows}]\n" if windows else ""
    return (f'\n[[staff]]\nid = "{staff_id}"\nname = "测试"\nrole = "{role}"\n{roster}'
            f'password_hash = "{password_hash}"\n')


def write_halls(directory: Path) -> list[Path]:
    password_hash = load_hall(DEFAULT_CONFIG_DIR / "city.toml").staff[0].password_hash
    staff = "".join(
        _staff(f"here{k}", "clerk", password_hash, k) + _staff(f"partner{k}", "clerk", password_hash, k)
        + _staff(f"away{k}", "clerk", password_hash, CELLS + k) + _staff(f"boss{k}", "manager", password_hash)
        + _staff(f"root{k}", "admin", password_hash)
        for k in range(1, CELLS + 1))
    devices = "".join(f'\n[[devices]]\nid = "{device}"\nkind = "{kind}"\n'
                      f'token_hash = "{hash_token("demo-" + device)}"\n' + extra
                      for device, kind, extra in [*DEVICES.values(), *TABLETS])
    test, other = directory / "test.toml", directory / "other.toml"
    officer = _staff("officer", "officer", password_hash)
    summons = ('\n[[summons.departments]]\nid = "yi"\nname = "乙局"\nservices = ["B01"]\nofficers = ["officer"]\n'
               'mobile = "13900000000"\npromise = "20分钟内到达"\n')
    test.write_text(_hall_file(HALL, 2 * CELLS, staff + officer, devices, summons), encoding="utf-8")
    other.write_text(_hall_file("other", 1, _staff("outsider", "manager", password_hash), ""), encoding="utf-8")
    return [test, other]


@dataclass
class Cell:
    """One route called as one role, on window `k` of its own."""

    client: Any
    k: int
    tokens: dict[str, str]
    ticket: dict[str, Any] = field(default_factory=dict)
    booking: dict[str, Any] = field(default_factory=dict)
    summons: dict[str, Any] = field(default_factory=dict)
    case: int | None = None  # a follow-up case of the cell's own
    device: str = ""  # a device of the cell's own

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}

    async def post(self, role: str, path: str, status: int = 200, **body: Any) -> dict[str, Any]:
        return await expect(await self.client.post(path, json=body or None, headers=self.headers(role)), status)

    async def hold(self) -> None:
        await self.post("clerk here", f"/api/v1/windows/{self.k}/sign-in", post="A")

    async def issue(self) -> None:
        body = await self.post("kiosk", "/api/v1/tickets", 201, service="B01", idempotency_key=f"matrix-{next(_keys)}")
        self.ticket = body["ticket"] | {"status_token": body["status_token"]}

    async def call(self) -> None:
        await self.hold()
        await self.issue()
        await self.post("clerk here", f"/api/v1/windows/{self.k}/call", number=self.ticket["number"])

    def slot(self) -> str:
        """A slot of the cell's own to close, tomorrow or later (the test hall opens 00:00-23:59 every day)."""
        return (TOMORROW + timedelta(minutes=30 * (self.k % 46), days=self.k // 46)).isoformat()

    async def book(self, slot: str | None = None) -> None:
        body = await self.post("none", "/api/v1/bookings", 201,
                               **booking_body(self.k, slot or BOOKED_SLOT, hall=HALL))
        self.booking = body["booking"] | {"token": body["token"]}

    async def act(self, action: str) -> None:
        await self.post("clerk here", f"/api/v1/tickets/{self.ticket['id']}/{action}")


async def _nothing(cell: Cell) -> None:
    pass


async def _paused(cell: Cell) -> None:
    await cell.hold()
    await cell.post("clerk here", f"/api/v1/windows/{cell.k}/pause", reason="meal")


async def _held_and_waiting(cell: Cell) -> None:
    await cell.hold()
    await cell.issue()


async def _called_and_waiting(cell: Cell) -> None:
    await cell.call()
    await cell.issue()


async def _serving(cell: Cell) -> None:
    await cell.call()
    await cell.act("start")


async def _summoned(cell: Cell) -> None:
    await _serving(cell)
    cell.summons = (await cell.post("clerk here", f"/api/v1/windows/{cell.k}/summons", 201))["summons"]


async def _finished(cell: Cell) -> None:
    await cell.call()
    await cell.act("finish")


async def _bad_rating(cell: Cell) -> None:
    """An open 差评整改 case: the ticket finished at the window and rated 不满意 on its tablet."""
    await _finished(cell)
    await cell.post("evaluator", "/api/v1/ratings", 201, ticket=cell.ticket["id"], level="dissatisfied",
                    reasons=["wait"])
    response = await cell.client.get("/api/v1/follow-ups", params={"hall": HALL}, headers=cell.headers("manager"))
    cases = (await expect(response, 200))["follow_ups"]
    cell.case = next(c["id"] for c in cases if c["rating"]["ticket"] == cell.ticket["id"])


async def _own_screen(cell: Cell) -> None:
    cell.device = f"screen-{cell.k}"
    await cell.post("admin", "/api/v1/devices", 201, id=cell.device, kind="screen", screen="hall")


async def _no_show(cell: Cell) -> None:
    await cell.call()
    await cell.act("no-show")


Scene = Callable[[Cell], Awaitable[None]]
Body = Callable[[Cell], dict[str, Any]]


def _none(_cell: Cell) -> dict[str, Any]:
    return {}


# route -> the situation of its row, and the body it is called with
SCENES: dict[str, tuple[Scene, Body]] = {
    "POST /api/v1/tickets": (_nothing, lambda c: {"service": "B01", "idempotency_key": f"matrix-{next(_keys)}"}),
    "GET /api/v1/tickets/{id}": (Cell.issue, _none),
    "POST /api/v1/tickets/{id}/mobile": (Cell.issue, lambda c: {"mobile": "13800000001"}),
    "POST /api/v1/tickets/{id}/start": (Cell.call, _none),
    "POST /api/v1/tickets/{id}/finish": (_serving, _none),
    "POST /api/v1/tickets/{id}/no-show": (Cell.call, _none),
    "POST /api/v1/tickets/{id}/rejoin": (_no_show, _none),
    "POST /api/v1/tickets/{id}/undo-no-show": (_no_show, _none),
    "POST /api/v1/tickets/{id}/cancel": (Cell.call, _none),
    "POST /api/v1/tickets/{id}/transfer": (Cell.call, lambda c: {"service": "A01"}),
    "GET /api/v1/public/tickets/{token}": (Cell.issue, _none),
    "GET /api/v1/public/tickets/{token}/qr.svg": (Cell.issue, _none),
    "GET /api/v1/public/tickets/{token}/preview.png": (Cell.issue, _none),
    "POST /api/v1/windows/{no}/sign-in": (_nothing, lambda c: {"post": "A"}),
    "POST /api/v1/windows/{no}/sign-in take_over": (Cell.hold, lambda c: {"post": "B", "take_over": True}),
    "POST /api/v1/windows/{no}/sign-out": (Cell.hold, _none),
    "POST /api/v1/windows/{no}/pause": (Cell.hold, lambda c: {"reason": "meal"}),
    "POST /api/v1/windows/{no}/resume": (_paused, _none),
    "POST /api/v1/windows/{no}/call-next": (Cell.hold, _none),
    "POST /api/v1/windows/{no}/next": (_called_and_waiting, _none),
    "POST /api/v1/windows/{no}/call": (_held_and_waiting, lambda c: {"number": c.ticket["number"]}),
    "POST /api/v1/windows/{no}/recall": (Cell.call, _none),
    "POST /api/v1/ratings": (_finished, lambda c: {"ticket": c.ticket["id"], "level": "satisfied"}),
    "GET /api/v1/public/tickets/{token}/rating": (_finished, _none),
    "POST /api/v1/public/tickets/{token}/rating": (_finished, lambda c: {"level": "satisfied"}),
    "POST /api/v1/follow-ups/{id}/callback": (_bad_rating, lambda c: {"reached": True, "note": "已回访"}),
    "POST /api/v1/follow-ups/{id}/fix": (_bad_rating, lambda c: {"note": "已整改"}),
    "POST /api/v1/staff/login": (_nothing, lambda c: {"hall": HALL, "staff_id": f"here{c.k}", "password": PASSWORD}),
    "POST /api/v1/bookings": (_nothing, lambda c: booking_body(c.k, BOOKED_SLOT, hall=HALL)),
    "POST /api/v1/bookings/{number}/cancel": (Cell.book, lambda c: {"token": c.booking["token"], "hall": HALL}),
    "GET /api/v1/public/bookings/{token}": (Cell.book, _none),
    "GET /api/v1/public/bookings/{token}/qr.svg": (Cell.book, _none),
    "POST /api/v1/check-in": (lambda c: c.book(SOON_SLOT), lambda c: {"number": c.booking["number"]}),
    "POST /api/v1/slots/close": (_nothing, lambda c: {"service": "B01", "start": c.slot()}),
    "POST /api/v1/windows/{no}/summons": (_serving, _none),
    "POST /api/v1/summons/{summons_id}/acknowledge": (_summoned, _none),
    "POST /api/v1/summons/{summons_id}/arrive": (_summoned, _none),
    "POST /api/v1/summons/{summons_id}/cancel": (_summoned, _none),
    "POST /api/v1/assessment/entries": (_nothing, lambda c: {"window": c.k, "month": "2026-11", "category": "praise",
                                                             "amount": 1, "note": "表扬信"}),
    "POST /api/v1/devices": (_nothing, lambda c: {"id": f"new-screen-{c.k}", "kind": "screen", "screen": "hall"}),
    "PATCH /api/v1/devices/{device_id}": (_own_screen, lambda c: {"voice": "off"}),
    "POST /api/v1/devices/{device_id}/revoke": (_own_screen, _none),
    "POST /api/v1/device/heartbeat": (_nothing, lambda c: {"version": "1", "resolution": "1920x1080"}),
    "POST /api/v1/staff": (_nothing, lambda c: {"id": f"new{c.k}", "name": "新人", "role": "clerk",
                                                "password": PASSWORD, "windows": [c.k]}),
    "PATCH /api/v1/staff/{staff_id}": (_nothing, lambda c: {"name": "改名"}),
}
QUERIES = {"GET /api/v1/announcements/audio": {"text": "请 A001 号 到 1 号窗口 办理"},
           "GET /api/v1/slots": {"service": "B01"}, "GET /api/v1/staffing": {"day": "2026-11-23"}}
TOMORROW = MONDAY_10AM.replace(hour=0) + timedelta(days=1)
SOON_SLOT = (MONDAY_10AM + timedelta(minutes=30)).isoformat()  # check-in opens 30 min before: now
BOOKED_SLOT = (TOMORROW + timedelta(hours=23)).isoformat()  # the last slot of the day: no cell closes it


def _path(row: Row, cell: Cell) -> tuple[str, str]:
    method, path = row.route.split()[:2]
    token = cell.booking.get("token") or cell.ticket.get("status_token")
    return method, path.format(no=cell.k, id=cell.case or cell.ticket.get("id"), token=token, staff_id=f"here{cell.k}",
                               number=cell.booking.get("number"), summons_id=cell.summons.get("id"),
                               device_id=cell.device)


async def _sessions(database_url: str) -> list[dict[str, str]]:
    """Every cell's tokens by role, the devices' and the other hall's included."""
    cells = [{role: new_token() for role in STAFF} for _ in range(CELLS)]
    outsider = new_token()
    rows = [(hash_token(token), HALL, f"{STAFF[role]}{k}") for k, tokens in enumerate(cells, 1)
            for role, token in tokens.items()] + [(hash_token(outsider), "other", "outsider")]
    con = await asyncpg.connect(database_url)
    try:
        await con.executemany("INSERT INTO staff_sessions (token_hash, hall, staff_id, created_at, expires_at)"
                              " VALUES ($1, $2, $3, $4, $5)",
                              [(*row, MONDAY_10AM, MONDAY_10AM + timedelta(days=30)) for row in rows])
    finally:
        await con.close()
    devices = {role: f"demo-{device}" for role, (device, _, _) in DEVICES.items()}
    return [tokens | devices | {"other hall": outsider, "evaluator": f"demo-tablet-{k}"}
            for k, tokens in enumerate(cells, 1)]


@pytest.fixture
async def matrix_client(tmp_path, database_url, clock, aiohttp_client):
    halls = load_halls(write_halls(tmp_path))
    settings = Settings(halls=halls, database_url=database_url, identity_key=b"k" * 32, clock=clock, pool_size=5)
    return await aiohttp_client(create_app(settings))


async def test_every_route_as_every_role_gives_the_documented_answer(matrix_client, database_url):
    tokens = iter(await _sessions(database_url))
    wrong = []
    cells = [(row, role, expected) for row in MATRIX for role, expected in zip(ROLES, row.answers, strict=True)]
    for k, (row, role, expected) in enumerate(cells, 1):
        cell = Cell(matrix_client, k, next(tokens))
        scene, body = SCENES.get(row.route, (_nothing, _none))
        await cell.post("clerk elsewhere", f"/api/v1/windows/{CELLS + k}/sign-in")  # at a window of their own
        await scene(cell)
        method, path = _path(row, cell)
        response = await matrix_client.request(method, path, json=body(cell) if method in ("POST", "PATCH") else None,
                                               params={"hall": HALL, **QUERIES.get(row.route, {})},
                                               headers=cell.headers(role))
        if response.status != expected:
            wrong.append(f"{row.route} as {role}: {response.status} (documented {expected}) {await response.text()}")
    assert not wrong, "\n".join(wrong)


def test_every_declared_route_has_a_row_and_the_docs_show_the_matrix():
    declared = {f"{e.method} {e.path}" for api in APIS for e in api.endpoints}
    rows = {row.route.split(" take_over")[0] for row in MATRIX}
    assert declared == rows
    docs = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    assert markdown() in docs
