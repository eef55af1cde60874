"""JSON shapes of SPEC §8."""
from __future__ import annotations

from ..domain.flags import in_severity_order
from ..formatting import decimal_text


def drug(d) -> dict:
    """Serialise a catalog drug: its products, checks, premedications and protocol rows (SPEC §8)."""
    definition = d.to_dict()
    return {
        "code": d.code, "brand": d.brand, "generic": d.generic, "category": d.category, "route": d.route,
        "default_dose": decimal_text(d.default_dose), "dose_unit": d.dose_unit,
        "products": definition["products"],
        "checks": [{"code": c.code, "prompt": c.prompt, "stop_text": c.stop_text, "infusions": c.infusions.text(),
                    "source": c.source} for c in d.checks],
        "premedications": [{"code": p.code, "text": p.text, "required": p.required,
                            "infusions": p.infusions.text(), "course_days": p.course_days, "source": p.source}
                           for p in d.premedications],
        "protocol": definition["protocol"], "courses": definition["courses"], "retreat": definition["retreat"],
        "next_due": definition["next_due"], "warnings": definition["warnings"],
        "delayed_reaction_hours": d.delayed_reaction_hours,
    }


def reaction(r) -> dict:
    """Serialise a reaction row."""
    return {"code": r.code, "label": r.label, "group": r.reaction_group,
            "systems": [s for s in r.systems.split(",") if s], "help": r.help_text}


def _iso(value):
    return value.isoformat() if value is not None else None


def _num(value):
    return decimal_text(value)


def patient(p) -> dict:
    """Serialise a patient."""
    return {
        "id": p.id, "mrn": p.mrn, "first_name": p.first_name, "last_name": p.last_name,
        "date_of_birth": p.date_of_birth.isoformat(), "sex": p.sex, "allergies": p.allergies,
        "weight_kg": _num(p.weight_kg), "weight_taken_on": _iso(p.weight_taken_on), "height_cm": _num(p.height_cm),
        "phone": p.phone, "preferred_language": p.preferred_language, "pregnant": bool(p.pregnant),
        "spo2_scale": p.spo2_scale, "active": bool(p.active), "version": p.version,
    }


def vitals(v) -> dict:
    """Serialise a set of vital signs."""
    return {
        "id": v.id, "taken_at": _iso(v.taken_at), "charted_at": _iso(v.charted_at), "phase": v.phase,
        "systolic": v.systolic, "diastolic": v.diastolic, "heart_rate": v.heart_rate, "resp_rate": v.resp_rate,
        "temperature_c": _num(v.temperature_c), "spo2": v.spo2, "on_oxygen": v.on_oxygen,
        "consciousness": v.consciousness, "pain": v.pain, "voided": v.is_voided, "void_reason": v.void_reason,
        "recorded_by": v.recorded_by_id,
    }


def reaction_entry(r) -> dict:
    """Serialise a reaction entry."""
    return {
        "id": r.id, "code": r.reaction_code, "label": r.reaction_label, "group": r.reaction_group,
        "onset_at": _iso(r.onset_at), "charted_at": _iso(r.charted_at), "grade": r.grade, "action": r.action,
        "medication": r.medication, "resolved_at": _iso(r.resolved_at), "notes": r.notes,
        "voided": r.is_voided, "void_reason": r.void_reason, "recorded_by": r.recorded_by_id,
    }


def event(e) -> dict:
    """Serialise a rate change, pause or resume."""
    return {
        "id": e.id, "kind": e.kind, "at": _iso(e.occurred_at), "charted_at": _iso(e.charted_at),
        "rate_ml_h": _num(e.rate_ml_h), "reason": e.reason, "due_to_reaction": e.due_to_reaction,
        "voided": e.is_voided,
    }


def premedication(p) -> dict:
    """Serialise a premedication record."""
    return {
        "id": p.id, "code": p.code, "text": p.text, "required": p.required, "given_at": _iso(p.given_at),
        "dose": p.dose, "not_given_reason": p.not_given_reason, "charted_at": _iso(p.charted_at),
        "voided": p.is_voided,
    }


