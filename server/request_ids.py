"""A request id for every request: on each log line written while it runs, in each answer.

A sane incoming `X-Request-Id` (a load balancer's or a kiosk's) is kept, so one
id follows a request through several systems; anything else gets a new one.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from aiohttp import web

HEADER = "X-Request-Id"
current: ContextVar[str | None] = ContextVar("request_id", default=None)
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_KEY = web.RequestKey("request_id", str)  # where the request keeps its id, for the access log


def _chosen(incoming: str | None) -> str:
    if incoming is not None and _SANE.fullmatch(incoming):
        return incoming
    return secrets.token_hex(8)


def of(request: web.BaseRequest) -> str | None:
    return request.get(_KEY)


@web.middleware
async def request_id(request: web.Request,
                     handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    value = _chosen(request.headers.get(HEADER))
    request[_KEY] = value
    token = current.set(value)
    try:
        return await handler(request)
    finally:
        current.reset(token)


async def add_header(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every answer says its id, websocket upgrades and errors included."""
    value = of(request)
    if value is not None:
        response.headers[HEADER] = value
