"""A gateway's receiving end of hallq's notification webhooks, as small as it can be.

    HALLQ_WEBHOOK_SECRET=... python docs/webhook_receiver.py 8088

It checks each delivery's signature and age, answers 2xx only once it has the notification, and
treats a delivery id it has seen as done (hallq sends the same id again until it gets a 2xx).
A real gateway would pass `text` on to SMS or WeChat where this prints it. See docs/notifications.md.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import time
from collections.abc import Callable

from aiohttp import web

MAX_AGE = 300  # seconds: an older timestamp is a replay


def signature_is_valid(secret: bytes, timestamp: str, signature: str, body: bytes, now: float) -> bool:
    """Hallq-Signature is sha256=HMAC-SHA256(secret, "<Hallq-Timestamp>." + body), hex."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE:
        return False
    expected = "sha256=" + hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def receiver(secrets: dict[str, bytes], deliver: Callable[[dict], None]) -> web.Application:
    """An app that hands each new, correctly signed notification to `deliver` once.
    `secrets` maps each key id (Hallq-Key-Id) to its secret, so keys can be rotated."""
    seen: set[str] = set()

    async def notification(request: web.Request) -> web.Response:
        body = await request.read()
        secret = secrets.get(request.headers.get("Hallq-Key-Id", ""))
        timestamp, signature = request.headers.get("Hallq-Timestamp", ""), request.headers.get("Hallq-Signature", "")
        if secret is None or not signature_is_valid(secret, timestamp, signature, body, time.time()):
            return web.json_response({"error": "bad signature"}, status=401)
        message = json.loads(body)
        if message["delivery_id"] not in seen:  # a retry of a delivery already taken: done already
            deliver(message)
            seen.add(message["delivery_id"])
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/", notification)
    return app


if __name__ == "__main__":
    key = os.environ["HALLQ_WEBHOOK_SECRET"].encode()
    app = receiver({"1": key}, lambda message: print(message["to"], message["text"], flush=True))
    web.run_app(app, port=int(sys.argv[1]) if len(sys.argv) > 1 else 8088)
