"""A draft of the FDA MedWatch 3500 items for a serious session (SPEC §7), for a supervisor to complete."""
from __future__ import annotations

import io
from datetime import date, datetime, tzinfo

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from ..domain.records import SessionRecord
from ..formatting import decimal_text
from .common import MARGIN, PAGE_SIZES, Styles

OUTCOMES = ("Death", "Life-threatening", "Hospitalization (initial or prolonged)", "Disability or permanent damage",
            "Congenital anomaly / birth defect", "Required intervention to prevent permanent impairment", "Other serious")


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _fmt(value, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "not recorded"


def _box(st, rows) -> Table:
    table = Table([[st.p(k, st.cell_bold), st.p(v, st.cell)] for k, v in rows], colWidths=[55 * mm, 120 * mm],
                  hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _event_lines(record: SessionRecord, tz) -> list[str]:
    lines = []
    for r in record.reactions:
        if r.voided:
            continue
        line = (f"{r.label}: onset {_fmt(r.onset_at, tz)}, CTCAE grade {r.grade}, action {r.action.replace('_', ' ')}"
                + (f", medication {r.medication}" if r.medication else "")
                + (f", resolved {_fmt(r.resolved_at, tz)}" if r.resolved_at else ", resolution not recorded")
                + (f". Notes: {r.notes}" if r.notes else ""))
        lines.append(line)
    for v in record.vitals:
        if not v.voided:
            lines.append(f"Vitals {_fmt(v.taken_at, tz)} ({v.phase}): BP {v.systolic or '–'}/{v.diastolic or '–'}, "
                         f"HR {v.heart_rate or '–'}, RR {v.resp_rate or '–'}, SpO2 {v.spo2 or '–'}, "
                         f"T {v.temperature_c or '–'}")
    return lines


def _event_began(record: SessionRecord, flags) -> datetime:
    """When the event began: the first serious finding, reaction onset or flagged reading."""
    times = [r.onset_at for r in record.reactions if not r.voided and r.onset_at]
    times += [t for f in flags if f.level == "serious" for t in f.evidence_times]
    return min(times, default=record.started_at or record.created_at)


def render_ae_draft(record: SessionRecord, flags, clinic_name: str, clinic_phone: str, tz: tzinfo,
                    reporter_name: str) -> bytes:
    """Render the MedWatch 3500 draft; 'DRAFT' heads every page."""
    st = Styles(10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE_SIZES["letter"], leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + 6 * mm, bottomMargin=MARGIN,
                            title=f"DRAFT adverse event report (MedWatch 3500) — session {record.id}",
                            author=clinic_name)
    p = record.patient
    event_day = _event_began(record, flags)
    initials = f"{p.first_name[:1]}{p.last_name[:1]}".upper()
    stopped = any(r.action in ("paused", "stopped") for r in record.reactions if not r.voided)
    resolved = all(r.resolved_at for r in record.reactions if not r.voided)
    story = [
        st.rich("<b>DRAFT — for the supervisor to complete and submit.</b> Not submitted to the FDA."),
        st.p("FDA MedWatch Form 3500 — pre-filled items", st.h1),
        st.p("A. Patient information", st.h2),
        _box(st, [("Patient identifier", f"{initials} (MRN {p.mrn})"),
                  ("Age at time of event", f"{_age(p.date_of_birth, event_day.date())} years" if event_day else ""),
                  ("Sex", p.sex), ("Weight", f"{decimal_text(p.weight_kg)} kg" if p.weight_kg else "not recorded")]),
        st.p("B. Adverse event", st.h2),
        _box(st, [("Date of event", _fmt(event_day, tz)), ("Date of this report", date.today().isoformat()),
                  ("Flags raised", "; ".join(f.message for f in flags) or "none"),
                  ("Outcomes (tick all that apply)", "  ".join(f"[ ] {o}" for o in OUTCOMES))]),
        st.p("Describe event", st.h2),
        *[st.p(line) for line in _event_lines(record, tz)],
        st.p("C/D. Suspect product", st.h2),
        _box(st, [("Name", f"{record.drug_brand} ({record.drug_generic})"),
                  ("Dose, route", f"{decimal_text(record.dose)} {record.dose_unit}, intravenous"),
                  ("Lot number", record.lot_number or "not recorded"),
                  ("Expiry", record.lot_expiry.isoformat() if record.lot_expiry else "not recorded"),
                  ("Therapy dates", f"{_fmt(record.started_at, tz)} to {_fmt(record.ended_at, tz)}"),
                  ("Infusion number", str(record.infusion_number)),
                  ("Event abated after use stopped or dose reduced?",
                   ("Infusion was paused or stopped; " if stopped else "Infusion was not stopped; ")
                   + ("all reactions recorded as resolved." if resolved else "resolution not recorded for all.")
                   + " [ ] Yes [ ] No [ ] Doesn't apply")]),
        st.p("E. Reporter", st.h2),
        _box(st, [("Facility", f"{clinic_name}, phone {clinic_phone}"), ("Prepared by", reporter_name),
                  ("Nurse at the chair", record.nurse_name)]),
    ]

    def draft_banner(canvas, doc_):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 12)
        canvas.setFillColor(colors.HexColor("#a4161a"))
        canvas.drawString(MARGIN, doc_.pagesize[1] - MARGIN, f"DRAFT — not submitted — page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=draft_banner, onLaterPages=draft_banner)
    return buffer.getvalue()



