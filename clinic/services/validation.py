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
        fields.setdefault(name, []).append(_words(err))
    return fields


BOUND_WORDS = {"greater_than_equal": ("ge", "must be at least {}"), "less_than_equal": ("le", "must be at most {}"),
               "greater_than": ("gt", "must be more than {}"), "less_than": ("lt", "must be less than {}"),
               "decimal_max_places": ("decimal_places", "use at most {} digits after the decimal point"),
               "decimal_max_digits": ("max_digits", "use at most {} digits")}


def _words(err: dict) -> str:
    """Say what is wrong the way a nurse would read it (pydantic's bound messages show Python types)."""
    if err["type"] in BOUND_WORDS:
        key, template = BOUND_WORDS[err["type"]]
        if key in err.get("ctx", {}):
            return template.format(err["ctx"][key])
    return err["msg"].removeprefix("Value error, ")
