"""The ticket lifecycle at the windows: call, recall, no-show (and its undo),
rejoin, start, finish, finish-and-call-next, transfer, cancel.

A ticket is acted on by the holder of its window; cancel and rejoin also by a
manager, and for a ticket back in the queue "its window" is the one that
called it last. A transfer goes to a service, a zone, or an open window.

Each action is one transaction that changes the ticket (and window) rows and
appends its event. Locks are always taken window first, then ticket, then the
event counter, so concurrent actions cannot deadlock.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from server.auth import Principal
from server.context import HallContext
from server.duty import lock_own_window
from server.errors import Conflict, NotFound, Unprocessable
from server.events import Kind, ticket_event
from server.hall import Hall, Priority, RejoinPolicy, Window
from server.model import Ticket, TicketStatus, WindowState, WindowStateName
from server.redaction import redacted
from server.routing import Candidate, choose_ticket, servable
from server.store import events, tickets, windows
from server.summons import auto_summons

_CLAIM_ATTEMPTS = 25  # heads skipped because another window is claiming them right now
UNDO_NO_SHOW = timedelta(seconds=10)  # a mistaken 过号 is taken back at once, before the citizen is lost


@dataclass(frozen=True)
class Served:
    """One key per citizen: the ticket finished at the window (if any) and the one called next (if any)."""

    finished: Ticket | None
    called: Ticket | None


@dataclass(frozen=True)
class TransferTarget:
    service: str | None = None
    zone: str | None = None
    window: int | None = None
    note: str | None = None  # internal: staff and managers only
    message: str | None = None  # for the citizen: shown on their ticket page


def announcement(hall: Hall, number: str, window_no: int) -> str:
    """What the screens say, and the called citizen's phone reads: "请 A023 号 到 15 号窗口 办理"."""
    return hall.announcement.format(number=number, window=window_no)


def candidate(record: asyncpg.Record | Ticket, now: datetime) -> Candidate:
    """A waiting ticket (a row or a Ticket) as routing sees it at `now`."""
    get = record.__getitem__ if isinstance(record, asyncpg.Record) else lambda name: getattr(record, name)
    return Candidate.waiting(get("id"), get("service"), Priority(get("priority")), get("arrival_at"),
                             get("queued_at"), get("target_window"), now)


_Owned = tuple[asyncpg.Connection, Hall, Ticket, datetime]  # what _own_ticket yields


