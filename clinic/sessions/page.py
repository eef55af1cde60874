"""Everything the session page shows, gathered in one place (no rules here, only reading)."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from ..domain import catalog as catalog_data
from ..domain import flags as flag_rules
from ..domain import lifecycle, news2, protocols
from ..domain.schedule import late_entry, vitals_due_at
from ..models import utcnow
from ..review.forms import NOTE_REQUIRED, ReviewForm
from ..services import catalog, chair, history, records, review, sessions, treatment
from ..web import local_time, local_today
from .actions import REGISTRY


def reaction_groups(rows) -> list[tuple[str, str, list]]:
    """Return the checklist grouped as SPEC §10 names the groups."""
    return [(code, title, [r for r in rows if r.reaction_group == code])
            for code, title in catalog_data.REACTION_GROUPS]


def _carried_over(infusion) -> dict:
    """On oxygen and Consciousness as the last reading that recorded them (SPEC §10: chosen once, at the baseline)."""
    values = {}
    for v in sorted((v for v in infusion.vitals if not v.is_voided), key=lambda v: (v.taken_at, v.id)):
        if v.on_oxygen is not None:
            values["on_oxygen"] = "yes" if v.on_oxygen else "no"
        if v.consciousness:
            values["consciousness"] = v.consciousness
    return values


def pending_premedications(infusion, drug) -> list:
    """The drug's premedications for this infusion not yet recorded (given or not), required ones first."""
    recorded = {p.code for p in infusion.premedications if not p.is_voided}
    pending = [p for p in drug.premedications_for(infusion.infusion_number) if p.code not in recorded]
    return sorted(pending, key=lambda p: not p.required)


def _phase(status: str) -> str:
    if status == lifecycle.Status.PLANNED:
        return "baseline"
    return "during" if status in lifecycle.RUNNING else "observation"


def build_form(name: str, session_id: int, formdata=None, *, infusion=None, drug=None, reactions=None):
    """Make one action form with its choices; unsubmitted, it carries the version the page was read at and
    the values the nurse would choose next (the phase, the last reading's oxygen and consciousness, the next
    premedication)."""
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
        pending = pending_premedications(infusion, drug) if formdata is None else []
        if pending:
            form.code.data = pending[0].code
    elif name == "reactions":
        form.codes.choices = [(r.code, r.label) for r in (reactions or catalog.reactions())]
        form.grade.choices = [(str(g.grade), f"Grade {g.grade}: {g.wording}") for g in catalog_data.GRADES]
        form.action.choices = list(catalog_data.ACTIONS)
    elif name == "start" and formdata is None and infusion.rate_plan:
        form.rate_ml_h.data = infusion.rate_plan["steps"][0]["rate_ml_h"]
    elif name == "vitals" and formdata is None:
        form.phase.data = _phase(infusion.status)
        for field, value in _carried_over(infusion).items():
            getattr(form, field).data = value
    return form


# The forms the session page renders in each status, of those the lifecycle allows (the reaction checklist has a
# page of its own; the others wait for the status in which a nurse uses them): building and rendering less is
# what keeps the page nurses reload most quick.
ON_THE_PAGE = {
    lifecycle.Status.PLANNED: frozenset({"checks", "premedication", "vitals", "start", "cancel"}),
    lifecycle.Status.INFUSING: frozenset({"vitals"}),
    lifecycle.Status.PAUSED: frozenset({"resume", "vitals"}),
    lifecycle.Status.OBSERVING: frozenset({"vitals", "discharge", "undo_end"}),
    lifecycle.Status.DISCHARGED: frozenset({"vitals", "finalize", "next_appointment"}),
    lifecycle.Status.FINALIZED: frozenset({"amend"}),
}


