"""Visit summaries built in memory for every drug of the catalog: an ordinary visit, an uneventful one, and
the Tysabri anaphylaxis that ends in a transfer to the emergency department. Read by the summary's unit
tests (reading level, language, layout) and by the pictures in docs/summaries/."""
from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from clinic import i18n
from clinic.domain import catalog
from clinic.domain.records import PatientRecord, PremedicationRecord, ReactionRecord, SessionRecord, VitalsRecord
from clinic.pdf.visit_summary import VisitSummaryContext, Warning

START = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York
PATIENT = PatientRecord(1, "MRN-20417", "Maria", "Lopez", date(1984, 3, 12), sex="female")
NEXT_DUE = date(2027, 5, 18)


def _vitals(minutes_and_values) -> tuple[VitalsRecord, ...]:
    return tuple(VitalsRecord(id=i, taken_at=START + timedelta(minutes=m), phase=phase, systolic=s, diastolic=d,
                              heart_rate=hr, resp_rate=rr, temperature_c=Decimal(t), spo2=o2)
                 for i, (m, phase, s, d, hr, rr, t, o2) in enumerate(minutes_and_values, start=1))


def steady_vitals(infusion_minutes: int, observation_minutes: int) -> tuple[VitalsRecord, ...]:
    """Baseline, every 15 minutes in the first hour, every 30 after, the end and the observation."""
    times = [-10] + list(range(15, min(60, infusion_minutes) + 1, 15)) + list(range(90, infusion_minutes, 30))
    rows = [(m, "baseline" if m < 0 else "during", 122 + (i % 3), 76 + (i % 2), 70 + (i % 4), 14, "36.7", 98)
            for i, m in enumerate(times)]
    rows.append((infusion_minutes, "end", 120, 76, 72, 14, "36.8", 98))
    if observation_minutes:
        rows.append((infusion_minutes + observation_minutes, "discharge", 118, 75, 70, 14, "36.7", 98))
    return _vitals(rows)


def _premedications(drug, number: int) -> tuple[PremedicationRecord, ...]:
    given = [p for p in drug.premedications_for(number) if p.required]
    return tuple(PremedicationRecord(i, p.code, p.text, True, given_at=START - timedelta(minutes=35))
                 for i, p in enumerate(given, start=1))


def _reaction(code: str, minutes: int, grade: int, action: str, medication: str | None = None,
              resolved_after: int | None = None) -> ReactionRecord:
    r = catalog.reaction_by_code(code)
    onset = START + timedelta(minutes=minutes)
    return ReactionRecord(minutes, code, r.label, r.group, r.systems, onset, grade, action, medication=medication,
                          resolved_at=onset + timedelta(minutes=resolved_after) if resolved_after else None)


def _context(record: SessionRecord, drug, **fields) -> VisitSummaryContext:
    return VisitSummaryContext(
        record=record, clinic_name="Chairside Infusion Center", clinic_phone="555-0100",
        tz=ZoneInfo("America/New_York"), warnings=tuple(Warning(w.action, w.text, w.applies_to) for w in drug.warnings),
        delayed_reaction_hours=drug.delayed_reaction_hours, next_due=fields.pop("next_due", NEXT_DUE),
        **fields)


def ordinary_visit(drug_code: str, *, reaction: bool = True) -> VisitSummaryContext:
    """A visit as most are: the protocol's dose, premedications, steady vitals, and (by default) a mild
    reaction treated with an allergy medicine."""
    drug = catalog.drug_by_code(drug_code)
    number = 3 if drug.code not in ("alemtuzumab",) else 2
    row = drug.row(number)
    product = drug.products[0]
    minutes = 120 if drug.code in ("ocrelizumab", "rituximab", "ublituximab", "alemtuzumab", "ivig") else 60
    observation = row.observation.minutes
    per = {"fixed": 1, "per_kg": 70, "per_m2": Decimal("1.85")}[row.dose.basis]  # 70 kg, 1.85 m²
    dose = (row.dose.amount * per).quantize(Decimal("1"))
    reactions = (_reaction("itching", 40, 1, "medication_given", "Diphenhydramine 25 mg IV push", 25),) if reaction \
        else ()
    record = SessionRecord(
        id=101, patient=PATIENT, drug_code=drug.code, drug_brand=product.brand, drug_generic=product.generic,
        dose=dose, dose_unit=row.dose.unit, infusion_number=number, status="finalized", nurse_name="Nora Reyes",
        created_at=START - timedelta(minutes=60), started_at=START, ended_at=START + timedelta(minutes=minutes),
        full_dose=True, observation_minutes=observation,
        discharged_at=START + timedelta(minutes=minutes + max(observation, 10)), disposition="home",
        vitals=steady_vitals(minutes, max(observation, 10)), reactions=reactions,
        premedications=_premedications(drug, number))
    return _context(record, drug)


def tysabri_anaphylaxis() -> VisitSummaryContext:
    """Tysabri infusion 12: hives, then swelling of the throat and wheezing with a falling blood pressure;
    epinephrine, oxygen and fluids; EMS takes the patient to the emergency department. An alert stands."""
    drug = catalog.drug_by_code("natalizumab")
    vitals = _vitals([(-10, "baseline", 128, 78, 72, 14, "36.8", 98), (15, "during", 126, 77, 76, 15, "36.8", 98),
                      (22, "during", 96, 58, 112, 24, "36.9", 92), (27, "during", 78, 48, 124, 26, "36.9", 89),
                      (35, "during", 94, 60, 108, 22, "36.9", 94), (45, "during", 104, 66, 98, 20, "36.8", 96)])
    reactions = (_reaction("hives", 20, 2, "stopped"),
                 _reaction("swelling_mouth_throat", 24, 4, "emergency_response",
                           "Epinephrine 0.3 mg IM; O2 4 L NC; NS bolus 500 mL"),
                 _reaction("trouble_breathing", 24, 4, "emergency_response", "Epinephrine 0.3 mg IM x2"))
    record = SessionRecord(
        id=102, patient=PATIENT, drug_code="natalizumab", drug_brand="Tysabri", drug_generic="natalizumab",
        dose=Decimal(300), dose_unit="mg", infusion_number=12, status="discharged", nurse_name="Nora Reyes",
        created_at=START - timedelta(minutes=30), started_at=START, ended_at=START + timedelta(minutes=21),
        full_dose=False, observation_minutes=60, discharged_at=START + timedelta(minutes=50),
        disposition="emergency_department", vitals=vitals, reactions=reactions)
    return _context(record, drug, next_due=None, do_not_retreat=True)


def in_language(ctx: VisitSummaryContext, language: str, *, large: bool = False) -> VisitSummaryContext:
    return dataclasses.replace(ctx, language=language, translations=i18n.translations(language), large_print=large)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
