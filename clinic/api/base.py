"""The JSON API's plumbing: one decorator that authorises, validates and documents.

Each endpoint declares its body model (pydantic); the same model validates the
request and feeds the OpenAPI document, so the two cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from ..errors import json_error
from ..extensions import csrf
from ..services.validation import field_errors

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: no cross-site request can carry one


@dataclass(frozen=True)
class ApiRoute:
    rule: str
    method: str
    summary: str
    role: str | None
    body: type[BaseModel] | None
    status: int
    produces: str = "application/json"
    query: type[BaseModel] | None = None


ROUTES: list[ApiRoute] = []


def _parse(model: type[BaseModel], data):
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, json_error(422, "Some values are not valid.", field_errors(exc))


def _json_body():
    if not request.data:
        return {}, None
    if not request.is_json:
        return None, json_error(415, "Send the body as application/json.")
    data = request.get_json(silent=True)
    if data is None or not isinstance(data, dict):
        return None, json_error(400, "The body is not a JSON object.")
    return data, None


def endpoint(rule: str, method: str = "GET", *, summary: str, role: str | None = "nurse",
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             status: int = 200, produces: str = "application/json", name: str | None = None):
    """Register an API view: role check, body and query validation, OpenAPI entry."""

    def decorator(view):
        ROUTES.append(ApiRoute(rule, method, summary, role, body, status, produces, query))

        @wraps(view)
        def wrapped(**kwargs):
            if role is not None and not current_user.has_role(role):
                return json_error(403, f"This needs the {role} role.")
            if body is not None:
                data, error = _json_body()
                if error:
                    return error
                kwargs["body"], error = _parse(body, data)
                if error:
                    return error
            if query is not None:
                kwargs["query"], error = _parse(query, request.args.to_dict())
                if error:
                    return error
            return view(**kwargs)

        wrapped.required_role = role
        bp.add_url_rule(rule, name or view.__name__, wrapped, methods=[method])
        return wrapped

    return decorator