def next_action(status: str, missing_steps: list[str], observed_after_end: bool, emergency: bool = False) -> str | None:
    """The form the nurse most likely needs now (SPEC §10): before the start the first thing missing, then
    the start; the vitals while infusing; resuming while paused; after the end the observation vitals, then
    the discharge; signing once discharged."""
    if status == lifecycle.Status.PLANNED:
        return missing_steps[0] if missing_steps else "start"
    if emergency and status in lifecycle.RUNNING:
        return "stop"  # an anaphylaxis or emergency: SPEC §5's advice is to stop, not to chart more or to resume
    return {lifecycle.Status.INFUSING: "vitals", lifecycle.Status.PAUSED: "resume",
            lifecycle.Status.OBSERVING: "discharge" if observed_after_end else "vitals",
            lifecycle.Status.DISCHARGED: "finalize"}.get(lifecycle.Status(status))


def _missing_steps(infusion, drug, now) -> list[str]:
    """The actions still needed before the start, in the order a nurse does them."""
    steps = []
    confirmed = {c.code for c in infusion.checks}
    if any(c.code not in confirmed for c in drug.checks_for(infusion.infusion_number)):
        steps.append("checks")
    required = set(drug.required_premedications(infusion.infusion_number))
    if any(p.required or p.code in required for p in pending_premedications(infusion, drug)):
        steps.append("premedication")
    if not any(v.phase == "baseline" and not v.is_voided and v.taken_at <= now for v in infusion.vitals):
        steps.append("vitals")
    return steps


def _dash(value) -> str:
    return "–" if value is None else str(value)


def vitals_rows(infusion) -> list[dict]:
    """Each reading as the table shows it, newest first: its values (abnormal ones with a word), its NEWS2
    score, when it was taken. Worked out here rather than in the template: the table is most of the page."""
    scale = infusion.patient.spo2_scale or 1
    rows = []
    for v in sorted(infusion.vitals, key=lambda v: (v.taken_at, v.id), reverse=True):
        record = records.vitals_record(v)
        score = news2.score(record, scale)
        marks = news2.abnormal_words(record, score)
        cells = [(f"{_dash(v.systolic)}/{_dash(v.diastolic)}", marks.get("systolic")),
                 (_dash(v.heart_rate), marks.get("heart_rate")), (_dash(v.resp_rate), marks.get("resp_rate")),
                 (_dash(v.temperature_c), marks.get("temperature")), (_dash(v.spo2), marks.get("spo2"))]
        state = {True: "O₂", False: "air", None: "–"}[v.on_oxygen] + ", " + (v.consciousness or "–")
        cells.append((state, ", ".join(w for w in (marks.get("oxygen"), marks.get("consciousness")) if w) or None))
        cells.append((_dash(v.pain), None))
        # A score of 1–4 without a 3 is only "raised"; above it, the RCP's response in the flags' words.
        low = score.band == "low"
        rows.append({"v": v, "score": score, "marks": marks, "cells": cells, "taken": local_time(v.taken_at),
                     "late": local_time(v.charted_at) if late_entry(v.taken_at, v.charted_at) else None,
                     "band": "none" if v.is_voided or not score.total else ("raised" if low else "urgent"),
                     "response": "raised" if low else score.response})
    return rows


