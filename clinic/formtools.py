"""Small helpers shared by the web forms."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import DecimalField, FieldList, FormField, PasswordField, StringField, TextAreaField

from .input_guard import text_problem
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


class NumberField(DecimalField):
    """A decimal as a person types it: "sNaN", "inf" and "1e30" are not numbers anyone measures or orders,
    and arithmetic on them (a °F conversion) would fail, so the form refuses them as it refuses "fast"."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and (not self.data.is_finite() or not -MAX_EXPONENT <= self.data.adjusted()
                                      <= MAX_EXPONENT):
            self.data = None
            raise ValueError("Not a number this field can take.")


MAX_EXPONENT = 9  # up to 9,999,999,999: more than any column holds; the schemas then say the field's bounds


class GuardedForm(FlaskForm):
    """The base of every form: text with characters the database cannot store is refused on its field.

    One line of text (a StringField) has no control characters or line breaks; a text area keeps its new
    lines and tabs; a password may hold anything but NUL and the other control characters.
    """

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return guard_text(self) and valid


def guard_text(form) -> bool:
    """Put a refusal on every text field of `form` (nested ones too) that cannot be stored; True if none."""
    clean = True
    for field in form:
        if isinstance(field, FormField):
            clean = guard_text(field.form) and clean
        elif isinstance(field, FieldList):
            for entry in field.entries:
                clean = (guard_text(entry.form) if isinstance(entry, FormField) else _guard_field(entry)) and clean
        else:
            clean = _guard_field(field) and clean
    return clean


def _guard_field(field) -> bool:
    if not isinstance(field.data, str) or not isinstance(field, StringField):
        return True
    why = text_problem(field.data, multi_line=isinstance(field, TextAreaField | PasswordField))
    if why is None:
        return True
    field.errors = [*(field.errors or ()), why]
    return False
