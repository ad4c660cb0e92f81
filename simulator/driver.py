"""Drive a planned day through the real server's HTTP API.

`Console` is the hall's people at the API — the kiosk issuing, each clerk at
their window, the manager — one request per action, each written to the
action log with its simulated time and fed to the report's recorder.

`DaySimulation` decides when things happen: a discrete-event simulation in
which the windows are the servers. It takes the next moment that has
actions due, moves the server's clock there, performs them, and then lets
every window that became free call next. Which ticket a window gets is the
server's routing decision; the simulator only learns who was called.

A window that calls and gets nobody waits idle until a ticket it may serve
is issued (or rejoins, or is transferred in); then one idle window that may
serve it calls. So no ticket ever waits while a window that could serve it
idles, without polling the server.

Time: with a stepped clock (`hallq serve --clock stepped`) the simulator sets
the server's time before each moment's actions (`POST /api/v1/clock`) and
the day runs as fast as the server answers; with a scaled clock
(`--clock-speed F`) it sleeps, real time = simulated time / F.

Actions due at one moment are performed in a fixed order, one at a time,
so a run is deterministic: the same plan gives the same day. With
`parallel`, independent actions of one moment go out concurrently (a
window's own actions stay in order): faster, but windows calling at the same
moment race for the same tickets, so runs may differ in who serves whom.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import math
import secrets
import time as walltime
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

import aiohttp

from server.hall import Hall, Priority
from simulator.plan import AFTER_ARRIVAL, DayPlan, Pause, Rating, Roster, Summoned, Visit, citizen
from simulator.report import Recorder, Report

RECALL_AFTER = 30  # seconds after calling a citizen who does not come, the clerk calls again (重呼)
NO_SHOW_AFTER = 90  # ...and marks the ticket as a no-show (过号)
_BUSY_RETRIES = 10  # call-next answers `busy` when other windows keep claiming the same heads
LOG_FORMAT = "hallq-simulation"
LOG_VERSION = 2  # 2: a finish's rating is {level, channel, reasons}; the summon, acknowledge and officer-arrive lines

logger = logging.getLogger(__name__)


UNAVAILABLE_RETRIES = 3


class SimulationError(Exception):
    """The day cannot go on: the server refused an action the hall's state should allow."""


class ApiError(SimulationError):
    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        self.status, self.code = status, error.get("code", "")
        super().__init__(f"{method} {path}: {status} {self.code}: {error.get('message', body)}")


