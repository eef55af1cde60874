"""What a service says when it refuses; views turn these into 404/409/422 and field errors."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code  # the API's error code when it says more than the status (e.g. "interval_short")


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """The record changed since it was read, or the request clashes with what is stored."""

    status = 409


class StateError(ServiceError):
    """The session is not in a state that allows this, or something it needs is missing."""

    status = 409


class Invalid(ServiceError):
    """A value is impossible or missing; `fields` names each one."""

    status = 422

    @classmethod
    def field(cls, name: str, why: str) -> Invalid:
        return cls(f"{name}: {why}", {name: [why]})
