"""The OpenAPI 3.1 document, generated from the endpoint declarations."""
from __future__ import annotations

import re
from typing import Any

from server.api.endpoint import Api, Endpoint
from server.auth import Access

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(endpoint: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"{(\w+)}", endpoint.path)]
    params += [{"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
               for name, text in endpoint.query.items()]
    op: dict[str, Any] = {
        "tags": [endpoint.tag],
        "summary": endpoint.summary,
        "operationId": endpoint.method.lower() + re.sub(r"\W+", "_", endpoint.path.removeprefix("/api/v1")),
        "parameters": params,
        "responses": {
            str(endpoint.status): {"description": "OK", "content": _json({"type": "object"})},
            "4XX": {"description": "error", "content": _json({"$ref": "#/components/schemas/Error"})},
        },
    }
    if endpoint.access is not Access.PUBLIC:
        op["security"] = [{"bearer": []}]
        op["description"] = f"Requires {endpoint.access.value} access."
    if endpoint.body is not None:
        schema = endpoint.body.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[endpoint.body.__name__] = schema
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{endpoint.body.__name__}"}}}}
    return op


def openapi_document(apis: list[Api]) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for api in apis:
        for endpoint in api.endpoints:
            paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, components)
    paths["/api/v1/live"] = {"get": {
        "tags": ["live"], "summary": "Websocket of live events: ?token=&topics=hall,zone:A,window:15&since=<seq>",
        "operationId": "get_live", "responses": {"101": {"description": "switching to websocket"}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "hallq", "version": "1", "description": "Hall queueing and kiosk operations"},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
