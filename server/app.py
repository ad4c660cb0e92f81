"""The aiohttp application factory: one place that wires the hall services together."""
from __future__ import annotations

import asyncio
import gc
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from display.voice import Voice
from server import card_reads, chinese, request_ids
from server import events as contract
from server.api import agent as agent_api
from server.api import announcements as announcements_api
from server.api import audit as audit_api
from server.api import bookings as bookings_api
from server.api import central as central_api
from server.api import clock as clock_api
from server.api import devices as devices_api
from server.api import follow_ups as follow_ups_api
from server.api import hall as hall_api
from server.api import live as live_api
from server.api import metrics as metrics_api
from server.api import notifications as notifications_api
from server.api import ratings as ratings_api
from server.api import reports as reports_api
from server.api import staff as staff_api
from server.api import staffing as staffing_api
from server.api import stats as stats_api
from server.api import summons as summons_api
from server.api import tickets as tickets_api
from server.api import windows as windows_api
from server.api.endpoint import Api, dumps, register
from server.api.openapi import openapi_document
from server.booking_reminders import BookingReminders
from server.clock import Clock, SteppedClock, SystemClock
from server.close_out import PASS_EVERY, CloseOut
from server.context import HallContext
from server.database_health import DATABASE_HEALTH, OUTAGE_ERRORS, DatabaseHealth
from server.directory import Directory
from server.errors import DatabaseUnavailable, HallqError
from server.figures import FiguresPush
from server.hall import Hall
from server.hub import Hub
from server.metrics import Metrics, route_label
from server.queue_reminders import QueueReminders
from server.run_files import RunFile
from server.security_headers import add_security_headers
from server.services import SERVICES, Services
from server.store import windows
from server.store.migrate import migrate
from server.store.pool import create_pool
from server.web.pages import add_pages
from server.webhooks import Deliveries

log = logging.getLogger(__name__)

CLIENT_LEFT = 499  # as nginx logs it: the client closed the connection before its answer; never sent
APIS: list[Api] = [tickets_api.api, windows_api.api, staff_api.api, hall_api.api, stats_api.api,
                   announcements_api.api, agent_api.api, audit_api.api, central_api.api, notifications_api.api,
                   bookings_api.api, ratings_api.api, follow_ups_api.api, summons_api.api, staffing_api.api,
                   reports_api.api, devices_api.api, live_api.api]


@dataclass
class Settings:
    halls: dict[str, Hall]
    database_url: str
    identity_key: bytes
    clock: Clock = field(default_factory=SystemClock)
    pool_size: int = 10
    voice: Voice = field(default_factory=Voice)  # announcement audio, cached by text
    card_read_sweep: float = card_reads.SWEEP_INTERVAL  # seconds between deletions of expired card reads
    demo: bool = False  # the shipped demo halls: the index page lists their device links
    metrics_token: str | None = None  # lets Prometheus scrape /metrics (managers may without it)
    close_out_every: float = PASS_EVERY  # seconds between closing-time close-out passes
    config: Path | None = None  # the hall files `halls` came from: `hallq reload` reads them again
    run_dir: Path | None = None  # where this process leaves its run file for `hallq reload` (server/run_files.py)


def _error_response(request: web.Request, status: int, error: dict[str, Any],
                    headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {**error, "request_id": request_ids.of(request)}}
    return web.json_response(body, status=status, headers=headers, dumps=dumps)


def _answer(request: web.Request, exc: HallqError) -> web.Response:
    if isinstance(exc, DatabaseUnavailable):  # noted once by the health tracker, not logged per request
        request.app[DATABASE_HEALTH].failed(exc.__cause__ or exc)
    return _error_response(request, exc.status, exc.as_json()["error"], exc.headers)


