"""A draft of the FDA MedWatch 3500 items for a serious session (SPEC §7), for a supervisor to complete.

What it ticks and answers is decided in `domain.medwatch` from the record; this module only lays it out.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from ..domain.medwatch import ACTION_WORDS, ANSWERS, Answer, Assessment, Box, Clock, assess
from ..domain.records import ReactionRecord, SessionRecord, VitalsRecord
from ..formatting import decimal_text
from .common import MARGIN, PAGE_SIZES, Styles, safe

WIDTH = 184 * mm  # letter width less the margins
TICKED, EMPTY = "[X]", "[  ]"
GRID = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
SEX_WORDS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Unknown"}
PHASE_WORDS = {"baseline": "Baseline", "during": "During", "end": "End", "observation": "Observation",
               "discharge": "Discharge"}


@dataclass(frozen=True)
class AeDraftContext:
    """What the draft prints besides the record: the product's route, the weight, who prepares it, when."""

    record: SessionRecord
    route: str
    weight_kg: Decimal | None
    weight_taken_on: date | None  # None with a weight: the weight the dose was worked out from
    clinic_name: str
    clinic_phone: str
    tz: tzinfo
    reporter_name: str
    prepared_at: datetime


class _Page:
    def __init__(self, context: AeDraftContext):
        self.context, self.tz, self.st = context, context.tz, Styles(10)
        record = context.record
        day_of = record.started_at or record.created_at
        self.day = day_of.astimezone(self.tz).date() if day_of else None
        self.clock = Clock(self.tz, self.day)  # the hour on the session's day; the date and hour on another
        st = self.st  # a numbered line with its wrapped lines under its text, and the lines under it further in
        self.headline = ParagraphStyle("headline", parent=st.body, leftIndent=5 * mm, firstLineIndent=-5 * mm)
        self.under = ParagraphStyle("under", parent=st.small, leftIndent=9 * mm, firstLineIndent=-3 * mm,
                                    spaceAfter=1)

    def when(self, moment: datetime | None) -> str:
        """The date and time in the clinic's zone."""
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if moment else "not recorded"

    def rows(self, rows, widths=(52 * mm, WIDTH - 52 * mm)) -> Table:
        """A two-column box: the form's item, what the record says."""
        table = Table([[self.st.p(item, self.st.cell_bold), value if not isinstance(value, str)
                        else self.st.p(value, self.st.cell)] for item, value in rows], colWidths=list(widths),
                      hAlign="LEFT")
        table.setStyle(TableStyle(GRID))
        return table

    def boxes(self, boxes: tuple[Box, ...]) -> Table:
        """Tick boxes with the reason beside each, ticked ones in bold."""
        st = self.st
        table = Table([[st.p(TICKED if b.ticked else EMPTY, st.cell_bold if b.ticked else st.cell),
                        st.p(b.label, st.cell_bold if b.ticked else st.cell), st.p(b.why, st.small)]
                       for b in boxes], colWidths=[10 * mm, 62 * mm, WIDTH - 72 * mm], hAlign="LEFT")
        table.setStyle(TableStyle(GRID + [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fdf1d6"))
                                          for i, b in enumerate(boxes) if b.ticked]))
        return table

    def answer(self, answer: Answer):
        """Yes / No / Doesn't apply with the one the record supports ticked, and why."""
        marks = "   ".join(f"{TICKED if answer.choice == code else EMPTY} {words}" for code, words in ANSWERS)
        unknown = "" if answer.choice else " Not known from the record: for you to decide."
        return [self.st.p(marks, self.st.cell_bold), self.st.p(answer.why + unknown, self.st.small)]


def _reaction_text(r: ReactionRecord) -> str:
    """A reaction as the nurse charted it, medication and notes in their words (markup: label in bold)."""
    parts = [f"CTCAE grade {r.grade}", f"action: {ACTION_WORDS[r.action]}"]
    if r.medication:
        parts.append(f"medication charted: “{r.medication}”")
    if r.resolved_at is None:
        parts.append("no resolved time charted")
    notes = f" Notes: “{r.notes}”" if r.notes else ""
    return f"<b>{safe(r.label)}</b>: " + safe("; ".join(parts) + "." + notes)


