"""Small helpers shared by the web forms."""
from __future__ import annotations

from flask import flash

from .services.errors import ServiceError


def show_service_error(form, exc: ServiceError) -> None:
    """Put a service's field errors on the form's fields; the rest goes to a flash."""
    unplaced = []
    for name, messages in (exc.fields or {}).items():
        field = getattr(form, name.split(".")[0], None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            unplaced.append(f"{name}: {' '.join(messages)}")
    if unplaced or not exc.fields:
        flash(exc.message if not unplaced else "; ".join(unplaced), "error")


def blank_to_none(data: dict) -> dict:
    """Drop empty strings so optional fields read as 'not given'."""
    return {k: (None if v == "" else v) for k, v in data.items()}


def focus_first_error(form) -> None:
    """Give the first field with an error the focus when the page opens again (HTML autofocus: no script
    needed), so the nurse lands on what to fix."""
    for field in form:
        if field.errors and field.type not in ("HiddenField", "SubmitField", "CSRFTokenField"):
            field.render_kw = {**(field.render_kw or {}), "autofocus": True}
            return
