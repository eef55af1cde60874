"""The OpenAPI 3.1 document, built from the registered endpoints and their models."""
from __future__ import annotations

import re

from flask import jsonify

from .base import ROUTES, bp

_ERROR = {"$ref": "#/components/schemas/Error"}
_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    }, "required": ["code", "message"]}},
    "required": ["error"],
}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def _query_params(model) -> list[dict]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _operation(route, components: dict) -> dict:
    path, params = _path(route.rule)
    if route.query is not None:
        params += _query_params(route.query)
    op = {
        "summary": route.summary,
        "operationId": f"{route.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
        "parameters": params,
        "responses": {
            str(route.status): {"description": "Success", "content": {route.produces: {"schema": {}}}},
            "401": {"description": "No or bad token", "content": {"application/json": {"schema": _ERROR}}},
        },
    }
    if route.role:
        op["responses"]["403"] = {"description": "Role", "content": {"application/json": {"schema": _ERROR}}}
    if route.body is not None:
        schema = route.body.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[route.body.__name__] = schema
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}}}}
        for status in ("400", "409", "422"):
            op["responses"][status] = {"description": "Refused", "content": {"application/json": {"schema": _ERROR}}}
    if "{" in path:
        op["responses"]["404"] = {"description": "Not found", "content": {"application/json": {"schema": _ERROR}}}
    return path, op


def build_document() -> dict:
    """Assemble the document from every registered endpoint."""
    components: dict = {"Error": _ERROR_SCHEMA}
    paths: dict = {}
    for route in ROUTES:
        path, op = _operation(route, components)
        paths.setdefault(path, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Chairside API", "version": "1"},
        "servers": [{"url": "/"}],
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.route("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return jsonify(build_document())