def _reading_text(v: VitalsRecord) -> str:
    values = [f"BP {v.systolic or '–'}/{v.diastolic or '–'} mmHg" if v.systolic or v.diastolic else "",
              f"HR {v.heart_rate}/min" if v.heart_rate is not None else "",
              f"RR {v.resp_rate}/min" if v.resp_rate is not None else "",
              f"SpO2 {v.spo2} %" + ({True: " on oxygen", False: " on air"}.get(v.on_oxygen, "")) if v.spo2 else "",
              f"temperature {v.temperature_c} °C" if v.temperature_c is not None else ""]
    return "<b>Vital signs</b> behind a serious flag: " + safe(", ".join(x for x in values if x) + ".")


def _flagged_readings(assessment: Assessment, vitals) -> list[VitalsRecord]:
    """The readings a serious flag names as its evidence: the event's numbers belong in its story."""
    ids = {e.id for h in assessment.headlines for f in h.flags if f.level == "serious"
           for e in f.evidence if e.kind == "vitals"}
    return [v for v in vitals if v.id in ids]


def _timeline(page: _Page, reactions: list[ReactionRecord], readings: list[VitalsRecord], course) -> Table:
    """Reactions, the readings behind serious flags, resolutions and what happened to the infusion, in time
    order."""
    st = page.st
    rows = [(r.onset_at, _reaction_text(r)) for r in reactions]
    rows += [(v.taken_at, _reading_text(v)) for v in readings]
    rows += [(r.resolved_at, f"<b>{safe(r.label)}</b>: resolved.") for r in reactions if r.resolved_at]
    rows += [(h.at, safe(h.text)) for h in course]
    rows.sort(key=lambda row: (row[0] is None, row[0] or datetime.min.replace(tzinfo=page.tz)))
    table = Table([[st.p("Time", st.cell_bold), st.p("What the record says", st.cell_bold)]]
                  + [[st.p(page.clock(at) if at else "no time", st.cell), st.rich(text, st.cell)] for at, text in rows],
                  colWidths=[24 * mm, WIDTH - 24 * mm], hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle(GRID + [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    return table


def _vitals_table(page: _Page, vitals: tuple[VitalsRecord, ...]) -> Table:
    st = page.st

    def value(v, unit=""):
        return "–" if v is None else f"{v}{unit}"

    header = ["Time", "Phase", "BP (mmHg)", "HR", "RR", "SpO2 %", "On O2", "Temp °C", "ACVPU"]
    rows = [[st.p(h, st.cell_bold) for h in header]]
    for v in vitals:
        bp = "–" if v.systolic is None and v.diastolic is None else f"{value(v.systolic)}/{value(v.diastolic)}"
        oxygen = "–" if v.on_oxygen is None else ("yes" if v.on_oxygen else "no")
        rows.append([st.p(x, st.cell) for x in (
            page.clock(v.taken_at), PHASE_WORDS.get(v.phase, v.phase), bp, value(v.heart_rate), value(v.resp_rate),
            value(v.spo2), oxygen, value(v.temperature_c), v.consciousness or "–")])
    widths = [22 * mm, 24 * mm, 24 * mm, 14 * mm, 14 * mm, 18 * mm, 16 * mm, 20 * mm, 32 * mm]
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle(GRID + [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    return table


def _flag_list(page: _Page, assessment: Assessment) -> list:
    """One line per clinical event, most severe first; the other flags of that event under it."""
    st = page.st
    if not assessment.headlines:
        return [st.p("None.")]
    items = []
    for number, headline in enumerate(assessment.headlines, 1):
        items.append(st.rich(f"{number}. <b>{safe(headline.message)}</b>", page.headline))
        items += [st.rich("– " + safe(f.message), page.under) for f in headline.others]
    return items


def _weight(context: AeDraftContext) -> str:
    if context.weight_kg is None:
        return "not recorded"
    if context.weight_taken_on is None:
        return f"{decimal_text(context.weight_kg)} kg (the weight the dose was worked out from)"
    return f"{decimal_text(context.weight_kg)} kg (on the patient's record, taken {context.weight_taken_on.isoformat()})"


def _dose(page: _Page, record: SessionRecord) -> str:
    dose = f"{decimal_text(record.dose)} {record.dose_unit}"
    if record.full_dose is False:
        return f"{dose} ordered; the full dose was not given (ended early at {page.clock(record.ended_at)})"
    if record.full_dose:
        return f"{dose}, full dose given"
    return f"{dose} ordered; " + ("whether the full dose was given is not recorded" if record.ended_at
                                  else "the infusion has not been ended on the record")


def _concomitant(page: _Page, record: SessionRecord) -> str:
    given = [f"{p.text}" + (f", {p.dose}" if p.dose else "") + f", given at {page.clock(p.given_at)}"
             for p in record.premedications if not p.voided and p.given_at is not None]
    missed = [f"{p.text}: not given ({p.not_given_reason})" for p in record.premedications
              if not p.voided and p.given_at is None and p.not_given_reason]
    return "; ".join(given + missed) or "No premedication recorded."


def render_ae_draft(context: AeDraftContext) -> bytes:
    """Render the MedWatch 3500 draft; 'DRAFT' heads every page."""
    record, page = context.record, _Page(context)
    st = page.st
    assessment = assess(record, context.tz)
    patient = record.patient
    began = assessment.event_began_at
    reactions = [r for r in record.reactions if not r.voided]
    vitals = tuple(v for v in record.vitals if not v.voided)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE_SIZES["letter"], leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + 6 * mm, bottomMargin=MARGIN,
                            title=f"DRAFT adverse event report (MedWatch 3500) — session {record.id}",
                            author=context.clinic_name)
    story = [
        st.p("FDA MedWatch 3500 — draft from the Chairside record", st.h1),
        st.rich(f"<b>For the supervisor to check, complete and submit; not sent to the FDA.</b> Session "
                f"{record.id}. Each tick and answer below follows from the record and says why; a box left "
                "empty is for you to decide. Times are the clinic's local time."),
        st.p("Patient", st.h2),
        page.rows([
            ("Patient identifier", f"{(patient.first_name[:1] + patient.last_name[:1]).upper()} (initials); "
                                   f"clinic MRN {patient.mrn}, for your records"),
            ("Age at the time of the event",
             f"{patient.age_on(began.astimezone(context.tz).date())} years" if began else "not known"),
            ("Sex", SEX_WORDS.get(patient.sex, patient.sex)),
            ("Weight", _weight(context)),
        ]),
        st.p("Adverse event", st.h2),
        page.rows([("Date of event", page.when(began)),
                   ("Date of this report", context.prepared_at.astimezone(context.tz).date().isoformat())]),
        st.p("Outcome attributed to the adverse event (tick all that apply)", st.h2),
        page.boxes(assessment.outcomes),
        st.p("Outcome of the event", st.h2),
        page.boxes(assessment.recovery),
        st.p("Describe the event", st.h2),
        st.p(f"{record.drug_brand} ({record.drug_generic}) {decimal_text(record.dose)} {record.dose_unit} "
             f"{context.route}, infusion {record.infusion_number} of this drug for this patient, on "
             f"{page.day.isoformat() if page.day else 'a day not recorded'}. The reactions as charted and what "
             "happened to the infusion, in time order:"),
        _timeline(page, reactions, _flagged_readings(assessment, vitals), assessment.course),
        st.p("Suspect product", st.h2),
        page.rows([
            ("Name", f"{record.drug_brand} ({record.drug_generic})"),
            ("Dose, route", f"{_dose(page, record)}; {context.route}"),
            ("Lot number", record.lot_number or "not recorded"),
            ("Expiry", record.lot_expiry.isoformat() if record.lot_expiry else "not recorded"),
            ("Therapy dates", f"started {page.when(record.started_at)}; "
                              + (f"ended {page.when(record.ended_at)}" if record.ended_at else "not ended")),
            ("Infusion number", f"{record.infusion_number} (of this drug, for this patient)"),
            ("Infusion interrupted or stopped?", assessment.interruption),
            ("Event abated after use stopped or dose reduced?", page.answer(assessment.dechallenge)),
            ("Event reappeared after reintroduction?", page.answer(assessment.rechallenge)),
        ]),
        st.p("Chairside flags (one line per clinical event, most severe first)", st.h2),
        *_flag_list(page, assessment),
        st.p("Relevant tests: vital signs", st.h2),
        _vitals_table(page, vitals) if vitals else st.p("No vital signs recorded."),
        st.p("Other (concomitant) medical products", st.h2),
        st.p("Premedications: " + _concomitant(page, record)),
        st.p("Reporter", st.h2),
        page.rows([("Facility", f"{context.clinic_name}, phone {context.clinic_phone}"),
                   ("Prepared by", context.reporter_name), ("Nurse at the chair", record.nurse_name)]),
        st.p("Not in the Chairside record, to complete: race and ethnicity, the diagnosis the product was "
             "given for, relevant history and other tests, and the boxes above left to you.", st.small),
    ]

    def draft_banner(canvas, doc_):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 12)
        canvas.setFillColor(colors.HexColor("#a4161a"))
        canvas.drawString(MARGIN, doc_.pagesize[1] - MARGIN, f"DRAFT — not submitted — page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=draft_banner, onLaterPages=draft_banner)
    return buffer.getvalue()