class Lifecycle:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    # -- calling -------------------------------------------------------------

    async def call_next(self, hall_id: str, window_no: int, staff_id: str) -> Ticket | None:
        """Call the ticket the routing policy picks for this window; None if nobody waits."""
        hall, window = self._window(hall_id, window_no)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            await self._lock_callable_window(con, hall, window_no, staff_id)
            chosen = await self._claim_next(con, hall, window, now)
            return None if chosen is None else await self._call(con, hall, chosen, window_no, staff_id, now)

    async def serve_next(self, hall_id: str, window_no: int, staff_id: str) -> Served:
        """Finish the ticket at the window (called or being served), then call the next: one transaction."""
        hall, window = self._window(hall_id, window_no)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            state = await self._lock_open_window(con, hall, window_no, staff_id)
            finished = None
            if state.current_ticket is not None:
                ticket = await self._lock_ticket(con, hall, state.current_ticket)
                if ticket.status not in (TicketStatus.CALLED, TicketStatus.SERVING):
                    raise self._wrong_state(ticket, "finish")
                finished = await self._end_stay(con, hall, ticket, now, "done", **self._done(ticket, now))
            chosen = await self._claim_next(con, hall, window, now)
            # the events go last, in the order they happened: the counter row is locked until commit
            if finished is not None:
                await self._record(con, hall, Kind.TICKET_FINISHED, finished, now, window_no, staff_id)
            called = None if chosen is None else await self._call(con, hall, chosen, window_no, staff_id, now)
            return Served(finished, called)

    async def _claim_next(self, con: asyncpg.Connection, hall: Hall, window: Window, now: datetime) -> int | None:
        """Claim the ticket routing picks for the window; None if nobody waits."""
        services = None if window.universal else [rank.service for rank in window.profile]
        day = self.ctx.today(hall, now)
        skipped: list[int] = []
        for _ in range(_CLAIM_ATTEMPTS):
            heads = await tickets.waiting_heads(con, hall.id, day, services, window.number, skipped)
            chosen = choose_ticket(window, [candidate(r, now) for r in heads], now, hall.queue.starvation)
            if chosen is None:
                return None
            if await tickets.claim_waiting(con, chosen.ticket_id):
                return chosen.ticket_id
            skipped.append(chosen.ticket_id)
        raise Conflict("其他窗口正在叫号，请重试 (other windows are calling the same tickets; try again)", code="busy")

    async def call_ticket(self, hall_id: str, window_no: int, staff_id: str, number: str) -> Ticket:
        """Call one ticket by its number: it must be waiting (or a no-show) and servable here."""
        hall, window = self._window(hall_id, window_no)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            await self._lock_callable_window(con, hall, window_no, staff_id)
            found = await tickets.by_number(con, hall.id, self.ctx.today(hall, now), number.upper())
            if found is None:
                raise NotFound(f"今天没有 {number} 号 (no ticket {number} today)")
            ticket = await tickets.get(con, hall.id, found.id, lock=True)
            assert ticket is not None
            if ticket.status not in (TicketStatus.WAITING, TicketStatus.NO_SHOW):
                raise Conflict(f"{ticket.number} 号当前状态为 {ticket.status.value}，不能叫号"
                               f" (ticket is {ticket.status.value}, not waiting)", code="invalid_state")
            if not servable(window, candidate(ticket, now)):
                raise Conflict(f"{window_no} 号窗口不办理 {ticket.number} 号的事项，请转办"
                               " (this window does not serve that ticket; transfer it instead)", code="not_served_here")
            return await self._call(con, hall, ticket.id, window_no, staff_id, now)

    async def recall(self, hall_id: str, window_no: int, staff_id: str) -> Ticket:
        """重呼: announce the window's called ticket again."""
        hall, _ = self._window(hall_id, window_no)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            state = await lock_own_window(con, hall, window_no, staff_id)
            if state.current_ticket is None:
                raise Conflict("本窗口当前没有已叫的号 (no ticket has been called at this window)", code="no_ticket")
            ticket = await tickets.get(con, hall.id, state.current_ticket, lock=True)
            assert ticket is not None
            if ticket.status is not TicketStatus.CALLED:
                raise Conflict(f"{ticket.number} 号已开始办理，无需重呼 (already being served)",
                               code="invalid_state")
            ticket = await tickets.update(con, ticket.id, called_at=now, call_count=ticket.call_count + 1)
            await self._record(con, hall, Kind.TICKET_RECALLED, ticket, now, window_no, staff_id,
                               announcement=announcement(hall, ticket.number, window_no))
            return ticket

    async def _call(self, con: asyncpg.Connection, hall: Hall, ticket_id: int, window_no: int,
                    staff_id: str, now: datetime) -> Ticket:
        before = await tickets.get(con, hall.id, ticket_id)
        assert before is not None
        ticket = await tickets.update(
            con, ticket_id, status="called", window_no=window_no, staff_id=staff_id, called_at=now,
            first_called_at=before.first_called_at or now, call_count=before.call_count + 1,
            target_window=None,
        )
        await tickets.open_serving(con, ticket, self.ctx.today(hall, now), window_no, staff_id, now)
        await windows.update(con, hall.id, window_no, current_ticket=ticket.id)
        await self._record(con, hall, Kind.TICKET_CALLED, ticket, now, window_no, staff_id,
                           announcement=announcement(hall, ticket.number, window_no))
        return ticket

    # -- acting on the window's ticket ---------------------------------------

    async def start(self, hall_id: str, staff_id: str, ticket_id: int) -> Ticket:
        allowed = (TicketStatus.CALLED,)
        async with self._own_ticket(hall_id, staff_id, ticket_id, "start", allowed) as (con, hall, ticket, now):
            await tickets.start_serving(con, ticket.id, now)
            ticket = await tickets.update(con, ticket.id, status="serving", started_at=now)
            assert ticket.window_no is not None
            summoned = await auto_summons(con, self.ctx, hall, ticket, ticket.window_no, staff_id, now)
            await self._record(con, hall, Kind.TICKET_STARTED, ticket, now, ticket.window_no, staff_id)
            if summoned is not None:
                await events.append(con, hall.id, now, summoned)
            return ticket

    async def finish(self, hall_id: str, staff_id: str, ticket_id: int) -> Ticket:
        """办结 the ticket being served, or a called one straight away (no separate start)."""
        allowed = (TicketStatus.CALLED, TicketStatus.SERVING)
        async with self._own_ticket(hall_id, staff_id, ticket_id, "finish", allowed) as (con, hall, ticket, now):
            return await self._close(con, hall, ticket, staff_id, now, "done", Kind.TICKET_FINISHED,
                                     **self._done(ticket, now))

    @staticmethod
    def _done(ticket: Ticket, now: datetime) -> dict[str, Any]:
        """The changes that finish a ticket. One finished without a start was served from its call:
        the stay's handling counts from the call, its walk-up is 0."""
        if ticket.status is TicketStatus.SERVING:
            return {"status": "done", "finished_at": now}
        return {"status": "done", "finished_at": now, "started_at": ticket.called_at}

    async def no_show(self, hall_id: str, staff_id: str, ticket_id: int) -> Ticket:
        """过号: the called citizen did not come to the window."""
        allowed = (TicketStatus.CALLED,)
        async with self._own_ticket(hall_id, staff_id, ticket_id, "no-show", allowed) as (con, hall, ticket, now):
            return await self._close(con, hall, ticket, staff_id, now, "no_show", Kind.TICKET_NO_SHOW,
                                     status="no_show")

    async def undo_no_show(self, hall_id: str, staff_id: str, ticket_id: int) -> Ticket:
        """Take a 过号 back within UNDO_NO_SHOW: the ticket is called at its window again, as it was,
        and its stay goes on (it no longer counts as a no-show)."""
        hall, now = self.ctx.hall(hall_id), self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            held = await windows.held_by(con, hall.id, staff_id)
            state = await lock_own_window(con, hall, held.number, staff_id) if held else None
            ticket = await self._lock_ticket(con, hall, ticket_id)
            if ticket.status is not TicketStatus.NO_SHOW:
                raise self._wrong_state(ticket, "undo no-show")
            stay = await tickets.last_stay(con, ticket.id)
            assert stay is not None  # a no-show was called somewhere
            self._check_own(ticket, held, stay["window_no"])
            assert state is not None  # _check_own refuses a caller holding no window
            if stay["outcome"] != "no_show" or now - stay["ended_at"] > UNDO_NO_SHOW:
                raise Conflict(f"{ticket.number} 号过号已超过 {UNDO_NO_SHOW.seconds} 秒，不能撤销"
                               " (too late to undo the no-show)", code="undo_expired")
            self._check_idle(state)
            await tickets.reopen_serving(con, stay["id"])
            ticket = await tickets.update(con, ticket.id, status="called", window_no=state.number)
            state = await windows.update(con, hall.id, state.number, current_ticket=ticket.id)
            await self._record(con, hall, Kind.TICKET_NO_SHOW_UNDONE, ticket, now, state.number, staff_id,
                               window_state=state.public())
            return ticket

    async def transfer(self, hall_id: str, staff_id: str, ticket_id: int, target: TransferTarget) -> Ticket:
        """Send the ticket to another service, zone or window; it keeps its number and issue time.

        The note (kept until a new one) and the message are stored with ID and mobile
        numbers and the holder's name masked."""
        allowed = (TicketStatus.CALLED, TicketStatus.SERVING)
        async with self._own_ticket(hall_id, staff_id, ticket_id, "transfer", allowed) as (con, hall, ticket, now):
            service, target_window = self._transfer_destination(hall, ticket, target)
            if target_window is not None:
                await self._check_open(con, hall, target_window)
            zone = hall.service(service).zone  # type: ignore[union-attr]
            return await self._close(
                con, hall, ticket, staff_id, now, "transferred", Kind.TICKET_TRANSFERRED,
                status="waiting", service=service, zone=zone, target_window=target_window,
                queued_at=now, window_no=None, note=redacted(target.note, ticket.holder_masked) or ticket.note,
                message=redacted(target.message, ticket.holder_masked),
                extra={"from_window": ticket.window_no, "from_service": ticket.service},
            )

    async def cancel(self, principal: Principal, ticket_id: int) -> Ticket:
        """Cancel a waiting ticket, or the one at the caller's window (a manager: at any window)."""
        hall, staff_id, now = self.ctx.hall(principal.hall), principal.id, self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            held = await windows.held_by(con, hall.id, staff_id)
            at = await self._lock_window_of(con, hall, ticket_id)
            ticket = await self._lock_ticket(con, hall, ticket_id)
            if ticket.status not in (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING):
                raise self._wrong_state(ticket, "cancel")
            if ticket.status is not TicketStatus.WAITING and ticket.window_no != at:
                raise Conflict("该号刚被其他窗口操作，请重试 (the ticket just moved; try again)", code="busy")
            await self._check_own_or_manager(con, principal, ticket, held)
            if ticket.status is not TicketStatus.WAITING:
                return await self._close(con, hall, ticket, staff_id, now, "cancelled", Kind.TICKET_CANCELLED,
                                         status="cancelled")
            ticket = await tickets.update(con, ticket.id, status="cancelled")
            await self._record(con, hall, Kind.TICKET_CANCELLED, ticket, now, None, staff_id)
            return ticket

    async def _lock_window_of(self, con: asyncpg.Connection, hall: Hall, ticket_id: int) -> int | None:
        """Lock the window a ticket is at before the ticket itself: windows are always locked first."""
        peek = await tickets.get(con, hall.id, ticket_id)
        at = peek.window_no if peek and peek.status in (TicketStatus.CALLED, TicketStatus.SERVING) else None
        if at is not None:
            await windows.get(con, hall.id, at, lock=True)
        return at

    async def rejoin(self, principal: Principal, ticket_id: int) -> Ticket:
        """A no-show who comes back joins the queue again, as the hall's rule says."""
        hall, now = self.ctx.hall(principal.hall), self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            held = await windows.held_by(con, hall.id, principal.id)
            ticket = await self._lock_ticket(con, hall, ticket_id)
            if ticket.status is not TicketStatus.NO_SHOW:
                raise self._wrong_state(ticket, "rejoin")
            await self._check_own_or_manager(con, principal, ticket, held)
            arrival = await self._rejoin_arrival(con, hall, ticket, now)
            ticket = await tickets.update(con, ticket.id, status="waiting", queued_at=now,
                                          arrival_at=arrival, window_no=None)
            await self._record(con, hall, Kind.TICKET_REJOINED, ticket, now, None, principal.id)
            return ticket

    async def _rejoin_arrival(self, con: asyncpg.Connection, hall: Hall, ticket: Ticket, now: datetime) -> datetime:
        if hall.queue.rejoin is RejoinPolicy.BEHIND:
            place = await tickets.nth_in_queue(con, hall.id, self.ctx.today(hall, now), ticket.service,
                                               hall.queue.rejoin_places)
            if place is not None:
                return place + timedelta(microseconds=1)
        return now

    def _transfer_destination(self, hall: Hall, ticket: Ticket, target: TransferTarget) -> tuple[str, int | None]:
        if target.window is not None:
            if hall.window(target.window) is None:
                raise NotFound(f"unknown window {target.window}")
            return target.service or ticket.service, target.window
        if target.service:
            if hall.service(target.service) is None:
                raise NotFound(f"unknown service {target.service!r}")
            return target.service, None
        if target.zone:
            if hall.zone(target.zone) is None:
                raise NotFound(f"unknown zone {target.zone!r}")
            return hall.services_in(target.zone)[0].code, None
        raise Unprocessable("transfer needs a service, a zone or a window")

    async def _close(self, con: asyncpg.Connection, hall: Hall, ticket: Ticket, staff_id: str, now: datetime,
                     outcome: str, kind: Kind, extra: dict | None = None, **changes: object) -> Ticket:
        """End the ticket's stay at its window with `outcome`, free the window, record `kind`."""
        window_no = ticket.window_no
        ticket = await self._end_stay(con, hall, ticket, now, outcome, **changes)
        await self._record(con, hall, kind, ticket, now, window_no, staff_id, **(extra or {}))
        return ticket

    @staticmethod
    async def _end_stay(con: asyncpg.Connection, hall: Hall, ticket: Ticket, now: datetime, outcome: str,
                        **changes: object) -> Ticket:
        window_no = ticket.window_no
        assert window_no is not None  # only a ticket at a window is closed here
        if "started_at" in changes:
            await tickets.start_serving(con, ticket.id, changes["started_at"])  # type: ignore[arg-type]
        await tickets.close_serving(con, ticket.id, outcome, now)
        ticket = await tickets.update(con, ticket.id, **changes)
        await windows.update(con, hall.id, window_no, current_ticket=None)
        return ticket

    # -- guards ---------------------------------------------------------------

    def _window(self, hall_id: str, window_no: int) -> tuple[Hall, Window]:
        hall = self.ctx.hall(hall_id)
        window = hall.window(window_no)
        if window is None:
            raise NotFound(f"unknown window {window_no}")
        return hall, window

    async def _lock_open_window(self, con: asyncpg.Connection, hall: Hall, window_no: int,
                                staff_id: str) -> WindowState:
        state = await lock_own_window(con, hall, window_no, staff_id)
        self._check_not_paused(state)
        return state

    @staticmethod
    def _check_not_paused(state: WindowState) -> None:
        if state.state is WindowStateName.PAUSED:
            raise Conflict(f"{state.number} 号窗口已暂停，请先恢复 (window is paused: resume it first)",
                           code="window_paused")

    async def _lock_callable_window(self, con: asyncpg.Connection, hall: Hall, window_no: int,
                                    staff_id: str) -> WindowState:
        state = await self._lock_open_window(con, hall, window_no, staff_id)
        if state.current_ticket is not None:
            current = await tickets.get(con, hall.id, state.current_ticket)
            number = current.number if current else state.current_ticket
            raise Conflict(f"{number} 号还在本窗口办理，请先办结、过号或转办"
                           " (finish, no-show or transfer the current ticket first)", code="window_busy")
        return state

    @classmethod
    def _check_idle(cls, state: WindowState) -> None:
        """Nothing at the window and not paused: a ticket may be put back at it."""
        cls._check_not_paused(state)
        if state.current_ticket is not None:
            raise Conflict("本窗口已有号在办理，不能撤销过号 (another ticket is at the window now)",
                           code="window_busy")

    async def _lock_ticket(self, con: asyncpg.Connection, hall: Hall, ticket_id: int) -> Ticket:
        ticket = await tickets.get(con, hall.id, ticket_id, lock=True)
        if ticket is None:
            raise NotFound(f"unknown ticket {ticket_id}")
        return ticket

    @asynccontextmanager
    async def _own_ticket(self, hall_id: str, staff_id: str, ticket_id: int, action: str,
                          allowed: tuple[TicketStatus, ...]) -> AsyncIterator[_Owned]:
        """Lock the staff member's window, then the ticket; check the ticket is theirs and in `allowed`."""
        hall = self.ctx.hall(hall_id)
        async with self.ctx.transaction() as con:
            held = await windows.held_by(con, hall.id, staff_id)
            if held:
                await lock_own_window(con, hall, held.number, staff_id)
            ticket = await self._lock_ticket(con, hall, ticket_id)
            if ticket.status not in allowed:
                raise self._wrong_state(ticket, action)
            self._check_own(ticket, held)
            yield con, hall, ticket, self.ctx.clock.now()

    async def _check_own_or_manager(self, con: asyncpg.Connection, principal: Principal, ticket: Ticket,
                                    held: WindowState | None) -> None:
        """A manager, or the holder of the window the ticket is at (or was last called to)."""
        if principal.is_manager:
            return
        last = ticket.window_no or await tickets.last_window(con, ticket.id)
        self._check_own(ticket, held, last)

    @staticmethod
    async def _check_open(con: asyncpg.Connection, hall: Hall, window_no: int) -> None:
        state = await windows.get(con, hall.id, window_no)
        if state is None or state.state is not WindowStateName.OPEN:
            raise Conflict(f"{window_no} 号窗口未开放（无人在岗或暂停），不能转入"
                           " (that window is not open: transfer to a service or zone instead)", code="window_closed")

    @staticmethod
    def _check_own(ticket: Ticket, held: WindowState | None, window_no: int | None = None) -> None:
        window_no = window_no or ticket.window_no
        if held is None:
            raise Conflict("请先在窗口签到 (sign in at a window first)", code="not_signed_in")
        if window_no != held.number:
            where = f"{window_no} 号窗口" if window_no else "队列中"
            raise Conflict(f"{ticket.number} 号在{where}，不属于您的 {held.number} 号窗口"
                           f" (the ticket belongs to another window)", code="not_your_ticket")

    @staticmethod
    def _wrong_state(ticket: Ticket, action: str) -> Conflict:
        return Conflict(f"{ticket.number} 号当前状态为 {ticket.status.value}，不能执行 {action}"
                        f" (cannot {action} a ticket that is {ticket.status.value})", code="invalid_state")

    async def _record(self, con: asyncpg.Connection, hall: Hall, kind: Kind, ticket: Ticket, now: datetime,
                      window_no: int | None, staff_id: str | None, **extra: object) -> None:
        await events.append(con, hall.id, now, ticket_event(kind, ticket, window_no=window_no, staff_id=staff_id,
                                                            **extra))