def flag(f: dict) -> dict:
    """Serialise a stored flag (without its internal key)."""
    return {k: v for k, v in f.items() if k != "key"}


def history_entry(h) -> dict:
    """Serialise a treatment history entry (infusions given elsewhere)."""
    return {"id": h.id, "drug": h.drug_code, "infusions": h.infusions, "last_infusion_on": _iso(h.last_infusion_on),
            "had_reaction": h.had_reaction, "source": h.source, "recorded_at": _iso(h.recorded_at),
            "voided": h.is_voided}


def alert(a) -> dict:
    """Serialise a do-not-re-treat alert."""
    return {"id": a.id, "drugs": list(a.drug_codes), "reason": a.reason, "session_id": a.session_id,
            "created_at": _iso(a.created_at), "lifted_at": _iso(a.lifted_at), "lift_reason": a.lift_reason}


def patient_with_treatment(p, alerts, history) -> dict:
    """A patient with their do-not-re-treat alerts and treatment history (SPEC §8)."""
    return {**patient(p), "alerts": [alert(a) for a in alerts], "history": [history_entry(h) for h in history]}


def session(s, drug, now_panel) -> dict:
    """Serialise a session with everything charted on it and what its protocol says now (SPEC §8)."""
    product = drug.product(s.product_code)
    next_step = now_panel.next_step
    return {
        "id": s.id, "patient_id": s.patient_id, "drug": s.drug_code, "drug_version": s.drug_version.version,
        "product": {"code": product.code, "brand": product.brand, "generic": product.generic},
        "dose": _num(s.dose), "dose_unit": s.dose_unit, "dose_basis": s.dose_basis, "dose_per": _num(s.dose_per),
        "protocol_dose": _num(s.protocol_dose), "weight_kg": _num(s.weight_kg), "height_cm": _num(s.height_cm),
        "surface_m2": _num(s.surface_m2), "dose_reason": s.dose_reason, "prescriber": s.prescriber,
        "overrides": s.overrides or [], "lot_number": s.lot_number,
        "lot_expiry": _iso(s.lot_expiry), "chair": s.chair, "status": s.status,
        "infusion_number": s.infusion_number, "nurse_id": s.nurse_id, "created_at": _iso(s.created_at),
        "started_at": _iso(s.started_at), "ended_at": _iso(s.ended_at), "full_dose": s.full_dose,
        "observation_minutes": s.observation_minutes, "observation_ends_at": _iso(s.observation_ends_at),
        "rate_plan": None if s.rate_plan is None else [
            {"rate_ml_h": step["rate_ml_h"], "minutes": step["minutes"]} for step in s.rate_plan["steps"]],
        "rate_plan_code": None if s.rate_plan is None else s.rate_plan["code"],
        "current_rate_ml_h": _num(now_panel.rate.rate) if now_panel.rate else None,
        "next_rate_step": None if next_step is None else {"rate_ml_h": _num(next_step.rate), "at": _iso(next_step.at)},
        "vitals_due_at": _iso(now_panel.vitals_due_at),
        "discharged_at": _iso(s.discharged_at), "early_reason": s.early_reason,
        "disposition": s.disposition, "disposition_text": s.disposition_text,
        "finalized_at": _iso(s.finalized_at), "fingerprint": s.fingerprint,
        "next_appointment": _iso(s.next_appointment), "notes": s.notes,
        "required_premedications": list(drug.required_premedications(s.infusion_number)),
        "required_checks": list(drug.required_checks(s.infusion_number)),
        "checks_confirmed": [c.code for c in s.checks],
        "premedications": [premedication(p) for p in s.premedications],
        "vitals": [vitals(v) for v in s.vitals],
        "reactions": [reaction_entry(r) for r in s.reactions],
        "events": [event(e) for e in s.events],
        # Stored most severe first; sorted again so a record stored before that order still reads in it.
        "flags": [flag(f) for f in in_severity_order(s.flags or [])],
        "serious": s.flag_level == "serious",
        "version": s.version,
    }