@web.middleware
async def json_errors(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Every failure leaves as `{"error": {"code", "message", "request_id"}}`: bad input is never
    a 500, and a database that does not answer is a 503 with Retry-After."""
    try:
        return await handler(request)
    except HallqError as exc:
        return _answer(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # Allow (on 405) and the like belong to the answer; the body becomes the JSON error.
        kept = {k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")}
        error = {"code": exc.reason.lower().replace(" ", "_"), "message": exc.reason}
        return _error_response(request, exc.status, error, kept)
    except asyncio.CancelledError:
        raise
    except OUTAGE_ERRORS as exc:
        if request.transport is None or request.transport.is_closing():
            log.info("client left before its answer", extra={"method": request.method, "path": request.path})
            return web.Response(status=CLIENT_LEFT)
        unavailable = DatabaseUnavailable()
        unavailable.__cause__ = exc
        return _answer(request, unavailable)
    except Exception:
        log.exception("unhandled error", extra={"method": request.method, "path": request.path})
        return _error_response(request, 500, {"code": "internal", "message": "内部错误 (internal error)"})


def measured(metrics: Metrics) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Counts every answer by its route's template (never the raw path) and final status."""
    @web.middleware
    async def measure(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        started = time.perf_counter()
        status, socket = 499, False  # 499: the client went away before its answer
        try:
            response = await handler(request)
            status, socket = response.status, isinstance(response, web.WebSocketResponse)
            return response
        except web.HTTPException as exc:  # redirects; errors are answers of json_errors by now
            status = exc.status
            raise
        finally:
            metrics.request_done(request.method, route_label(request), status,
                                 None if socket else time.perf_counter() - started)
    return measure


async def freeze_startup_heap(_app: web.Application) -> None:
    """Move what start-up built (libraries, halls, routes, the live queues) out of the collector's reach.
    It lives as long as the server; left in, every full collection rescans it and holds the event loop
    for ~40 ms, which every screen waiting for a call then feels."""
    gc.collect()
    gc.freeze()


def _public_reload(services: Services) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def reload() -> dict[str, Any]:
        return (await services.reload.reload()).public()
    return reload


def create_app(settings: Settings) -> web.Application:
    metrics = Metrics()
    app = web.Application(middlewares=[request_ids.request_id, measured(metrics), json_errors],
                          client_max_size=64 * 1024)
    app.on_response_prepare.append(add_security_headers)
    health = app[DATABASE_HEALTH] = DatabaseHealth()

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url, max_size=settings.pool_size)
        health.attach(pool)
        async with pool.acquire() as con:
            await migrate(con)
            for hall in settings.halls.values():
                await windows.ensure(con, hall.id, [w.number for w in hall.windows])
        names = [z.name for hall in settings.halls.values() for z in hall.zones]
        names += [s.name for hall in settings.halls.values() for s in hall.services]
        await asyncio.to_thread(chinese.prepare, names)  # before the first kiosk asks, off the event loop
        ctx = HallContext(pool, settings.halls, settings.clock, settings.identity_key)
        directory = Directory(ctx)
        await directory.seed()  # the hall files' devices and staff the database lacks; then the database's
        hub = Hub(pool, settings.database_url, settings.halls, settings.identity_key, metrics, health)
        hub.watch(contract.DIRECTORY_KINDS, directory.heard)
        await hub.start()
        services = app[SERVICES] = Services.build(ctx, hub, directory, settings.voice, metrics,
                                                  settings.metrics_token, settings.config)
        await services.reload.record_started()
        run_file = None
        if settings.run_dir is not None and settings.config is not None:
            run_file = RunFile(settings.run_dir, settings.config, _public_reload(services))
            run_file.start()
        background = [asyncio.create_task(FiguresPush(hub, settings.halls, settings.clock).run()),
                      asyncio.create_task(services.card_reads.forget_expired_reads(settings.card_read_sweep)),
                      asyncio.create_task(QueueReminders(ctx, hub).run()),
                      asyncio.create_task(BookingReminders(ctx).run()),
                      asyncio.create_task(Deliveries(pool, settings.halls).run()),
                      asyncio.create_task(CloseOut(ctx).run(settings.close_out_every)),
                      asyncio.create_task(services.device_health.run())]
        yield
        if run_file is not None:
            run_file.stop()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await hub.stop()
        await health.stop()
        await pool.close()

    app.cleanup_ctx.append(services_ctx)
    app.on_startup.append(freeze_startup_heap)  # runs after services_ctx has built the services
    apis = APIS + ([clock_api.api] if isinstance(settings.clock, SteppedClock) else [])
    register(app, apis)
    document = openapi_document(apis)

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    add_pages(app, settings.halls, settings.demo)
    app.router.add_get("/api/v1/openapi.json", openapi)
    app.router.add_get("/metrics", metrics_api.metrics)
    app[live_api.OPEN_SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(live_api.close_open_sockets)
    app.on_response_prepare.append(request_ids.add_header)
    return app
