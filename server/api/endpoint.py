"""Declaring JSON endpoints once: route, access rule, body model, OpenAPI entry.

Each API module makes an `Api`, decorates its handlers with `api.post(...)`
etc., and the app factory registers them all; the same declarations produce
the OpenAPI document, so the docs cannot drift from the code.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from server.auth import Access, Principal
from server.errors import BadRequest, NotFound, Unprocessable
from server.services import SERVICES, Services

Body = TypeVar("Body", bound=BaseModel)


@dataclass
class Call(Generic[Body]):
    """One validated request as a handler sees it."""

    request: web.Request
    principal: Principal | None
    body: Body
    services: Services

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

    def int_param(self, name: str) -> int:
        raw = self.request.match_info[name]
        try:
            return int(raw)
        except ValueError:
            raise NotFound(f"{name} must be a number, got {raw!r}") from None

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query.get(name, default)


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
    query: dict[str, str]  # query parameter -> description, for the OpenAPI document
    no_store: bool = False  # the answer carries a secret (a token): no cache may keep it


class Api:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(self, method: str, path: str, *, access: Access, summary: str,
              body: type[BaseModel] | None = None, status: int = 200,
              query: dict[str, str] | None = None, no_store: bool = False) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(Endpoint(method, path, handler, access, summary, body, status, self.tag,
                                           query or {}, no_store))
            return handler
        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)


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
        body = await _read_body(request, endpoint.body)
        result = await endpoint.handler(Call(request, principal, body, services))
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
