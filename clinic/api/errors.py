"""Small helpers of the API's error answers (services' refusals are mapped in clinic.errors)."""
from __future__ import annotations

from flask import request

from ..errors import json_error
from ..input_guard import database_id
from ..services.errors import Invalid


def not_found(message: str):
    return json_error(404, message)


def expected_version() -> int | None:
    """Read `If-Match: <version>`; a value that is not a version never matches."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    value = header.strip().removeprefix("W/").strip('"')
    version = database_id(value)
    if version is None:  # "²".isdigit() is true, but int("²") fails: ASCII digits only, within the column
        raise Invalid.field("If-Match", "give the session's version number")
    return version
