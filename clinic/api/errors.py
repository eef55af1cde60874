"""Map service refusals to the API's JSON errors."""
from __future__ import annotations

from functools import wraps

from flask import request

from ..errors import json_error
from ..extensions import db
from ..services.errors import Invalid, ServiceError


def not_found(message: str):
    return json_error(404, message)


def expected_version() -> int | None:
    """Read `If-Match: <version>`; a value that is not a version never matches."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    value = header.strip().strip('"').removeprefix("W/").strip('"')
    if not value.isdigit():
        raise Invalid.field("If-Match", "give the session's version number")
    return int(value)


def service_errors(view):
    """Roll back and answer with the service's status and message."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ServiceError as exc:
            db.session.rollback()
            return json_error(exc.status, exc.message, exc.fields or None)

    return wrapped
