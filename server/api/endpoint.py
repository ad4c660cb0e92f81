"""Declaring JSON endpoints once: route, access rule, body model, OpenAPI entry.

Each API module makes an `Api`, decorates its handlers with `api.post(...)`
etc., and the app factory registers them all; the same declarations produce
the OpenAPI document, so the docs cannot drift from the code.
"""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from server import inputs
from server.auth import Access, Principal
from server.errors import BadRequest, NotFound, Unprocessable
from server.services import SERVICES, Services

Body = TypeVar("Body", bound=BaseModel)

# Every path parameter of the API by name: `{id}` is a ticket id wherever it appears.
# The examples (the reference hall's first ticket and window 41) let generated calls reach real rows.
TicketId = Annotated[inputs.Int64Id, Field(examples=[1])]
WindowNo = Annotated[inputs.Int64Id, Field(examples=[41])]
SummonsId = Annotated[inputs.Int64Id, Field(examples=[1])]
PATH_PARAMETERS: dict[str, Any] = {"id": TicketId, "no": WindowNo, "summons_id": SummonsId, "token": inputs.SafeText,
                                  "staff_id": inputs.SafeText, "number": inputs.BookingNumber,
                                  "device_id": inputs.SafeText}
_NUMBER = re.compile(r"-?[0-9]+")
WEBSOCKET = "websocket"  # the media type of a route that upgrades to a websocket


@dataclass(frozen=True)
class Query:
    """One query parameter: its type (see server.inputs), what it means, and more of its
    OpenAPI schema where the handler checks it further (a date, a choice)."""

    description: str
    kind: Any = inputs.SafeText
    schema: Mapping[str, Any] = field(default_factory=dict)
    required: bool = False


@dataclass
class Call(Generic[Body]):
    """One validated request as a handler sees it."""

    request: web.Request
    principal: Principal | None
    body: Body
    services: Services
    path: dict[str, Any]
    params: dict[str, Any]

    @property
    def hall_id(self) -> str:
        assert self.principal is not None
        return self.principal.hall

    @property
    def staff_id(self) -> str:
        assert self.principal is not None
        return self.principal.id

    @property
    def address(self) -> str | None:
        """The client's address, for the audit trail and sign-in throttling."""
        return self.request.remote

    @property
    def base_url(self) -> str:
        """The address this request came in by: a status link's base when its hall sets no public_url."""
        return f"{self.request.scheme}://{self.request.host}"

    def int_param(self, name: str) -> int:
        value: int = self.path[name]
        return value

    def text_param(self, name: str) -> str:
        value: str = self.path[name]
        return value

    def query(self, name: str) -> Any:
        """The declared query parameter, checked against its type; None when not given."""
        return self.params.get(name)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    access: Access
    summary: str
    body: type[BaseModel] | None
    status: int
    tag: str
    query: dict[str, Query]
    answer: type[BaseModel] | None  # the JSON answer's shape, for the OpenAPI document
    media_type: str  # of the answer: application/json, audio/wav, ... or WEBSOCKET
    errors: dict[int, str]  # error statuses beyond 4xx, for the OpenAPI document
    no_store: bool = False  # the answer carries a secret (a token): no cache may keep it


class Api:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(self, method: str, path: str, *, access: Access, summary: str,
              body: type[BaseModel] | None = None, status: int = 200, query: dict[str, Query] | None = None,
              answer: type[BaseModel] | None = None, media_type: str = "application/json",
              errors: dict[int, str] | None = None, no_store: bool = False) -> Callable[[Handler], Handler]:
        unknown = set(re.findall(r"{(\w+)}", path)) - set(PATH_PARAMETERS)
        assert not unknown, f"{path}: declare the type of {unknown} in PATH_PARAMETERS"

        def register(handler: Handler) -> Handler:
            self.endpoints.append(Endpoint(method, path, handler, access, summary, body, status, self.tag,
                                           query or {}, answer, media_type, errors or {}, no_store))
            return handler
        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kw)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.query.get("token")  # browsers cannot set headers on websockets


async def _read_body(request: web.Request, model: type[BaseModel] | None) -> BaseModel | None:
    if model is None:
        return None
    raw = await request.read()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}", code="malformed_json") from None
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object", code="malformed_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable(describe_validation(exc), code="invalid") from None


def _path(request: web.Request) -> dict[str, Any]:
    found = {}
    for name, raw in request.match_info.items():
        kind = PATH_PARAMETERS[name]
        if kind in (TicketId, WindowNo, SummonsId) and not _NUMBER.fullmatch(raw):
            # names nothing, like an unknown route
            raise NotFound(f"没有这个编号 ({name} must be a number, got {raw!r})")
        found[name] = inputs.parse(name, raw, kind)
    return found


def _query(request: web.Request, declared: dict[str, Query]) -> dict[str, Any]:
    for name, spec in declared.items():
        if spec.required and name not in request.query:
            raise Unprocessable(f"缺少参数 {name} ({name}: required: {spec.description})", code="invalid")
    return {name: inputs.parse(name, request.query[name], spec.kind)
            for name, spec in declared.items() if name in request.query}


def describe_validation(exc: ValidationError) -> str:
    """`field.path: what is wrong` for each problem, on one line."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def aiohttp_handler(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        services = request.app[SERVICES]
        principal = await services.auth.require(endpoint.access, bearer_token(request), request.query.get("hall"))
        path, params = _path(request), _query(request, endpoint.query)
        body = await _read_body(request, endpoint.body)
        result = await endpoint.handler(Call(request, principal, body, services, path, params))
        if isinstance(result, web.StreamResponse):
            return result
        headers = {"Cache-Control": "no-store"} if endpoint.no_store else None
        return web.json_response(result, status=endpoint.status, dumps=dumps, headers=headers)
    return handle


def dumps(value: Any) -> str:
    """JSON with Chinese kept readable and datetimes as ISO strings."""
    return json.dumps(value, ensure_ascii=False, default=str)


def register(app: web.Application, apis: list[Api]) -> None:
    for api in apis:
        for endpoint in api.endpoints:
            app.router.add_route(endpoint.method, endpoint.path, aiohttp_handler(endpoint))
