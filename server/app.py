"""The aiohttp application factory: one place that wires the hall services together."""
from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from display.voice import Voice
from server.api import agent as agent_api
from server.api import announcements as announcements_api
from server.api import clock as clock_api
from server.api import hall as hall_api
from server.api import live as live_api
from server.api import staff as staff_api
from server.api import stats as stats_api
from server.api import tickets as tickets_api
from server.api import windows as windows_api
from server.api.endpoint import Api, dumps, register
from server.api.openapi import openapi_document
from server.clock import Clock, SteppedClock, SystemClock
from server.context import HallContext
from server.errors import HallqError
from server.figures import FiguresPush
from server.hall import Hall
from server.hub import Hub
from server.services import SERVICES, Services
from server.store import windows
from server.store.migrate import migrate
from server.store.pool import create_pool
from server.web.pages import add_pages

log = logging.getLogger(__name__)

APIS: list[Api] = [tickets_api.api, windows_api.api, staff_api.api, hall_api.api, stats_api.api,
                   announcements_api.api, agent_api.api, live_api.api]


@dataclass
class Settings:
    halls: dict[str, Hall]
    database_url: str
    identity_key: bytes
    clock: Clock = field(default_factory=SystemClock)
    pool_size: int = 10
    voice: Voice = field(default_factory=Voice)  # announcement audio, cached by text


def _error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


@web.middleware
async def json_errors(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Every failure leaves as `{"error": {"code", "message"}}`; bad input is never a 500."""
    try:
        return await handler(request)
    except HallqError as exc:
        return web.json_response(exc.as_json(), status=exc.status, dumps=dumps)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # Allow (on 405) and the like belong to the answer; the body becomes the JSON error.
        kept = {k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")}
        return _error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason, kept)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(500, "internal", "internal error; the action was not completed")


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[json_errors], client_max_size=64 * 1024)

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url, max_size=settings.pool_size)
        async with pool.acquire() as con:
            await migrate(con)
            for hall in settings.halls.values():
                await windows.ensure(con, hall.id, [w.number for w in hall.windows])
        ctx = HallContext(pool, settings.halls, settings.clock, settings.identity_key)
        hub = Hub(pool, settings.database_url, settings.halls, settings.identity_key)
        await hub.start()
        app[SERVICES] = Services.build(ctx, hub, settings.voice)
        figures = asyncio.create_task(FiguresPush(hub, settings.halls, settings.clock).run())
        yield
        figures.cancel()
        await asyncio.gather(figures, return_exceptions=True)
        await hub.stop()
        await pool.close()

    app.cleanup_ctx.append(services_ctx)
    apis = APIS + ([clock_api.api] if isinstance(settings.clock, SteppedClock) else [])
    register(app, apis)
    document = openapi_document(apis)

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    add_pages(app, settings.halls)
    app.router.add_get("/api/v1/openapi.json", openapi)
    app[live_api.OPEN_SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(live_api.close_open_sockets)
    return app
