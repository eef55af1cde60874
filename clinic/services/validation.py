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


def field_errors(exc: ValidationError, separator: str = ".") -> dict[str, list[str]]:
    """Turn pydantic's errors into SPEC §8's {field: [why]} (a form's nested fields join with "-")."""
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        name = separator.join(str(p) for p in err["loc"]) or "body"
        fields.setdefault(name, []).append(_words(err))
    return fields


BOUND_WORDS = {"greater_than_equal": ("ge", "must be at least {}"), "less_than_equal": ("le", "must be at most {}"),
               "greater_than": ("gt", "must be more than {}"), "less_than": ("lt", "must be less than {}"),
               "decimal_max_places": ("decimal_places", "use at most {} digits after the decimal point"),
               "decimal_max_digits": ("max_digits", "use at most {} digits")}


EMPTY = ("", None)
PLAIN = {"int_parsing": "must be a whole number", "int_from_float": "must be a whole number",
         "decimal_parsing": "must be a number", "float_parsing": "must be a number", "bool_parsing": "choose yes or no",
         "date_from_datetime_parsing": "give a date as YYYY-MM-DD", "date_parsing": "give a date as YYYY-MM-DD",
         "datetime_from_date_parsing": "give a date and time"}


def _is_empty(value) -> bool:
    return isinstance(value, str | type(None)) and value in EMPTY


def _words(err: dict) -> str:
    """Say what is wrong the way a nurse would read it (pydantic's own messages show Python types)."""
    kind, ctx = err["type"], err.get("ctx", {})
    if kind in BOUND_WORDS and BOUND_WORDS[kind][0] in ctx:
        key, template = BOUND_WORDS[kind]
        return template.format(ctx[key])
    if kind == "missing" or (kind not in BOUND_WORDS and _is_empty(err.get("input"))):
        return "is required"
    if kind == "string_too_short":
        return "is required" if ctx.get("min_length") == 1 else f"use at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"use at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return "choose at least one" if ctx.get("min_length") == 1 else f"choose at least {ctx.get('min_length')}"
    if kind == "too_long":
        return f"choose at most {ctx.get('max_length')}"
    if kind in PLAIN:
        return PLAIN[kind]
    return err["msg"].removeprefix("Value error, ")
