"""The session page's actions: for each, its form and what submitting it does, in one registry.

Which actions a session offers is the lifecycle's to say (clinic.domain.lifecycle); each entry here
turns a valid form into one service call and says what happened in words for the nurse.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_wtf import FlaskForm

from .. import schemas
from ..models import utcnow
from ..services import sessions, signing
from ..services.actor import Actor
from ..services.errors import Invalid
from ..web import clinic_tz
from . import forms


@dataclass(frozen=True)
class PageAction:
    form: type[FlaskForm]
    # (actor, session_id, expected_version, form) -> the message shown after it succeeded
    run: Callable[[Actor, int, int | None, FlaskForm], str]
    # A service's field name where the form calls it something else
    field_names: dict[str, str] | None = None


def _aware(value):
    """Read a datetime-local value as clinic time."""
    return value.replace(tzinfo=clinic_tz()) if value is not None else None


def _when(form) -> dict:
    return {"at": _aware(form.at.data) or utcnow()}


def celsius_to_fahrenheit(value: Decimal) -> Decimal:
    return (value * 9 / 5 + 32).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def fahrenheit_range() -> tuple[Decimal, Decimal]:
    """The °F a reading may take: the °C range the schema allows, converted."""
    low, high = (celsius_to_fahrenheit(c) for c in schemas.TEMPERATURE_C_RANGE)
    return low, high


def fahrenheit_to_celsius(value: Decimal) -> Decimal:
    """Convert °F to °C at the one decimal a thermometer shows; refuse first what no thermometer shows
    (the arithmetic on 1e30 or sNaN would fail rather than give a number out of range)."""
    low, high = fahrenheit_range()
    if not value.is_finite() or not low <= value <= high:
        raise Invalid.field("temperature_c", f"{value} °F is outside {low} to {high} °F")
    return ((value - 32) * 5 / 9).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _checks(actor, session_id, expected_version, form):
    sessions.confirm_checks(actor, session_id, form.codes.data or [], expected_version)
    return "Checks confirmed."


def _premedication(actor, session_id, expected_version, form):
    given = form.given.data == "yes"
    sessions.record_premedication(
        actor, session_id, expected_version, code=form.code.data, dose=form.dose.data or None,
        given_at=(_aware(form.given_at.data) or utcnow()) if given else None,
        not_given_reason=None if given else (form.not_given_reason.data or None))
    label = dict(form.code.choices).get(form.code.data, form.code.data)
    return f"Premedication recorded: {label}, {'given' if given else 'not given'}."


def _vitals(actor, session_id, expected_version, form):
    temperature = form.temperature.data
    note = ""
    if temperature is not None and form.temperature_unit.data == "F":
        celsius = fahrenheit_to_celsius(temperature)
        note = f" {temperature} °F was recorded as {celsius} °C."
        temperature = celsius
    try:
        sessions.record_vitals(
            actor, session_id, expected_version, taken_at=_aware(form.taken_at.data) or utcnow(),
            phase=form.phase.data, systolic=form.systolic.data, diastolic=form.diastolic.data,
            heart_rate=form.heart_rate.data, resp_rate=form.resp_rate.data, temperature_c=temperature,
            spo2=form.spo2.data, on_oxygen={"yes": True, "no": False}.get(form.on_oxygen.data),
            consciousness=form.consciousness.data or None, pain=form.pain.data)
    except Invalid as exc:
        if note and "temperature_c" in (exc.fields or {}):  # the nurse typed °F: answer in °F
            low, high = fahrenheit_range()
            raise Invalid.field("temperature_c", f"{form.temperature.data} °F is outside {low} to {high} °F") from exc
        raise
    return "Vitals recorded." + note


def _reactions(actor, session_id, expected_version, form):
    entry = {"onset_at": _aware(form.onset_at.data) or utcnow(), "grade": form.grade.data,
             "action": form.action.data, "medication": form.medication.data or None, "notes": form.notes.data or None}
    sessions.record_reactions(actor, session_id, [dict(entry, code=code) for code in form.codes.data or []],
                              expected_version)
    return "Reactions recorded. Use Pause infusion or End infusion if the infusion must stop."


def _start(actor, session_id, expected_version, form):
    sessions.start(actor, session_id, expected_version, rate_ml_h=form.rate_ml_h.data, **_when(form))
    return "Infusion started."


def _pause(actor, session_id, expected_version, form):
    sessions.pause(actor, session_id, expected_version, reason=form.reason.data or "",
                   due_to_reaction=bool(form.due_to_reaction.data), **_when(form))
    return "Infusion paused."


def _resume(actor, session_id, expected_version, form):
    sessions.resume(actor, session_id, expected_version, **_when(form))
    return "Infusion resumed."


def _rate(actor, session_id, expected_version, form):
    sessions.change_rate(actor, session_id, expected_version, rate_ml_h=form.rate_ml_h.data, **_when(form))
    return f"Rate recorded: {form.rate_ml_h.data} mL/h."


def _end(actor, session_id, expected_version, form):
    sessions.end(actor, session_id, expected_version, full_dose=form.full_dose.data == "yes", **_when(form))
    return "Infusion ended. The observation period has started."


def _undo_end(actor, session_id, expected_version, form):
    sessions.undo_end(actor, session_id, expected_version)
    return "The end was undone: the infusion is running again. Record the end when it really ends."


def _discharge(actor, session_id, expected_version, form):
    sessions.discharge(actor, session_id, expected_version, early_reason=form.early_reason.data or None,
                       disposition=form.disposition.data or "home", disposition_text=form.disposition_text.data or None,
                       **_when(form))
    return "Patient discharged."


def _finalize(actor, session_id, expected_version, form):
    signing.finalize(actor, session_id, form.password.data or "", expected_version)
    return "Finalized. The record is signed and read-only."


def _amend(actor, session_id, expected_version, form):
    signing.amend(actor, session_id, form.reason.data or "", {form.field.data: form.value.data}, expected_version)
    return "Amendment recorded."


def _next_appointment(actor, session_id, expected_version, form):
    sessions.set_next_appointment(actor, session_id, form.next_appointment.data, expected_version)
    return "Next appointment saved."


def _cancel(actor, session_id, expected_version, form):
    sessions.cancel(actor, session_id, form.reason.data or "", expected_version)
    return "Session cancelled."


REGISTRY: dict[str, PageAction] = {
    "checks": PageAction(forms.ChecksForm, _checks, {"code": "codes"}),
    "premedication": PageAction(forms.PremedicationForm, _premedication),
    "vitals": PageAction(forms.VitalsForm, _vitals, {"temperature_c": "temperature"}),
    "reactions": PageAction(forms.ReactionsForm, _reactions, {"code": "codes"}),
    "start": PageAction(forms.StartForm, _start),
    "rate": PageAction(forms.RateForm, _rate),
    "pause": PageAction(forms.PauseForm, _pause),
    "resume": PageAction(forms.ResumeForm, _resume),
    "end": PageAction(forms.EndForm, _end),
    "undo_end": PageAction(forms.UndoEndForm, _undo_end),
    "discharge": PageAction(forms.DischargeForm, _discharge),
    "finalize": PageAction(forms.FinalizeForm, _finalize),
    "amend": PageAction(forms.AmendForm, _amend, {f"changes.{name}": "value" for name in schemas.AMENDABLE_FIELDS}),
    "cancel": PageAction(forms.CancelForm, _cancel),
    "next_appointment": PageAction(forms.NextAppointmentForm, _next_appointment),
}
