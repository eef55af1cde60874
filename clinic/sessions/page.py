"""Everything the session page shows, gathered in one place (no rules here, only reading)."""
from __future__ import annotations

from flask import current_app

from ..domain import catalog as catalog_data
from ..domain.schedule import late_entry, vitals_due_at
from ..models import utcnow
from ..services import catalog, history, review, sessions
from . import forms

ACTIONS_BY_STATUS = {
    "planned": ("checks", "premedication", "vitals", "reactions", "start", "cancel"),
    "infusing": ("vitals", "reactions", "premedication", "rate", "pause", "end"),
    "paused": ("vitals", "reactions", "premedication", "rate", "resume", "end"),
    "observing": ("vitals", "reactions", "discharge"),
    "discharged": ("vitals", "reactions", "finalize"),
    "finalized": ("amend",),
    "cancelled": (),
}

FORM_CLASSES = {
    "checks": forms.ChecksForm, "premedication": forms.PremedicationForm, "vitals": forms.VitalsForm,
    "reactions": forms.ReactionsForm, "start": forms.StartForm, "pause": forms.PauseForm,
    "resume": forms.ResumeForm, "rate": forms.RateForm, "end": forms.EndForm, "discharge": forms.DischargeForm,
    "finalize": forms.FinalizeForm, "amend": forms.AmendForm, "cancel": forms.CancelForm,
    "next_appointment": forms.NextAppointmentForm,
}


def reaction_groups(rows) -> list[tuple[str, str, list]]:
    """Return the checklist grouped as SPEC §10 names the groups."""
    return [(code, title, [r for r in rows if r.reaction_group == code])
            for code, title in catalog_data.REACTION_GROUPS]


def build_form(name: str, infusion, drug: catalog_data.Drug, reactions=None, formdata=None):
    """Make one action form, with its choices and the version it was read at."""
    form = FORM_CLASSES[name](formdata=formdata, prefix=name)
    if formdata is None:
        form.version.data = str(infusion.version)
    if name == "checks":
        form.codes.choices = [(c.code, c.prompt) for c in drug.checks]
    elif name == "premedication":
        form.code.choices = [(p.code, p.text + (" (required)" if p.is_required_for(infusion.infusion_number)
                                                 else " (optional)")) for p in drug.premedications]
    elif name == "reactions":
        form.codes.choices = [(r.code, r.label) for r in (reactions or catalog.reactions())]
        form.grade.choices = [(str(g.grade), f"Grade {g.grade}: {g.wording}") for g in catalog_data.GRADES]
        form.action.choices = list(catalog_data.ACTIONS)
    elif name == "vitals" and formdata is None:
        form.phase.data = "baseline" if infusion.status == "planned" else (
            "during" if infusion.status in ("infusing", "paused") else "observation")
    return form


def context(infusion, bound: dict | None = None) -> dict:
    """Build the template context for the session page; `bound` holds a submitted form to re-show."""
    drug = sessions.definition_of(infusion)
    reactions = catalog.reactions()
    names = ACTIONS_BY_STATUS[infusion.status] + (("next_appointment",) if infusion.status in sessions.EDITABLE else ())
    action_forms = {name: build_form(name, infusion, drug, reactions) for name in names}
    action_forms.update(bound or {})
    now = utcnow()
    confirmed = {c.code: c for c in infusion.checks}
    return {
        "s": infusion, "drug": drug, "forms": action_forms, "now": now,
        "groups": reaction_groups(reactions), "grades": catalog_data.GRADES,
        "confirmed": confirmed,
        "required_premeds": drug.required_premedications(infusion.infusion_number),
        "vitals_due_at": vitals_due_at(infusion.started_at, infusion.last_vitals_at, infusion.status),
        "history": history.reaction_history(infusion.patient_id, infusion.drug_code, exclude_session=infusion.id),
        "missing": sessions.missing_before_start(infusion, now) if infusion.status == "planned" else [],
        "late": late_entry,
        "amendments": history.amendments_of(infusion.id),
        "reviews": review.reviews_of(infusion.id),
        "has_summary": "sessions.summary_pdf" in current_app.view_functions,
        "serious_flags": [f for f in infusion.flags or [] if f["level"] == "serious"],
        "warning_flags": [f for f in infusion.flags or [] if f["level"] != "serious"],
    }
