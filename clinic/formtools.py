"""Small helpers shared by the web forms."""
from __future__ import annotations

from flask import flash

from .services.errors import ServiceError


def show_service_error(form, exc: ServiceError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form's fields; the rest goes to a flash.

    A nested field's error (`override.reason`) lands on the form's flattened field (`override_reason`);
    `aliases` names the form field for a service field the form spells otherwise.
    """
    unplaced = []
    for name, messages in (exc.fields or {}).items():
        field = _form_field(form, name, aliases or {})
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            unplaced.append(f"{name}: {' '.join(messages)}")
    if unplaced or not exc.fields:
        flash(exc.message if not unplaced else "; ".join(unplaced), "error")


def _form_field(form, name: str, aliases: dict[str, str]):
    if form is None:
        return None
    for candidate in (name.replace(".", "_"), aliases.get(name), name.split(".")[0]):
        field = getattr(form, candidate, None) if candidate else None
        if field is not None:
            return field
    return None


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
