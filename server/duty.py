"""Window duty: staff sign in and out (A/B posts), pause and resume.

A clerk signs in only at the windows their staff entry lists; a window held by
someone else is taken over only by the holder's A/B partner (a clerk of the
same window on its other post) or by a manager, and the take-over is audited.
A paused or signed-out window is never given a ticket: calling checks the
window row this module maintains, under the same row lock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from server.audit import Action, Audit, Entry, Outcome
from server.auth import Principal
from server.context import HallContext
from server.errors import Conflict, Forbidden, NotFound
from server.events import Kind, window_event
from server.hall import Hall, Window
from server.model import PauseReason, WindowState, WindowStateName
from server.redaction import redacted
from server.store import events, windows

_NO_PAUSE = {"pause_reason": None, "pause_note": None, "pause_message": None}


@dataclass(frozen=True)
class Pause:
    reason: PauseReason  # screens show its label
    note: str | None = None  # internal: staff and managers only
    message: str | None = None  # for the citizens waiting


async def lock_window(con: asyncpg.Connection, hall: Hall, window_no: int) -> WindowState:
    state = await windows.get(con, hall.id, window_no, lock=True)
    if state is None:
        raise NotFound(f"unknown window {window_no}")
    return state


async def lock_own_window(con: asyncpg.Connection, hall: Hall, window_no: int, staff_id: str) -> WindowState:
    """Lock a window row and check that this staff member holds it."""
    state = await lock_window(con, hall, window_no)
    if state.state is WindowStateName.CLOSED or state.staff_id != staff_id:
        raise Conflict(f"您没有在 {window_no} 号窗口签到 (you are not signed in at window {window_no})",
                       code="not_signed_in")
    return state


def may_hold(hall: Hall, principal: Principal, window: Window) -> bool:
    """A manager of the hall anywhere; a clerk at the windows their entry lists."""
    member = hall.staff_member(principal.id) if principal.home == hall.id else None
    return principal.is_manager or (member is not None and member.may_hold(window.number))


class Duty:
    def __init__(self, ctx: HallContext, audit: Audit) -> None:
        self.ctx, self.audit = ctx, audit

    async def sign_in(self, principal: Principal, window_no: int, post: str, take_over: bool = False,
                      address: str | None = None) -> WindowState:
        hall = self._hall_window(principal.hall, window_no, post)
        window = hall.window(window_no)
        assert window is not None
        if not may_hold(hall, principal, window):
            raise Forbidden(f"您不在 {window_no} 号窗口的排班中 (you are not rostered at window {window_no})",
                            code="not_your_window")
        staff_id, now = principal.id, self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            elsewhere = await windows.held_by(con, hall.id, staff_id)
            if elsewhere and elsewhere.number != window_no:
                raise Conflict(f"您已在 {elsewhere.number} 号窗口签到，请先签退"
                               f" (you hold window {elsewhere.number}; sign out there first)", code="already_signed_in")
            state = await lock_window(con, hall, window_no)
            previous = state.staff_id if state.state is not WindowStateName.CLOSED else None
            taking = previous is not None and previous != staff_id
            if taking and not take_over:
                raise Conflict(f"{window_no} 号窗口由 {previous}（{state.post}岗）在岗，需对方签退或接岗"
                               f" (window is held by {previous}; they sign out, or take over)", code="window_held")
            if taking:
                self._check_take_over(principal, window, state, post)
            previous_post = state.post
            kept = state.state if previous == staff_id else WindowStateName.OPEN
            state = await windows.update(con, hall.id, window_no, state=kept.value, staff_id=staff_id,
                                         post=post, changed_at=now)
            await self._record(con, hall, Kind.WINDOW_SIGNED_IN, state, now, taken_from=previous)
            if taking:
                await self.audit.append(con, Entry(hall.id, Action.TAKE_OVER, Outcome.OK, actor=staff_id,
                                                   subject=f"window:{window_no}", address=address, counterpart=previous,
                                                   detail=f"from {previous} on post {previous_post}"))
            return state

    @staticmethod
    def _check_take_over(principal: Principal, window: Window, state: WindowState, post: str) -> None:
        """接岗: the holder's A/B partner (the window's other post) or a manager."""
        partner = len(window.posts) > 1 and post != state.post
        if not (principal.is_manager or partner):
            raise Forbidden(f"只有 {window.number} 号窗口的 AB 岗搭档或值班主任可以接岗"
                            " (only the window's A/B partner, on the other post, or a manager may take over)",
                            code="take_over_refused")

    async def sign_out(self, hall_id: str, window_no: int, staff_id: str) -> WindowState:
        hall = self._hall_window(hall_id, window_no)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            state = await self._lock_idle(con, hall, window_no, staff_id, "sign out")
            state = await windows.update(con, hall.id, window_no, state="closed", staff_id=None, post=None,
                                         changed_at=now, **_NO_PAUSE)
            await self._record(con, hall, Kind.WINDOW_SIGNED_OUT, state, now, staff=staff_id)
            return state

    async def pause(self, hall_id: str, window_no: int, staff_id: str, pause: Pause) -> WindowState:
        """Stop calling at the window; its free text is kept with ID and mobile numbers masked."""
        hall = self._hall_window(hall_id, window_no)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            state = await self._lock_idle(con, hall, window_no, staff_id, "pause")
            if state.state is WindowStateName.PAUSED:
                raise Conflict(f"{window_no} 号窗口已经暂停 (already paused)", code="window_paused")
            state = await windows.update(con, hall.id, window_no, state="paused", pause_reason=pause.reason.value,
                                         pause_note=redacted(pause.note), pause_message=redacted(pause.message),
                                         changed_at=now)
            await self._record(con, hall, Kind.WINDOW_PAUSED, state, now, reason=pause.reason.value)
            return state

    async def resume(self, hall_id: str, window_no: int, staff_id: str) -> WindowState:
        hall = self._hall_window(hall_id, window_no)
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as con:
            state = await lock_own_window(con, hall, window_no, staff_id)
            if state.state is not WindowStateName.PAUSED:
                raise Conflict(f"{window_no} 号窗口没有暂停 (window is not paused)", code="window_not_paused")
            state = await windows.update(con, hall.id, window_no, state="open", changed_at=now, **_NO_PAUSE)
            await self._record(con, hall, Kind.WINDOW_RESUMED, state, now)
            return state

    async def windows(self, hall_id: str) -> list[WindowState]:
        """Every window's state and current ticket."""
        async with self.ctx.pool.acquire() as con:
            return await windows.list_all(con, self.ctx.hall(hall_id).id)

    async def held_by(self, hall_id: str, staff_id: str) -> WindowState | None:
        """The window the staff member is signed in at, if any."""
        async with self.ctx.pool.acquire() as con:
            return await windows.held_by(con, hall_id, staff_id)

    def _hall_window(self, hall_id: str, window_no: int, post: str | None = None) -> Hall:
        hall = self.ctx.hall(hall_id)
        window = hall.window(window_no)
        if window is None:
            raise NotFound(f"unknown window {window_no}")
        if post is not None and post not in window.posts:
            raise Conflict(f"{window_no} 号窗口没有 {post} 岗 (window has posts {', '.join(window.posts)})",
                           code="unknown_post")
        return hall

    async def _lock_idle(self, con: asyncpg.Connection, hall: Hall, window_no: int, staff_id: str,
                         action: str) -> WindowState:
        state = await lock_own_window(con, hall, window_no, staff_id)
        if state.current_ticket is not None:
            raise Conflict(f"本窗口还有号在办理，请先办结或转办后再{'签退' if action == 'sign out' else '暂停'}"
                           f" (finish the current ticket before you {action})", code="window_busy")
        return state

    async def _record(self, con: asyncpg.Connection, hall: Hall, kind: Kind, state: WindowState,
                      now: datetime, **extra: object) -> None:
        window = hall.window(state.number)
        staff = state.staff_id or extra.get("staff")
        await events.append(con, hall.id, now, window_event(
            kind, state, window.zone if window else None, staff_id=str(staff) if staff else None, **extra))
