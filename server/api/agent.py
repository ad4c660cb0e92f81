"""The kiosk device agent's websocket and the ticket preview.

`GET /api/v1/agent` (websocket; the kiosk's device token as `Authorization:
Bearer` or `?token=`). The protocol is described in docs/devices.md: the agent
says `hello`, then sends `card`, `card_error`, `status` and `job_result`
messages; the server sends `welcome` and a `print` message for every print job
of the kiosk that has no result yet — on connect and whenever one is queued.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated, Any, Literal

from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from printers.status import PrinterState
from server.agent_status import AgentState, new_session
from server.api.endpoint import WEBSOCKET, Api, Call, Query, describe_validation, dumps
from server.auth import Access, Principal
from server.database_health import OUTAGE_ERRORS
from server.errors import DatabaseUnavailable, HallqError, NotFound
from server.hub import Subscription
from server.inputs import FreeText, Int64Id, SafeText
from server.live_feed import close_ended
from server.services import Services

log = logging.getLogger(__name__)

api = Api("devices")
_farewells: set[asyncio.Task] = set()  # disconnections being recorded

PrinterValue = PrinterState  # pydantic checks the value against the enum
ReaderValue = Literal["ok", "faulty", "offline"]  # hardware.reader.ReaderState values


class _Message(BaseModel):
    # Newer agents may send more than this server knows: extra fields are dropped.
    model_config = ConfigDict(extra="ignore")


class Hello(_Message):
    type: Literal["hello"]
    agent: SafeText = Field(default="", max_length=200)
    reader: ReaderValue | None = None
    printer: PrinterValue | None = None
    printer_detail: SafeText | None = Field(default=None, max_length=40)


class Status(_Message):
    type: Literal["status"]
    reader: ReaderValue | None = None
    printer: PrinterValue | None = None
    printer_detail: SafeText | None = Field(default=None, max_length=40)


class Card(_Message):
    """The card as the reader parsed it. Address, photo and the like are not sent."""

    name: SafeText = Field(min_length=1, max_length=60)
    id_number: SafeText = Field(min_length=6, max_length=36)
    birth_date: date | None = None
    sex: SafeText | None = Field(default=None, max_length=8)
    card_type: Literal["resident", "residence_permit", "foreign_permanent"] = "resident"


class CardRead(_Message):
    type: Literal["card"]
    card: Card


class CardError(_Message):
    type: Literal["card_error"]
    error: SafeText = Field(max_length=60)
    message: FreeText = Field(default="", max_length=200)


class JobResult(_Message):
    type: Literal["job_result"]
    job_id: Int64Id
    ok: bool
    error: FreeText | None = Field(default=None, max_length=200)


class Ping(_Message):
    type: Literal["ping"]


AgentMessage = TypeAdapter(Annotated[Hello | Status | CardRead | CardError | JobResult | Ping,
                                     Field(discriminator="type")])


@api.get("/api/v1/agent", access=Access.KIOSK, media_type=WEBSOCKET,
         query={"token": Query("the kiosk's device token, when the Authorization header cannot be sent")},
         summary="Websocket of a kiosk's device agent: card reads and printer status in, print jobs out")
async def agent_socket(call: Call) -> web.WebSocketResponse:
    assert call.principal is not None
    ws = web.WebSocketResponse(heartbeat=15, max_msg_size=64 * 1024)
    await ws.prepare(call.request)
    if call.request.transport is None:  # the client left during the upgrade
        return ws
    await AgentConnection(call.services, call.principal, ws, call.request.transport).run()
    return ws


class AgentConnection:
    """One connected agent: its messages in, its kiosk's print jobs out."""

    def __init__(self, services: Services, principal: Principal, ws: web.WebSocketResponse,
                 transport: asyncio.BaseTransport) -> None:
        self.services = services
        self.transport = transport
        self.agents, self.card_reads, self.print_jobs = services.agents, services.card_reads, services.print_jobs
        self.hall = principal.hall
        self.device = principal.id
        self.ws = ws
        self.session = new_session()
        self._greeted = asyncio.Event()
        self._sent: set[int] = set()  # jobs sent on this connection
        self._sending = asyncio.Lock()

    async def run(self) -> None:
        sub = self.services.hub.subscribe(self.hall, frozenset({f"agent:{self.device}"}),
                                          holder=("device", self.device))
        pump = asyncio.create_task(self._pump(sub))
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.TEXT:
                    await self._receive(msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        except OUTAGE_ERRORS as exc:
            await self._ended_by(exc)
        finally:
            self.services.hub.unsubscribe(sub)
            pump.cancel()
            if self._greeted.is_set():
                # A task of its own: aiohttp cancels this handler when the connection drops.
                going = asyncio.create_task(self._went_away())
                _farewells.add(going)
                going.add_done_callback(_farewells.discard)

    async def _ended_by(self, exc: BaseException) -> None:
        """The agent left mid-message, or the database went before it was greeted: it
        reconnects and says hello again. Neither is an error of the server."""
        if self.transport.is_closing():
            log.info("device agent of %s left during a message", self.device)
            return
        self.services.hub.health.failed(exc)
        await self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"database unavailable")

    async def _went_away(self) -> None:
        log.info("device agent of %s disconnected", self.device)
        try:
            await self.agents.agent_disconnected(self.hall, self.device, self.session)
        except Exception as exc:  # the server may be shutting down: the next connection corrects it
            log.warning("could not record that the agent of %s went away: %r", self.device, exc)

    async def _receive(self, data: str) -> None:
        try:
            message = AgentMessage.validate_json(data)
        except ValidationError as exc:
            # describe_validation names fields and problems, never the values sent.
            await self._send({"type": "error", "code": "invalid", "message": describe_validation(exc)})
            return
        try:
            await self._handle(message)
        except HallqError as exc:
            await self._send({"type": "error", **exc.as_json()["error"]})
        except OUTAGE_ERRORS as exc:
            if not self._greeted.is_set() or self.transport.is_closing():
                raise  # ends the connection: see _ended_by
            self.services.hub.health.failed(exc)
            await self._send({"type": "error", **DatabaseUnavailable().as_json()["error"]})

    async def _handle(self, message: BaseModel) -> None:
        if isinstance(message, Ping):
            await self._send({"type": "pong"})
        elif isinstance(message, Hello):
            await self._hello(message)
        elif not self._greeted.is_set():
            await self._send({"type": "error", "code": "hello_first", "message": "send hello first"})
        elif isinstance(message, Status):
            await self.agents.agent_reported(self.hall, self.device, self.session, _state(message))
        elif isinstance(message, CardRead):
            card = message.card
            await self.card_reads.read_card(self.hall, self.device, name=card.name, id_number=card.id_number,
                                         birth_date=card.birth_date, card_type=card.card_type)
        elif isinstance(message, CardError):
            await self.card_reads.card_error(self.hall, self.device, message.error, message.message)
        elif isinstance(message, JobResult):
            await self.print_jobs.job_result(self.hall, self.device, message.job_id, ok=message.ok,
                                          error=message.error)

    async def _hello(self, hello: Hello) -> None:
        await self.agents.agent_connected(self.hall, self.device, self.session, hello.agent, _state(hello))
        log.info("device agent of %s connected (%s)", self.device, hello.agent or "unnamed agent")
        await self._send({"type": "welcome", "hall": self.hall, "device": self.device,
                          "server_time": self.services.ctx.clock.now().isoformat()})
        self._greeted.set()
        await self._send_jobs()

    async def _pump(self, sub: Subscription) -> None:
        """Each print.requested for this kiosk: send what is still unsent."""
        await self._greeted.wait()
        while True:
            delivery = await sub.queue.get()
            if delivery is None:
                await close_ended(self.ws, sub)  # its kiosk was revoked
                return
            try:
                await self._send_jobs()  # this topic has only print.requested events
            except OUTAGE_ERRORS as exc:  # sent on the next job, or when the agent reconnects
                self.services.hub.health.failed(exc)

    async def _send_jobs(self) -> None:
        async with self._sending:
            for job in await self.print_jobs.jobs_to_send(self.hall, self.device, self._sent):
                self._sent.add(job.id)
                await self._send({"type": "print", "job_id": job.id, "ticket": job.ticket, "stale": job.stale})

    async def _send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            await self.ws.send_str(dumps(message))


def _state(message: Hello | Status) -> AgentState:
    printer = message.printer.value if message.printer else None
    return AgentState(message.reader, printer, message.printer_detail)


@api.get("/api/v1/public/tickets/{token}/preview.png", access=Access.PUBLIC, media_type="image/png",
         summary="The ticket as printed (PNG), for the kiosk screen when its printer could not print it")
async def ticket_preview(call: Call) -> web.Response:
    png = await call.services.print_jobs.preview_png(call.text_param("token"), call.base_url)
    if png is None:
        raise NotFound("no such ticket")
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=600"})
