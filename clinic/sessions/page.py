"""Everything the session page shows, gathered in one place (no rules here, only reading)."""
from __future__ import annotations

from flask import current_app, request

from ..domain import catalog as catalog_data
from ..domain import lifecycle
from ..domain.schedule import late_entry, vitals_due_at
from ..models import utcnow
from ..domain import protocols
from ..services import catalog, chair, history, review, sessions, treatment
from ..web import local_today
from .actions import REGISTRY


def reaction_groups(rows) -> list[tuple[str, str, list]]:
    """Return the checklist grouped as SPEC §10 names the groups."""
    return [(code, title, [r for r in rows if r.reaction_group == code])
            for code, title in catalog_data.REACTION_GROUPS]


def build_form(name: str, session_id: int, formdata=None, *, infusion=None, drug=None, reactions=None):
    """Make one action form with its choices; unsubmitted, it carries the version the page was read at."""
    if drug is None:
        drug, infusion_number = sessions.drug_and_infusion_number(session_id)
    else:
        infusion_number = infusion.infusion_number
    form = REGISTRY[name].form(formdata=formdata, prefix=name)
    if formdata is None:
        form.version.data = str(infusion.version)
    if name == "checks":
        form.codes.choices = [(c.code, c.prompt) for c in drug.checks_for(infusion_number)]
    elif name == "premedication":
        form.code.choices = [(p.code, p.text + (" (required)" if p.required else " (optional)"))
                             for p in drug.premedications_for(infusion_number)]
    elif name == "reactions":
        form.codes.choices = [(r.code, r.label) for r in (reactions or catalog.reactions())]
        form.grade.choices = [(str(g.grade), f"Grade {g.grade}: {g.wording}") for g in catalog_data.GRADES]
        form.action.choices = list(catalog_data.ACTIONS)
    elif name == "start" and formdata is None and infusion.rate_plan:
        form.rate_ml_h.data = infusion.rate_plan["steps"][0]["rate_ml_h"]
    elif name == "vitals" and formdata is None:
        form.phase.data = "baseline" if infusion.status == lifecycle.Status.PLANNED else (
            "during" if infusion.status in lifecycle.RUNNING else "observation")
    return form


def context(infusion, bound: dict | None = None) -> dict:
    """Build the template context for the session page; `bound` holds a submitted form to re-show."""
    drug = sessions.definition_of(infusion)
    reactions = catalog.reactions()
    names = [name for name in lifecycle.actions_for(infusion.status) if name in REGISTRY]
    action_forms = {name: build_form(name, infusion.id, infusion=infusion, drug=drug, reactions=reactions)
                    for name in names}
    action_forms.update(bound or {})
    now = utcnow()
    confirmed = {c.code: c for c in infusion.checks}
    return {
        "infusion": infusion, "drug": drug, "forms": action_forms, "now": now,
        "groups": reaction_groups(reactions), "grades": catalog_data.GRADES,
        "confirmed": confirmed,
        "checks": drug.checks_for(infusion.infusion_number),
        "premedications": drug.premedications_for(infusion.infusion_number),
        "product": drug.product(infusion.product_code),
        "chair_now": chair.now_at_the_chair(infusion, now),
        "plan_steps": chair.plan_steps(infusion),
        "vitals_due_at": vitals_due_at(infusion.started_at, infusion.last_vitals_at, infusion.status),
        "history": history.reaction_history(infusion.patient_id, infusion.drug_code, exclude_session=infusion.id),
        "missing": sessions.missing_before_start(infusion, now) if infusion.status == lifecycle.Status.PLANNED else [],
        "late": late_entry,
        "amendments": history.amendments_of(infusion.id),
        "reviews": review.reviews_of(infusion.id),
        "has_summary": "sessions.summary_pdf" in current_app.view_functions,
        "serious_flags": [f for f in infusion.flags or [] if f["level"] == "serious"],
        "warning_flags": [f for f in infusion.flags or [] if f["level"] != "serious"],
    }


def check_in_context(patient, drugs, form) -> dict:
    """What the check-in page shows for each drug: the protocol's next infusion for this patient, its alerts,
    the last dose and the earliest date, and the patient's earlier reactions (a few queries, whatever the drugs)."""
    today = local_today()
    histories = treatment.histories_of(patient.id)
    plans = {d.code: protocols.plan_check_in(d, histories.get(d.code, protocols.TreatmentHistory()), today, utcnow(),
                                             measured=protocols.Measurements(patient.weight_kg, patient.weight_taken_on,
                                                                             patient.height_cm))
             for d in drugs}
    alerts = treatment.standing_alerts(patient.id)
    chosen = plans.get(form.drug.data)
    if chosen is not None and request.method == "GET":
        form.product.data = chosen.product.code
        form.dose_unit.data = chosen.row.dose.unit
    return {
        "plans": plans, "chosen": chosen, "alerts": alerts,
        "alerts_by_drug": {d.code: [a for a in alerts if d.code in a.drug_codes] for d in drugs},
        "reactions": history.reaction_history(patient.id), "today": today,
    }
