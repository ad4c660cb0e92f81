"""Signed webhooks to the hall's notification gateway, and the worker that delivers the outbox.

Each delivery is a POST of a JSON body with headers
  Hallq-Delivery: <delivery id, the same on every retry>
  Hallq-Timestamp: <unix seconds of this attempt>
  Hallq-Key-Id: <the hall's key id>
  Hallq-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body, keyed by the hall's secret>
A 2xx answer delivers it; anything else (or no answer) is retried with growing delays until the
hall's retry period ends. docs/notifications.md has the format and a receiver that checks it.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from datetime import timedelta

import aiohttp
import asyncpg

from server.database_health import OUTAGE_ERRORS
from server.hall import Hall
from server.store import notifications

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(minutes=10)
_BATCH = 20
_TIMEOUT = aiohttp.ClientTimeout(total=5)


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int, first: timedelta = FIRST_RETRY) -> timedelta:
    """2 s, 4 s, 8 s … after each failed attempt, at most 10 minutes apart."""
    return min(first * 2 ** min(attempts - 1, 20), LONGEST_RETRY)


def delivery_body(row: asyncpg.Record) -> bytes:
    body = json.loads(row["body"]) if isinstance(row["body"], str) else dict(row["body"])
    return json.dumps({"delivery_id": str(row["delivery_id"]), **body}, ensure_ascii=False).encode()


class Deliveries:
    """Delivers every hall's due notifications; one in each server process, they share the work by
    row locks, and a notification is marked delivered only after its gateway said so."""

    def __init__(self, pool: asyncpg.Pool, halls: dict[str, Hall], poll_seconds: float = 0.5) -> None:
        self.pool, self.halls, self.poll_seconds = pool, halls, poll_seconds

    async def run(self) -> None:
        if not any(hall.notifications for hall in self.halls.values()):
            return
        async with aiohttp.ClientSession(timeout=_TIMEOUT) as http:
            while True:
                try:
                    sent = await self.deliver_due(http)
                except OUTAGE_ERRORS:
                    sent = 0  # the database is away: the rows wait for it
                if sent < _BATCH:
                    await asyncio.sleep(self.poll_seconds)

    async def deliver_due(self, http: aiohttp.ClientSession) -> int:
        async with self.pool.acquire() as con:
            due = await notifications.claim_due(con, _BATCH)
        outcomes = await asyncio.gather(*(self._attempt(http, row) for row in due))
        async with self.pool.acquire() as con:
            for row, error in zip(due, outcomes, strict=True):
                if error is None:
                    await notifications.delivered(con, row["id"])
                else:
                    rules = self.halls[row["hall"]].notifications
                    first = rules.first_retry if rules else FIRST_RETRY
                    await notifications.refused(con, row["id"], error, retry_delay(row["attempts"], first))
        return len(due)

    async def _attempt(self, http: aiohttp.ClientSession, row: asyncpg.Record) -> str | None:
        """None when the gateway accepted the notification, else why not."""
        rules = self.halls[row["hall"]].notifications
        if rules is None:
            return "the hall has no [notifications] gateway configured"
        secret = os.environ.get(rules.secret_env)
        if not secret:
            return f"the signing secret ${rules.secret_env} is not set"
        body, timestamp = delivery_body(row), int(time.time())
        headers = {"Content-Type": "application/json; charset=utf-8", "Hallq-Delivery": str(row["delivery_id"]),
                   "Hallq-Timestamp": str(timestamp), "Hallq-Key-Id": rules.key_id,
                   "Hallq-Signature": signature(secret.encode(), timestamp, body)}
        try:
            async with http.post(rules.webhook_url, data=body, headers=headers) as answer:
                if 200 <= answer.status < 300:
                    return None
                return f"HTTP {answer.status}"
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__

