"""The OpenAPI 3.1 document, generated from the endpoint declarations.

Path and query parameters take their schemas from their server.inputs types,
bodies and answers from their pydantic models, so the document says what the
server checks and returns; tests/test_openapi_conformance.py holds the running
server to it with schemathesis.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from server import inputs
from server.api.endpoint import PATH_PARAMETERS, WEBSOCKET, Api, Endpoint
from server.auth import Access

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                            "details": {"type": "object", "description": "what a page's own words"
                                                        " for the code need (a time, a ticket number)"}}}},
}
_ERROR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """The model's schema, kept once under components, as a $ref."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    params = [{"name": name, "in": "path", "required": True, "schema": inputs.json_schema(PATH_PARAMETERS[name])}
              for name in re.findall(r"{(\w+)}", endpoint.path)]
    params += [{"name": name, "in": "query", "required": spec.required, "description": spec.description,
                "schema": {**inputs.json_schema(spec.kind), **spec.schema}}
               for name, spec in endpoint.query.items()]
    return params


def _answer(endpoint: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    if endpoint.media_type == WEBSOCKET:
        return {"101": {"description": "switching to the websocket protocol"}}
    if endpoint.media_type != "application/json":
        content = {endpoint.media_type: {"schema": {"type": "string", "format": "binary"}}}
    else:
        schema = _ref(endpoint.answer, components) if endpoint.answer else {"type": "object"}
        content = {"application/json": {"schema": schema}}
    return {str(endpoint.status): {"description": "OK", "content": content}}


def _body(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    # An absent body reads as {}: it is required only when {} would not do.
    required = bool(model.model_json_schema().get("required"))
    return {"required": required, "content": {"application/json": {"schema": _ref(model, components)}}}


def _operation(endpoint: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": [endpoint.tag],
        "summary": endpoint.summary,
        "operationId": endpoint.method.lower() + re.sub(r"\W+", "_", endpoint.path.removeprefix("/api/v1")),
        "parameters": _parameters(endpoint),
        "responses": {**_answer(endpoint, components), "4XX": _ERROR,
                      **{str(status): {**_ERROR, "description": text} for status, text in endpoint.errors.items()}},
    }
    if endpoint.media_type == WEBSOCKET:
        op["description"] = "A websocket: send the upgrade headers. "
    if endpoint.access is not Access.PUBLIC:
        op["security"] = [{"bearer": []}]
        op["description"] = op.get("description", "") + f"Requires {endpoint.access.value} access."
    if endpoint.body is not None:
        op["requestBody"] = _body(endpoint.body, components)
    return op


def _self_description() -> dict[str, Any]:
    return {"get": {"tags": ["api"], "summary": "This document", "operationId": "get_openapi_json",
                    "responses": {"200": {"description": "OpenAPI 3.1",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}}}}


def openapi_document(apis: list[Api]) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {"/api/v1/openapi.json": _self_description()}
    for api in apis:
        for endpoint in api.endpoints:
            paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "hallq", "version": "1", "description": "Hall queueing and kiosk operations"},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
