"""Staff sign-in and sign-out: throttled, checked off the event loop, audited.

Every attempt is first charged to its account and its client address (see
`server.throttle`), so guesses are slowed down across all server processes,
then the password is checked in a thread. An unknown staff id is checked
against a dummy hash of the hall's usual cost, so neither the answer nor its
time tells which staff ids exist.
"""
from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

import asyncpg

from server import credentials, throttle
from server.audit import Action, Audit, Entry, Outcome
from server.auth import Principal
from server.context import HallContext
from server.directory import Directory
from server.errors import NotFound, TooManyAttempts, Unauthorized
from server.hall import Hall, StaffMember
from server.store import sessions, sign_ins

SESSION_LIFETIME = timedelta(hours=12)
# One core is left to the event loop: a burst of sign-ins never stalls the hall.
_HASHING = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="password")
_CONNECTIONS = 2  # of the pool, at most, for sign-ins: a burst of guesses leaves the rest to the hall


@dataclass(frozen=True)
class SignedIn:
    token: str
    hall: Hall
    member: StaffMember


async def hashed_password(password: str) -> str:
    """A new password's hash, made on the hashing threads: never on the event loop's core."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, credentials.hash_password, password)


def _check_password(password: str, stored: str | None, cost: str) -> bool:
    """In the hashing thread: an unknown account costs the same as a known one."""
    return credentials.verify_password(password, stored or credentials.dummy_hash(cost))


class SignIns:
    def __init__(self, ctx: HallContext, audit: Audit, directory: Directory) -> None:
        self.ctx, self.audit, self.directory = ctx, audit, directory
        self._connections = asyncio.Semaphore(_CONNECTIONS)
        self._usual_cost = {
            hall.id: Counter(credentials.cost_of(m.password_hash) for m in hall.staff).most_common(1)[0][0]
            if hall.staff else credentials.default_cost()
            for hall in ctx.halls.values()
        }

    async def sign_in(self, hall_id: str, staff_id: str, password: str, address: str | None) -> SignedIn:
        hall = self.ctx.hall(hall_id)
        member = await self.directory.member(hall.id, staff_id)  # the table's: added or revoked a moment ago
        account, from_address = throttle.account_key(hall.id, staff_id), throttle.address_key(address or "unknown")
        entry = Entry(hall.id, Action.SIGN_IN, Outcome.OK, subject=staff_id, address=address)
        charged = await self._admit(account, from_address, entry)
        ok = await asyncio.get_running_loop().run_in_executor(
            _HASHING, _check_password, password, member.password_hash if member else None, self._usual_cost[hall.id])
        if member is None or not ok:
            await self._failed(account, charged, from_address, entry)
            raise Unauthorized("工号或密码错误 (wrong staff id or password)", code="bad_credentials")
        token = credentials.new_token()
        now = self.ctx.clock.now()
        async with self._transaction() as con:
            await sign_ins.forget(con, account)
            await sessions.create(con, credentials.hash_token(token), hall.id, staff_id, now, now + SESSION_LIFETIME)
            await self.audit.append(con, replace(entry, actor=staff_id))
        return SignedIn(token, hall, member)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._connections, self.ctx.transaction() as con:
            yield con

    async def _admit(self, account: str, address: str, entry: Entry) -> throttle.Attempts:
        """Refuse the attempt while its account or address must wait; else charge it to the account.

        The account is charged before its password is checked, so parallel guesses at one
        account cannot all pass; an address only counts failures, so a whole office signing
        in at nine o'clock is never held up by its own attempts in flight.
        """
        now = self.ctx.clock.now()
        async with self._transaction() as con:
            rows = await sign_ins.lock(con, [account, address], now)
            states = [throttle.Attempts.of(rows[key]) for key in (account, address)]
            waits = [(wait, state.locked(now)) for state in states if (wait := state.wait(now)) is not None]
            if not waits:
                charged = states[0].charged(now, throttle.ACCOUNT)
                await sign_ins.save(con, account, charged)
                return charged
        wait, locked = max(waits)
        async with self._transaction() as con:
            await self.audit.append(con, replace(entry, outcome=Outcome.LOCKED if locked else Outcome.THROTTLED))
        seconds = throttle.seconds(wait)
        if locked:
            raise TooManyAttempts(f"账号因多次密码错误已锁定，请联系值班主任解锁或 {seconds} 秒后再试"
                                  f" (account locked after repeated failures: ask a manager, or retry in {seconds} s)",
                                  retry_after=seconds)
        raise TooManyAttempts(f"登录失败次数过多，请 {seconds} 秒后再试"
                              f" (too many failed sign-ins: retry in {seconds} s)", retry_after=seconds)

    async def _failed(self, account: str, charged: throttle.Attempts, address: str, entry: Entry) -> None:
        """A wrong password: counted against the address, audited, and the account locked
        when it has failed often enough."""
        policy, now = throttle.ACCOUNT, self.ctx.clock.now()
        async with self._transaction() as con:
            rows = await sign_ins.lock(con, [address], now)
            await sign_ins.save(con, address, throttle.Attempts.of(rows[address]).charged(now, throttle.ADDRESS))
            if policy.locks(charged.failures):
                await sign_ins.lock_until(con, account, now + policy.lock_for)
                await self.audit.append(con, replace(entry, action=Action.LOCKOUT, outcome=Outcome.LOCKED,
                                                     detail=f"after {charged.failures} failures"))
            await self.audit.append(con, replace(entry, outcome=Outcome.BAD_CREDENTIALS))

    async def sign_out(self, principal: Principal, token: str, address: str | None) -> None:
        async with self._transaction() as con:
            await sessions.delete(con, credentials.hash_token(token))
            await self.audit.append(con, Entry(principal.home, Action.SIGN_OUT, Outcome.OK, actor=principal.id,
                                               subject=principal.id, address=address))

    async def unlock(self, principal: Principal, staff_id: str, address: str | None) -> bool:
        """Lift a staff member's lockout (and their failure count); whether they were locked."""
        hall = self.ctx.hall(principal.hall)
        if await self.directory.member(hall.id, staff_id) is None:
            raise NotFound(f"unknown staff id {staff_id!r}")
        now = self.ctx.clock.now()
        async with self._transaction() as con:
            until = await sign_ins.forget(con, throttle.account_key(hall.id, staff_id))
            locked = until is not None and until > now
            await self.audit.append(con, Entry(hall.id, Action.UNLOCK, Outcome.OK,
                                               actor=principal.id, subject=staff_id, address=address,
                                               detail=None if locked else "was not locked"))
        return locked
