"""The audit trail: who did what to whom, from where, and how it ended.

Actions append one row each inside a transaction: the acting one, so that the
entry commits exactly when the action does, or one of its own for an outcome
whose action is refused (a throttled sign-in). The table is append-only; it is
read together with the event log by server.audit_query.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import asyncpg

from server.context import HallContext
from server.store import audit


class Action(str, Enum):
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    LOCKOUT = "lockout"
    UNLOCK = "unlock"
    TAKE_OVER = "take_over"
    FOLLOW_UP_CALLBACK = "follow_up_callback"  # 回访 of a bad rating's case
    FOLLOW_UP_FIX = "follow_up_fix"  # 整改 of a bad rating's case
    ASSESSMENT_ENTRY = "assessment_entry"  # points of the monthly assessment entered by hand
    CONFIG_RELOAD = "config_reload"  # `hallq reload`: the hall files read again (detail: what changed, or why not)
    DEVICE_ADDED = "device_added"  # by an admin, or seeded from the hall file (no actor)
    DEVICE_CHANGED = "device_changed"
    DEVICE_REVOKED = "device_revoked"
    STAFF_ADDED = "staff_added"
    STAFF_CHANGED = "staff_changed"
    STAFF_REVOKED = "staff_revoked"


class Outcome(str, Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"  # refused before the password was checked
    LOCKED = "locked"
    INVALID = "invalid"  # a reload's files failed validation: the running config stays
    REFUSED = "refused"  # a reload's change cannot apply live (a hall id, the time zone, a window in use)


@dataclass(frozen=True)
class Entry:
    hall: str
    action: Action
    outcome: Outcome
    actor: str | None = None  # staff or device id; None when not signed in
    subject: str | None = None  # a staff id, "window:15"
    address: str | None = None
    detail: str | None = None
    counterpart: str | None = None  # a second staff member it concerns: whom a take-over took the window from


class Audit:
    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    async def append(self, con: asyncpg.Connection, entry: Entry) -> None:
        """The entry, timed by the hall clock, in the transaction of `con`."""
        await audit.append(con, at=self.ctx.clock.now(), hall=entry.hall, actor=entry.actor,
                           action=entry.action.value, subject=entry.subject, address=entry.address,
                           outcome=entry.outcome.value, detail=entry.detail, counterpart=entry.counterpart)
