"""How many failed sign-ins an account or a client address may have, and what follows.

A few failures are free (typing errors); after that every failure makes the
next attempt wait twice as long as the one before, and an account that keeps
failing is locked until the lock runs out or a manager lifts it. The counters
live in PostgreSQL (`sign_in_attempts`), so every server process sees the same
ones. This module is the rule; `server.sign_in` applies it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg


@dataclass(frozen=True)
class Policy:
    free_failures: int  # failures before delays start
    lock_after: int | None  # failures that lock (accounts only: an address may be a whole office)
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=30)
    forget_after: timedelta = timedelta(minutes=30)  # a quiet key starts counting again

    def locks(self, failures: int) -> bool:
        return self.lock_after is not None and failures >= self.lock_after

    def delay(self, failures: int) -> timedelta | None:
        if failures < self.free_failures:
            return None
        doubled = self.first_delay * 2 ** min(failures - self.free_failures, 20)
        return min(doubled, self.max_delay)


ACCOUNT = Policy(free_failures=5, lock_after=10)
ADDRESS = Policy(free_failures=20, lock_after=None)  # counts failures only, once they are known


def booking_policy(per_address: int) -> Policy:
    """Bookings are public: an address that makes `per_address` in a row waits before each next one,
    so nobody fills a day's slots with made-up people. Only bookings made count (a full slot costs
    nothing), and a quiet half hour starts the count again."""
    return Policy(free_failures=per_address, lock_after=None, first_delay=timedelta(seconds=10),
                  max_delay=timedelta(minutes=30), forget_after=timedelta(minutes=30))


def account_key(hall: str, staff_id: str) -> str:
    return f"account:{hall}:{staff_id}"


def address_key(address: str) -> str:
    return f"address:{address}"


def booking_key(address: str) -> str:
    return f"booking:{address}"


@dataclass(frozen=True)
class Attempts:
    """One key's counter as stored."""

    failures: int
    last_at: datetime
    blocked_until: datetime | None = None
    locked_until: datetime | None = None

    @classmethod
    def of(cls, record: asyncpg.Record) -> Attempts:
        return cls(record["failures"], record["last_at"], record["blocked_until"], record["locked_until"])

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def wait(self, now: datetime) -> timedelta | None:
        """How long an attempt now must still wait; None when it may go ahead."""
        until = max((t for t in (self.blocked_until, self.locked_until) if t is not None and t > now), default=None)
        return until - now if until else None

    def charged(self, now: datetime, policy: Policy) -> Attempts:
        """One more failure at `now`, with the wait it earns (an account's is counted before
        its password is checked, and forgotten when the password proves right)."""
        fresh = self.last_at < now - policy.forget_after or (self.locked_until is not None and not self.locked(now))
        failures = (0 if fresh else self.failures) + 1
        delay = policy.delay(failures)
        return Attempts(failures, now, now + delay if delay else None, None)


def seconds(wait: timedelta) -> int:
    """Retry-After: whole seconds, never 0 for a wait that has not ended."""
    return max(1, math.ceil(wait.total_seconds()))
