"""Prometheus metrics of one app: requests, ticket steps, live queues, sockets, pool, devices.

Every app has its own registry (never the process-wide default), so several
apps in one process each count their own. What is documented in
docs/metrics.md.

Ticket counters come from the events the hub applies, not from the service
methods: the hub sees every committed event of every process, once and in
sequence order (a rolled-back action never counts, and neither does a
retried request answered from its idempotency key). So every process counts
the hall's totals since it started; aggregate several with `max`, not `sum`.

Gauges are read at scrape time: queue figures from the hub's live queues (the
numbers the screens show), sockets from the hub's subscriptions, the pool
from asyncpg, devices from what their agents last reported.
"""
from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from server import events as contract
from server.agent_status import AgentStatus
from server.auth import Authenticator
from server.context import HallContext
from server.errors import Forbidden, Unauthorized
from server.hub import Hub
from server.model import Event

CONTENT_TYPE = CONTENT_TYPE_LATEST  # what generate_latest writes
# Seconds: a request is usually a few milliseconds; a fan-out well under one.
_REQUEST_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_FAN_OUT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
_TICKET_STEPS = {
    contract.Kind.TICKET_ISSUED.value: "issued",
    contract.Kind.TICKET_CALLED.value: "called",
    contract.Kind.TICKET_FINISHED.value: "finished",
}
UNMATCHED = "(unmatched)"  # the route label of a request no route matched: raw paths are unbounded
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(request: web.Request) -> str:
    """The matched route's template (`/api/v1/tickets/{id}`, `/static/kiosk`): bounded, unlike paths."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


class Metrics:
    """The app's registry and the series that are counted as things happen."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter("hallq_http_requests", "HTTP requests answered, by route template and status",
                                 ["method", "route", "status"], registry=self.registry)
        self._latency = Histogram("hallq_http_request_duration_seconds",
                                  "Time to answer an HTTP request (websockets excluded)", ["method", "route"],
                                  buckets=_REQUEST_BUCKETS, registry=self.registry)
        self._tickets = {
            kind: Counter(f"hallq_tickets_{step}", f"Tickets {step}, from the events applied in sequence",
                          ["hall", "zone"], registry=self.registry)
            for kind, step in _TICKET_STEPS.items()
        }
        self._fan_out = Histogram("hallq_event_fanout_seconds",
                                  "From an event's notification (or read-back) to its frames written",
                                  buckets=_FAN_OUT_BUCKETS, registry=self.registry)

    def request_done(self, method: str, route: str, status: int, seconds: float | None) -> None:
        """`seconds` None: a websocket, whose lifetime is no latency."""
        method = method if method in _METHODS else "OTHER"  # any token is a method to aiohttp
        self._requests.labels(method, route, str(status)).inc()
        if seconds is not None:
            self._latency.labels(method, route).observe(seconds)

    def event_fanned_out(self, event: Event, seconds: float) -> None:
        """The hub's observer: called once per event, in sequence order."""
        self._fan_out.observe(seconds)
        counter = self._tickets.get(event.kind)
        if counter is not None:
            counter.labels(event.hall, event.zone or "").inc()


class LiveGauges(Collector):
    """Gauges computed when scraped; device states are read just before (they are in the database)."""

    def __init__(self, ctx: HallContext, hub: Hub) -> None:
        self._ctx, self._hub = ctx, hub
        self.devices: list[dict[str, Any]] = []  # each kiosk's status, with its "hall"

    def collect(self) -> Iterator[Metric]:
        yield from self._queues()
        yield self._sockets()
        yield from self._pool_use()
        yield self._device_parts()

    def _queues(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily("hallq_waiting_tickets", "Tickets waiting now, per zone", labels=["hall", "zone"])
        opened = GaugeMetricFamily("hallq_open_windows", "Windows open (signed in, not paused) now",
                                   labels=["hall"])
        now = self._ctx.clock.now()
        for hall_id in self._ctx.halls:
            queue = self._hub.queue(hall_id)
            for zone in queue.figures(now)["zones"]:
                waiting.add_metric([hall_id, zone["zone"]], zone["waiting"])
            opened.add_metric([hall_id], len(queue.open_windows))
        yield waiting
        yield opened

    def _sockets(self) -> Metric:
        family = GaugeMetricFamily("hallq_websocket_connections", "Websockets connected to this process",
                                   labels=["hall", "kind"])
        for hall_id in self._ctx.halls:
            counts = {"live": 0, "agent": 0}
            for sub in self._hub.subscribers(hall_id):
                counts["agent" if any(t.startswith("agent:") for t in sub.topics) else "live"] += 1
            for kind, count in counts.items():
                family.add_metric([hall_id, kind], count)
        return family

    def _pool_use(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("hallq_db_pool_size", "Database connections open in the pool",
                                value=self._ctx.pool.get_size())
        yield GaugeMetricFamily("hallq_db_pool_idle", "Open pool connections not in use",
                                value=self._ctx.pool.get_idle_size())
        yield GaugeMetricFamily("hallq_db_pool_max", "Most connections the pool opens",
                                value=self._ctx.pool.get_max_size())

    def _device_parts(self) -> Metric:
        family = GaugeMetricFamily("hallq_device_ok", "1 while a kiosk's part works, 0 while it does not",
                                   labels=["hall", "device", "part"])
        for status in self.devices:
            for part, ok in device_parts(status).items():
                family.add_metric([status["hall"], status["device"], part], 1 if ok else 0)
        return family


def device_parts(status: dict[str, Any]) -> dict[str, bool]:
    """Whether the agent is connected and its reader and printer (where it has them) work.

    A printer low on paper still prints: it counts as working (the dashboard warns)."""
    connected = bool(status["connected"])
    parts = {"agent": connected}
    if status["reader"] is not None:
        parts["reader"] = connected and status["reader"] == "ok"
    if status["printer"] is not None:
        parts["printer"] = connected and status["printer"] in ("ok", "paper_low")
    return parts


class Scrape:
    """`GET /metrics`: for the configured metrics token, or a manager signed in."""

    def __init__(self, metrics: Metrics, gauges: LiveGauges, auth: Authenticator, agents: AgentStatus,
                 token: str | None) -> None:
        self._metrics, self._gauges, self._auth, self._agents = metrics, gauges, auth, agents
        self._token = token
        metrics.registry.register(gauges)

    async def exposition(self, token: str | None) -> bytes:
        await self._allow(token)
        devices = []
        for hall_id in self._auth.ctx.halls:
            devices += [{**status, "hall": hall_id} for status in await self._agents.statuses(hall_id)]
        self._gauges.devices = devices
        return generate_latest(self._metrics.registry)

    async def _allow(self, token: str | None) -> None:
        if token and self._token and hmac.compare_digest(token.encode(), self._token.encode()):
            return
        principal = await self._auth.principal(token)
        if principal is None:
            raise Unauthorized("指标需要令牌 (metrics need the metrics token or a manager's session)")
        if not principal.is_manager:
            raise Forbidden("只有管理人员可查看指标 (metrics are for the metrics token or managers)")