class HallClient:
    """The hall API over one keep-alive session."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.requests = 0

    async def request(self, method: str, path: str, token: str | None = None,
                      body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request; a 503 (the database did not answer, nothing was done) is tried again after
        the server's Retry-After, as a kiosk or a clerk would, a few times before the day gives up."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for attempt in range(UNAVAILABLE_RETRIES + 1):
            self.requests += 1
            async with self.session.request(method, self.url + path, json=body, headers=headers) as response:
                data = await response.json(content_type=None)
                if response.status == 503 and attempt < UNAVAILABLE_RETRIES:
                    await asyncio.sleep(min(5.0, float(response.headers.get("Retry-After", "1"))))
                    continue
                if response.status >= 400:
                    raise ApiError(method, path, response.status, data)
                return data
        raise AssertionError("unreachable: the last attempt returns or raises")


async def call_next(client: HallClient, window: int, token: str) -> dict[str, Any] | None:
    """The ticket the server gives the window, or None; retried, as a clerk would, while the
    server answers `busy` (other windows are claiming the same tickets at this instant)."""
    for attempt in range(1, _BUSY_RETRIES + 1):
        try:
            return (await client.request("POST", f"/api/v1/windows/{window}/call-next", token))["ticket"]
        except ApiError as exc:
            if exc.code != "busy" or attempt == _BUSY_RETRIES:
                raise
        await asyncio.sleep(0.005 * attempt)  # back off a little, so the contenders spread out
    raise AssertionError("unreachable")


class ActionLog:
    """The actions performed, one JSON line each with its simulated time `t`, after a header line.

    `hallq simulate --replay` performs them again (simulator/replay.py).
    """

    def __init__(self, stream: TextIO, header: dict[str, Any]) -> None:
        self._stream = stream
        self._write({"log": LOG_FORMAT, "version": LOG_VERSION, **header})

    def write(self, t: datetime, do: str, fields: dict[str, Any]) -> None:
        self._write({"t": t.isoformat(), "do": do, **fields})

    def _write(self, line: dict[str, Any]) -> None:
        self._stream.write(json.dumps(line, ensure_ascii=False) + "\n")


@contextmanager
def action_log(path: Path | None, header: dict[str, Any]) -> Iterator[ActionLog | None]:
    if path is None:
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as stream:
        yield ActionLog(stream, header)


class Console:
    """The simulated hall's people at the API: the kiosk, a clerk per window, the manager."""

    def __init__(self, client: HallClient, hall: Hall, roster: Roster, recorder: Recorder,
                 log: ActionLog | None) -> None:
        self.client, self.hall, self.roster, self.recorder, self.log = client, hall, roster, recorder, log
        self.tokens: dict[str, str] = {}
        self.ticket_of: dict[int, int] = {}  # visit id -> ticket id
        self.visit_of: dict[int, int] = {}  # ticket id -> visit id
        self.link_of: dict[int, str] = {}  # ticket id -> its status token (the phone page's link)
        self.at_window: dict[int, int] = {}  # window -> the ticket called or served there
        self.booking_of: dict[int, str] = {}  # visit id -> its booking number
        self.summons_of: dict[int, int] = {}  # visit id -> its summons id
        self.observers: list[Callable[[datetime], None]] = []  # told the server's time when an answer shows it
        self.actions = 0
        self._run = secrets.token_hex(4)  # keeps idempotency keys apart between runs on one database

    async def login(self, staff_ids: Iterable[str]) -> None:
        async def one(staff_id: str) -> None:
            body = {"hall": self.hall.id, "staff_id": staff_id, "password": self.roster.password}
            try:
                answer = await self.client.request("POST", "/api/v1/staff/login", body=body)
            except ApiError as exc:
                raise SimulationError(f"{staff_id} cannot sign in ({exc}): the server must run on the hall file "
                                      "with the simulation roster (hallq simulate --write-roster DIR)") from None
            self.tokens[staff_id] = answer["token"]
        await asyncio.gather(*(one(s) for s in staff_ids if s not in self.tokens))

    # -- the manager ---------------------------------------------------------------

    async def set_clock(self, moment: datetime) -> None:
        try:
            await self.client.request("POST", "/api/v1/clock", self.tokens[self.roster.manager],
                                      {"now": moment.isoformat()})
        except ApiError as exc:
            if exc.status == 404:
                raise SimulationError("the server has no stepped clock: start it with --clock stepped") from None
            if exc.code == "clock_backwards":
                raise SimulationError(f"the server's clock is already past {moment.isoformat()}: restart it with "
                                      f"--clock stepped --clock-start {moment.isoformat()} or earlier") from None
            raise

    async def rejoin(self, t: datetime, visit: int) -> None:
        """A no-show who came back is put in the queue again, as at the information desk."""
        ticket = await self._ticket_request(self.ticket_of[visit], "rejoin", self.roster.manager)
        self.recorder.rejoined(ticket)
        self._log(t, "rejoin", visit=visit)

    # -- the kiosk -----------------------------------------------------------------

    async def issue(self, t: datetime, visit: int, service: str, priority: str) -> bool:
        """Issue the visitor's ticket; False when the kiosk refuses because the hall has closed."""
        body: dict[str, Any] = {"service": service, "priority": priority,
                                "idempotency_key": f"sim-{self._run}-{visit:05d}"}
        return await self._ticket_for(t, visit, service, "/api/v1/tickets", body, "issue",
                                      {"service": service, "priority": priority})

    async def check_in(self, t: datetime, visit: int, service: str) -> bool:
        """Check the visitor's booking in by its number, as on the kiosk's keypad; False when the hall has closed."""
        body = {"number": self.booking_of[visit], "idempotency_key": f"sim-{self._run}-{visit:05d}"}
        return await self._ticket_for(t, visit, service, "/api/v1/check-in", body, "check-in",
                                      {"service": service, "booking": self.booking_of[visit]})

    async def _ticket_for(self, t: datetime, visit: int, service: str, path: str, body: dict[str, Any], do: str,
                          logged: dict[str, Any]) -> bool:
        try:
            answer = await self.client.request("POST", path, self.roster.kiosk_token, body)
        except ApiError as exc:
            if exc.code != "hall_closed":
                raise
            offered = self.hall.service(service)
            assert offered is not None, service  # the plan only asks for the hall's own services
            self.recorder.turned_away(offered.zone)
            self._log(t, do, visit=visit, **logged, turned_away=True)
            return False
        ticket = answer["ticket"]
        self.ticket_of[visit], self.visit_of[ticket["id"]] = ticket["id"], visit
        self.link_of[ticket["id"]] = answer["status_token"]
        self.recorder.issued(answer)
        self._observe(ticket["issued_at"])
        self._log(t, do, visit=visit, **logged, number=ticket["number"], outcome=answer.get("outcome"))
        return True

    async def book(self, t: datetime, visit: int, service: str, start: datetime) -> bool:
        """Book the visitor's slot through the public booking API, as from their phone; False when
        the slot is full (or closed): the visitor comes as a walk-in."""
        name, id_number, mobile = citizen(visit)
        body = {"hall": self.hall.id, "service": service, "start": start.isoformat(), "name": name,
                "id_number": id_number, "mobile": mobile}
        try:
            answer = await self.client.request("POST", "/api/v1/bookings", None, body)
        except ApiError as exc:
            if exc.code not in ("slot_full", "slot_closed", "no_such_slot"):
                raise
            self._log(t, "book", visit=visit, service=service, start=start.isoformat(), refused=exc.code)
            return False
        self.booking_of[visit] = answer["booking"]["number"]
        self._log(t, "book", visit=visit, service=service, start=start.isoformat())
        return True

    # -- the clerks ----------------------------------------------------------------

    async def sign_in(self, t: datetime, window: int) -> None:
        seat = self.hall.window(window)
        assert seat is not None, window  # the plan only staffs the hall's own windows
        answer = await self._window_request(window, "sign-in", {"post": seat.posts[0]})
        self._opened(window, True)
        self._observe(answer["window"]["changed_at"])
        self._log(t, "sign-in", window=window, staff=self.roster.clerk(window))

    async def call_next(self, t: datetime, window: int) -> int | None:
        """The visit whose ticket the server gave this window, None when nobody waits for it."""
        ticket = await call_next(self.client, window, self.tokens[self.roster.clerk(window)])
        if ticket is None:
            self._log(t, "call-next", window=window, visit=None)
            return None
        visit = self.visit_of.get(ticket["id"])
        if visit is None:
            raise SimulationError(f"window {window} was given {ticket['number']}, a ticket this simulation did not "
                                  "issue: simulate on a day (or database) with no tickets yet")
        self.at_window[window] = ticket["id"]
        self.recorder.called(ticket)
        self._log(t, "call-next", window=window, visit=visit, number=ticket["number"])
        return visit

    async def start(self, t: datetime, window: int) -> None:
        ticket = await self._ticket_request(self.at_window[window], "start", self.roster.clerk(window))
        self.recorder.started(ticket)
        self._log(t, "start", window=window, visit=self.visit_of[ticket["id"]])

    async def recall(self, t: datetime, window: int) -> None:
        await self._window_request(window, "recall")
        self._log(t, "recall", window=window, visit=self.visit_of[self.at_window[window]])

    async def finish(self, t: datetime, window: int, rating: Rating | None) -> None:
        """Finish the window's ticket; the citizen rates it at once, on the window's tablet or the phone."""
        ticket = await self._ticket_request(self.at_window.pop(window), "finish", self.roster.clerk(window))
        if rating is not None:
            await self._rate(window, ticket["id"], rating)
        self.recorder.finished(ticket, rating.level if rating else None)
        self._log(t, "finish", window=window, visit=self.visit_of[ticket["id"]],
                  rating=asdict(rating) if rating else None)

    async def _rate(self, window: int, ticket_id: int, rating: Rating) -> None:
        answer = {"level": rating.level, "reasons": list(rating.reasons)}
        if rating.channel == "phone":
            await self.client.request("POST", f"/api/v1/public/tickets/{self.link_of[ticket_id]}/rating", body=answer)
        else:
            await self.client.request("POST", "/api/v1/ratings", self.roster.tablet_token(window),
                                      {"ticket": ticket_id, **answer})

    async def no_show(self, t: datetime, window: int) -> None:
        ticket = await self._ticket_request(self.at_window.pop(window), "no-show", self.roster.clerk(window))
        self.recorder.no_show(ticket)
        self._log(t, "no-show", window=window, visit=self.visit_of[ticket["id"]])

    async def transfer(self, t: datetime, window: int, service: str) -> None:
        ticket = await self._ticket_request(self.at_window.pop(window), "transfer", self.roster.clerk(window),
                                            {"service": service, "note": "模拟转办"})
        self.recorder.transferred(ticket)
        self._log(t, "transfer", window=window, visit=self.visit_of[ticket["id"]], service=service)

    async def pause(self, t: datetime, window: int, reason: str, note: str) -> None:
        await self._window_request(window, "pause", {"reason": reason, "note": note})
        self._opened(window, False)
        self._log(t, "pause", window=window, reason=reason, note=note)

    async def resume(self, t: datetime, window: int) -> None:
        await self._window_request(window, "resume")
        self._opened(window, True)
        self._log(t, "resume", window=window)

    async def sign_out(self, t: datetime, window: int) -> None:
        await self._window_request(window, "sign-out")
        self._opened(window, False)
        self._log(t, "sign-out", window=window)

    # -- 事进人不进: the clerk summons, the department's officer answers --------------

    async def summon(self, t: datetime, window: int) -> None:
        """通知部门 for the ticket at the window (a hall with summons.auto does it when service starts)."""
        answer = await self.client.request("POST", f"/api/v1/windows/{window}/summons",
                                           self.tokens[self.roster.clerk(window)])
        visit = self.visit_of[self.at_window[window]]
        self.summons_of[visit] = answer["summons"]["id"]
        self.recorder.summons(answer["summons"])
        self._log(t, "summon", window=window, visit=visit)

    async def acknowledge(self, t: datetime, visit: int, department: str) -> None:
        await self._summons_request(visit, department, "acknowledge")
        self._log(t, "acknowledge", visit=visit, department=department)

    async def officer_arrive(self, t: datetime, visit: int, department: str) -> None:
        await self._summons_request(visit, department, "arrive")
        self._log(t, "officer-arrive", visit=visit, department=department)

    async def _summons_request(self, visit: int, department: str, action: str) -> None:
        token = self.tokens[self.roster.officer(department)]
        summons_id = self.summons_of.get(visit) or await self._open_summons(visit, token)
        answer = await self.client.request("POST", f"/api/v1/summons/{summons_id}/{action}", token)
        self.recorder.summons(answer["summons"])

    async def _open_summons(self, visit: int, token: str) -> int:
        """The summons the server made by itself when the visit's service started, from the officer's list."""
        listing = await self.client.request("GET", "/api/v1/summons?state=open", token)
        found = next((s["id"] for s in listing["summons"] if s["ticket_id"] == self.ticket_of[visit]), None)
        if found is None:
            raise SimulationError(f"visit {visit}'s department has no open summons of its ticket")
        self.summons_of[visit] = found
        return found

    # -- plumbing ------------------------------------------------------------------

    async def _window_request(self, window: int, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.client.request("POST", f"/api/v1/windows/{window}/{action}",
                                         self.tokens[self.roster.clerk(window)], body)

    async def _ticket_request(self, ticket_id: int, action: str, staff_id: str,
                              body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = await self.client.request("POST", f"/api/v1/tickets/{ticket_id}/{action}", self.tokens[staff_id],
                                           body)
        return answer["ticket"]

    def _opened(self, window: int, opened: bool) -> None:
        """Which windows are open, for the old estimate formula the report compares with."""
        (self.recorder.estimates.open_windows.add if opened else self.recorder.estimates.open_windows.discard)(window)

    def _observe(self, stamp: str) -> None:
        for observer in self.observers:
            observer(datetime.fromisoformat(stamp))

    def _log(self, t: datetime, do: str, **fields: Any) -> None:
        self.actions += 1
        if self.log is not None:
            self.log.write(t, do, fields)


# --- the server's clock -------------------------------------------------------------


class Pacer(Protocol):
    async def advance(self, moment: datetime) -> None:
        """Return when the server's clock is at `moment` (or past it)."""


class SteppedPacer:
    """Sets the server's stepped clock to each moment before its actions."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._at: datetime | None = None

    async def advance(self, moment: datetime) -> None:
        if self._at is None or moment > self._at:
            await self._console.set_clock(moment)
            self._at = moment


class ScaledPacer:
    """Sleeps until the server's scaled clock reaches each moment.

    The server's clock started when the server did, so the pacer learns where
    it stands from the first answer that carries the server's time; until
    then, and whenever the simulator is late, actions go out at once.
    """

    def __init__(self, speed: float, day: str) -> None:
        self._speed = speed
        self._day = day
        self._origin: tuple[datetime, float] | None = None
        self._planned: datetime | None = None  # the moment of the action under way

    def observe(self, server_time: datetime, hall: Hall) -> None:
        if self._origin is not None:
            return
        local_day = hall.local(server_time).date().isoformat()
        if local_day != self._day:
            raise SimulationError(f"the server's clock says {hall.local(server_time).isoformat()}, the day played is "
                                  f"{self._day}: start the server with --clock-start {self._day}T08:00+08:00 or so")
        if self._planned is not None and (server_time - self._planned).total_seconds() > 60:
            logger.warning("the server's clock (%s) is past the day's first action (%s): actions go out at once "
                        "until the plan catches up with the server", hall.local(server_time).time(),
                        hall.local(self._planned).time())
        self._origin = (server_time, walltime.monotonic())

    async def advance(self, moment: datetime) -> None:
        self._planned = moment
        if self._origin is None:
            return
        server_origin, real_origin = self._origin
        delay = (moment - server_origin).total_seconds() / self._speed - (walltime.monotonic() - real_origin)
        if delay > 0:
            await asyncio.sleep(delay)


def pacer_for(console: Console, speed: float | None, day: str) -> Pacer:
    if speed is None:
        return SteppedPacer(console)
    pacer = ScaledPacer(speed, day)
    console.observers.append(lambda moment: pacer.observe(moment, console.hall))
    return pacer


# --- the day as a discrete-event simulation ------------------------------------------

# Actions due at one moment run in this order: windows finishing what they do, then
# resuming and pausing, signing in, and last the arrivals that join the queues.
_ORDER = {"start": 0, "finish": 0, "recall": 0, "no-show": 0, "transfer": 0, "acknowledge": 0,
          "officer-arrive": 0, "resume": 1, "pause": 2, "sign-in": 3, "arrive": 4, "rejoin": 4}


@dataclass(order=True)
class _Due:
    at: int
    order: int
    seq: int
    kind: str = field(compare=False)
    window: int | None = field(compare=False, default=None)
    visit: Visit | None = field(compare=False, default=None)
    pause: Pause | None = field(compare=False, default=None)

    @property
    def own_window(self) -> int:
        """The window whose action this is; only an arrival or a rejoin has none."""
        assert self.window is not None, self.kind
        return self.window

    @property
    def lane(self) -> tuple[str, int]:
        """One lane per window, one per citizen: the actions in each keep their order."""
        if self.window is not None:
            return ("window", self.window)
        assert self.visit is not None, self.kind
        return ("visit", self.visit.id)


@dataclass
class Desk:
    """What the simulator knows of one window."""

    number: int
    state: str = "closed"  # closed, free (calls at this moment), idle, called, serving, paused
    visit: Visit | None = None
    idle_since: int = 0
    pending_pause: Pause | None = None  # planned while busy: taken when the current citizen leaves


class DaySimulation:
    def __init__(self, plan: DayPlan, hall: Hall, console: Console, pacer: Pacer, *, tick: int = 1,
                 parallel: bool = False) -> None:
        self.plan, self.hall, self.console, self.pacer = plan, hall, console, pacer
        self.tick, self.parallel = tick, parallel
        self.desks = {s.window: Desk(s.window) for s in plan.shifts}
        self.visits = {v.id: v for v in plan.visits}
        # For each service, the windows that may serve it and at which profile level.
        self.serving = {s.code: [(w.number, w.level_of(s.code)) for w in hall.windows
                                 if w.number in self.desks and w.level_of(s.code) is not None]
                        for s in hall.services}
        self.service_now: dict[int, str] = {}  # visit -> the service its ticket queues for now
        self.transferred: set[int] = set()
        self.no_showed: set[int] = set()
        self.now = 0  # seconds after the day's local midnight
        self._due: list[_Due] = []
        self._seq = itertools.count()
        self._free: list[int] = []  # windows that call at this moment
        self._fresh: list[str] = []  # services of the tickets that joined a queue at this moment
        for action in plan.actions():
            self._at(action.at, action.kind, window=action.window, visit=action.visit, pause=action.pause)

    async def run(self) -> None:
        if self._due:
            self.now = self._due[0].at
            await self.pacer.advance(self.plan.at(self.now))
            await self._book_ahead()
        while self._due:
            self.now = self._due[0].at
            await self.pacer.advance(self.plan.at(self.now))
            await self._perform(self._pop_due())
            await self._call_windows()
        await self._sign_out_all()

    # -- the event queue -------------------------------------------------------------

    def _at(self, seconds: int, kind: str, **what: Any) -> None:
        """Schedule at the first tick not before `seconds`, and never in the past."""
        at = max(self.now, math.ceil(seconds / self.tick) * self.tick)
        heapq.heappush(self._due, _Due(at, _ORDER[kind], next(self._seq), kind, **what))

    def _pop_due(self) -> list[_Due]:
        due = []
        while self._due and self._due[0].at == self.now:
            due.append(heapq.heappop(self._due))
        return due

    @property
    def _t(self) -> datetime:
        return self.plan.at(self.now)

    async def _perform(self, due: list[_Due]) -> None:
        if not self.parallel:
            for item in due:
                await self._handle(item)
            return
        lanes: dict[tuple[str, int], list[_Due]] = {}
        for item in due:
            lanes.setdefault(item.lane, []).append(item)
        await asyncio.gather(*(self._lane(items) for items in lanes.values()))

    async def _lane(self, items: list[_Due]) -> None:
        for item in items:
            await self._handle(item)

    async def _handle(self, item: _Due) -> None:
        await getattr(self, "_" + item.kind.replace("-", "_"))(item)

    # -- what happens ----------------------------------------------------------------

    async def _sign_in(self, item: _Due) -> None:
        await self.console.sign_in(self._t, item.own_window)
        self._ready(self.desks[item.own_window])

    async def _book_ahead(self) -> None:
        """Before the day's first action, the appointment visitors book their slots (a full slot: a walk-in)."""
        for visit in self.plan.visits:
            if visit.appointment is not None:
                await self.console.book(self._t, visit.id, visit.service, self.plan.at(visit.appointment))

    async def _arrive(self, item: _Due) -> None:
        visit = item.visit
        assert visit is not None
        if visit.id in self.console.booking_of:
            issued = await self.console.check_in(self._t, visit.id, visit.service)
        else:  # an appointment whose slot was full comes as a walk-in
            priority = Priority.NORMAL if visit.priority is Priority.APPOINTMENT else visit.priority
            issued = await self.console.issue(self._t, visit.id, visit.service, priority.value)
        if issued:
            self.service_now[visit.id] = visit.service
            self._fresh.append(visit.service)

    async def _start(self, item: _Due) -> None:
        desk = self.desks[item.own_window]
        visit = desk.visit
        assert visit is not None
        await self.console.start(self._t, desk.number)
        desk.state = "serving"
        if visit.summons is not None:
            await self._summon(desk.number, visit, visit.summons)
        elif visit.id in self.transferred:
            assert visit.second_handling is not None  # planned with every transfer
            self._at(self.now + visit.second_handling, "finish", window=desk.number)
        elif visit.transfer_to:
            assert visit.transfer_after is not None
            self._at(self.now + visit.transfer_after, "transfer", window=desk.number)
        else:
            self._at(self.now + visit.handling, "finish", window=desk.number)

    async def _summon(self, window: int, visit: Visit, summons: Summoned) -> None:
        """The department is summoned as service starts; the case is finished once its officer came."""
        if not self.hall.summons.auto:
            await self.console.summon(self._t, window)
        self._at(self.now + summons.acknowledge, "acknowledge", window=window, visit=visit)
        self._at(self.now + summons.arrive, "officer-arrive", window=window, visit=visit)
        self._at(self.now + max(visit.handling, summons.arrive + AFTER_ARRIVAL), "finish", window=window)

    async def _acknowledge(self, item: _Due) -> None:
        assert item.visit is not None
        await self.console.acknowledge(self._t, item.visit.id, self._department(item.visit))

    async def _officer_arrive(self, item: _Due) -> None:
        assert item.visit is not None
        await self.console.officer_arrive(self._t, item.visit.id, self._department(item.visit))

    def _department(self, visit: Visit) -> str:
        department = self.hall.summons.for_service(visit.service)
        assert department is not None  # the plan gives summons times to summoned services only
        return department.id

    async def _finish(self, item: _Due) -> None:
        desk = self.desks[item.own_window]
        assert desk.visit is not None
        await self.console.finish(self._t, desk.number, desk.visit.rating)
        await self._freed(desk)

    async def _recall(self, item: _Due) -> None:
        await self.console.recall(self._t, item.own_window)
        self._at(self.now + NO_SHOW_AFTER - RECALL_AFTER, "no-show", window=item.window)

    async def _no_show(self, item: _Due) -> None:
        desk = self.desks[item.own_window]
        visit = desk.visit
        assert visit is not None
        await self.console.no_show(self._t, desk.number)
        if visit.rejoin_after is not None:
            self._at(self.now + visit.rejoin_after, "rejoin", visit=visit)
        await self._freed(desk)

    async def _transfer(self, item: _Due) -> None:
        desk = self.desks[item.own_window]
        visit = desk.visit
        assert visit is not None and visit.transfer_to is not None
        await self.console.transfer(self._t, desk.number, visit.transfer_to)
        self.transferred.add(visit.id)
        self.service_now[visit.id] = visit.transfer_to
        self._fresh.append(visit.transfer_to)
        await self._freed(desk)

    async def _rejoin(self, item: _Due) -> None:
        visit = item.visit
        assert visit is not None
        if not self.hall.hours.is_open(self.hall.local(self._t)):
            return  # came back after closing: goes home
        await self.console.rejoin(self._t, visit.id)
        self._fresh.append(self.service_now[visit.id])

    async def _pause(self, item: _Due) -> None:
        desk = self.desks[item.own_window]
        if desk.state in ("free", "idle"):
            assert item.pause is not None
            await self._pause_now(desk, item.pause)
        elif desk.state in ("called", "serving"):
            desk.pending_pause = item.pause

    async def _resume(self, item: _Due) -> None:
        await self.console.resume(self._t, item.own_window)
        self._ready(self.desks[item.own_window])

    async def _pause_now(self, desk: Desk, pause: Pause) -> None:
        await self.console.pause(self._t, desk.number, pause.reason, pause.note)
        if desk.number in self._free:
            self._free.remove(desk.number)
        desk.state, desk.pending_pause = "paused", None
        self._at(pause.end, "resume", window=desk.number)

    async def _freed(self, desk: Desk) -> None:
        """The citizen left: take the pause that came due meanwhile, or call the next one."""
        desk.visit = None
        pause, desk.pending_pause = desk.pending_pause, None
        if pause is not None and self.now < pause.end:
            await self._pause_now(desk, pause)
        else:
            self._ready(desk)

    def _ready(self, desk: Desk) -> None:
        desk.state = "free"
        self._free.append(desk.number)

    # -- calling -------------------------------------------------------------------

    async def _call_windows(self) -> None:
        """Free windows call; so does one idle window for each ticket that joined a queue."""
        callers = sorted(self._free)
        taken = set(callers)
        for service in self._fresh:
            window = self._idle_window_for(service, taken)
            if window is not None:
                callers.append(window)
                taken.add(window)
        self._free, self._fresh = [], []
        if self.parallel:
            await asyncio.gather(*(self._call(n) for n in callers))
        else:
            for number in callers:
                await self._call(number)

    def _idle_window_for(self, service: str, taken: set[int]) -> int | None:
        """The idle window that notices a new ticket first: its best profile level, then idle longest."""
        idle = [(level, self.desks[n].idle_since, n) for n, level in self.serving[service]
                if n not in taken and self.desks[n].state == "idle"]
        return min(idle)[2] if idle else None

    async def _call(self, number: int) -> None:
        desk = self.desks[number]
        visit_id = await self.console.call_next(self._t, number)
        if visit_id is None:
            desk.state, desk.idle_since = "idle", self.now
            return
        visit = self.visits[visit_id]
        desk.visit, desk.state = visit, "called"
        if visit.no_show and visit.id not in self.no_showed:
            self.no_showed.add(visit.id)
            self._at(self.now + RECALL_AFTER, "recall", window=number)
        else:
            self._at(self.now + visit.walk_up, "start", window=number)

    async def _sign_out_all(self) -> None:
        """The hall is empty: every clerk signs out."""
        open_desks = [d for d in self.desks.values() if d.state != "closed"]
        if self.parallel:
            await asyncio.gather(*(self.console.sign_out(self._t, d.number) for d in open_desks))
        else:
            for desk in open_desks:
                await self.console.sign_out(self._t, desk.number)
        for desk in open_desks:
            desk.state = "closed"


# --- one run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    report: Report
    actions: int  # performed
    requests: int  # HTTP requests while playing the day, clock steps included
    setup_s: float  # signing the staff in (password hashing on the server)
    wall_s: float  # playing the day

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0


@asynccontextmanager
async def console_for(hall: Hall, roster: Roster, url: str, staff: Iterable[str],
                      log: ActionLog | None = None) -> AsyncIterator[Console]:
    """A console on one keep-alive connection pool, with the manager and `staff` signed in."""
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        console = Console(HallClient(session, url), hall, roster, Recorder(hall), log)
        await console.login([roster.manager, *roster.officers(hall), *staff])
        yield console


async def drive(plan: DayPlan, hall: Hall, roster: Roster, url: str, *, speed: float | None = None,
                tick: int = 1, parallel: bool = False, log_path: Path | None = None) -> Outcome:
    """Play `plan` through the server at `url`; the server must run on the roster's hall file."""
    header = {"hall": plan.hall, "day": plan.day.isoformat(), "seed": plan.seed, "visitors": len(plan.visits),
              "tick": tick, "parallel": parallel, "handling_scale": plan.handling_scale}
    with action_log(log_path, header) as log:
        started = walltime.monotonic()
        async with console_for(hall, roster, url, [s.staff_id for s in plan.shifts], log) as console:
            timing = Timing(console, started)
            pacer = pacer_for(console, speed, plan.day.isoformat())
            await DaySimulation(plan, hall, console, pacer, tick=tick, parallel=parallel).run()
            return timing.outcome()


class Timing:
    """Times a run from the moment the staff are signed in, apart from signing them in."""

    def __init__(self, console: Console, started: float) -> None:
        self.console = console
        self.setup_s = walltime.monotonic() - started
        self._start = walltime.monotonic()
        self._requests = console.client.requests

    def outcome(self) -> Outcome:
        return Outcome(self.console.recorder.report(), self.console.actions,
                       self.console.client.requests - self._requests, self.setup_s,
                       walltime.monotonic() - self._start)