def context(infusion, bound: dict | None = None) -> dict:
    """Build the template context for the session page: only what the session's status needs.

    `bound` holds a submitted form to re-show with its errors."""
    bound = bound or {}
    drug = sessions.definition_of(infusion)
    status = infusion.status
    now = utcnow()
    shown = ON_THE_PAGE.get(lifecycle.Status(status), frozenset())
    allowed = [name for name in lifecycle.actions_for(status) if name in REGISTRY and name in shown]
    if status == lifecycle.Status.PLANNED:
        missing_steps = _missing_steps(infusion, drug, now)
    else:
        missing_steps = []
    action_forms = {name: bound.get(name) or build_form(name, infusion.id, infusion=infusion, drug=drug)
                    for name in allowed}
    observed_after_end = infusion.ended_at is not None and any(
        v.taken_at >= infusion.ended_at and not v.is_voided for v in infusion.vitals)
    stored = infusion.flags or []
    user_id = current_user.id
    return {
        "infusion": infusion, "drug": drug, "forms": action_forms, "now": now, "status": status,
        "bound": bound, "next": next_action(status, missing_steps, observed_after_end, emergency=any(
            f.get("code") in flag_rules.NEVER_HIDDEN for f in stored)),
        "missing_steps": missing_steps,
        "confirmed": {c.code: c for c in infusion.checks},
        "checks": drug.checks_for(infusion.infusion_number),
        "premedications": drug.premedications_for(infusion.infusion_number),
        "pending_premedications": pending_premedications(infusion, drug) if "premedication" in action_forms else [],
        "product": drug.product(infusion.product_code),
        "chair_now": chair.now_at_the_chair(infusion, now),
        "plan_steps": chair.plan_steps(infusion),
        # The patient is still in the chair while paused: the vitals stay due (issue 23: "Vitals due at –").
        "vitals_due_at": vitals_due_at(infusion.started_at, infusion.last_vitals_at,
                                       "infusing" if status == "paused" else status),
        "paused_by": next((e for e in sorted(infusion.events, key=lambda e: e.occurred_at, reverse=True)
                           if e.kind == "pause" and not e.is_voided), None) if status == "paused" else None,
        "vitals_rows": vitals_rows(infusion),
        "alerts": treatment.standing_alerts(infusion.patient_id),
        "history": history.reaction_history(infusion.patient_id, infusion.drug_code, exclude_session=infusion.id)
        if status == lifecycle.Status.PLANNED else [],
        "missing": sessions.missing_before_start(infusion, now) if status == lifecycle.Status.PLANNED else [],
        "late": late_entry,
        "amendments": history.amendments_of(infusion.id) if status == lifecycle.Status.FINALIZED else [],
        "reviews": review.reviews_of(infusion.id) if stored else [],
        "review_form": _review_form(infusion, bound.get("review")),
        "has_summary": "sessions.summary_pdf" in current_app.view_functions,
        "headlines": flag_rules.stored_headlines(stored),
        "can_undo_end": lifecycle.undo_end_refusal(status, infusion.ended_by_id, infusion.ended_charted_at,
                                                   user_id, now) is None,
        "undo_end_until": infusion.ended_charted_at + lifecycle.UNDO_END_WITHIN if infusion.ended_charted_at else None,
    }


def _review_form(infusion, bound):
    """The supervisor's review of this session's flags, as on the queue (no outcome chosen for them)."""
    if not (infusion.needs_review and infusion.flags and current_user.has_role("supervisor")):
        return None
    form = bound or ReviewForm(prefix="review", formdata=None)
    if infusion.flag_level == "serious":
        form.note.description = NOTE_REQUIRED
    return form


# Forms one tap from the session page, each on a page of its own that says what it does (End and Cancel ask
# first: SPEC §4.4).
ACTION_PAGES = ("end", "pause", "rate", "premedication", "cancel")


def action_context(infusion, action: str, bound=None) -> dict:
    """One action's own page: its form, and what the nurse needs to know before doing it."""
    drug = sessions.definition_of(infusion)
    form = bound or build_form(action, infusion.id, infusion=infusion, drug=drug)
    now = utcnow()
    return {"infusion": infusion, "drug": drug, "action": action, "forms": {action: form}, "bound": {action: bound},
            "now": now, "chair_now": chair.now_at_the_chair(infusion, now), "plan_steps": chair.plan_steps(infusion),
            "pending_premedications": pending_premedications(infusion, drug) if action == "premedication" else []}


def reactions_context(infusion, bound=None) -> dict:
    """The reaction checklist's own page, with Pause and End beside it (SPEC §4.3)."""
    reactions = catalog.reactions()
    drug = sessions.definition_of(infusion)
    names = [n for n in ("reactions", "pause", "end") if lifecycle.allows(infusion.status, n)]
    forms = {n: (bound or {}).get(n) or build_form(n, infusion.id, infusion=infusion, drug=drug, reactions=reactions)
             for n in names}
    return {"infusion": infusion, "drug": drug, "forms": forms, "groups": reaction_groups(reactions),
            "now": utcnow(), "observation_minutes": infusion.observation_minutes}


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
