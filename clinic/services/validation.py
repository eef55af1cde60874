"""Validate input against a schema, turning errors into a field-named Invalid."""
from __future__ import annotations

from pydantic import BaseModel, ValidationError

from .errors import Invalid


def validate(schema: type[BaseModel], data) -> BaseModel:
    """Return `data` parsed by `schema`, or raise Invalid naming each bad field."""
    if isinstance(data, schema):
        return data
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        fields = field_errors(exc)
        raise Invalid("Some values are not valid: " + ", ".join(fields), fields) from exc


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Turn pydantic's errors into SPEC §8's {field: [why]}."""
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "body"
        fields.setdefault(name, []).append(err["msg"].removeprefix("Value error, "))
    return fields
