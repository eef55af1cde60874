"""The patient's visit summary (SPEC §6): plain words, extractable text, one or two pages."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, tzinfo

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..formatting import decimal_text
from ..domain.plain_language import action_sentence, format_duration, grade_word, premedication_words
from ..domain.records import SessionRecord
from .common import MARGIN, PAGE_SIZES, Styles, footer, safe, small_size

NORMAL_PT, LARGE_PT = 11, 16
VITALS_COLUMN_SHARES = (0.13, 0.15, 0.13, 0.15, 0.17, 0.13, 0.14)


@dataclass(frozen=True)
class VisitSummaryContext:
    record: SessionRecord
    clinic_name: str
    clinic_phone: str
    tz: tzinfo
    drug_warning_signs: tuple[str, ...]
    general_warning_signs: tuple[str, ...]
    call_911_text: str
    next_due: date | None
    fingerprint: str | None
    next_due_is_booked: bool = False
    do_not_retreat: bool = False  # a do-not-re-treat alert stands for this drug (DOMAIN.md §1.3)
    pagesize: str = "letter"
    large_print: bool = False

    @property
    def font_size(self) -> int:
        return LARGE_PT if self.large_print else NORMAL_PT


def _time(ctx: VisitSummaryContext, value) -> str:
    return value.astimezone(ctx.tz).strftime("%-I:%M %p") if value else "not recorded"


def _day(value: date) -> str:
    return value.strftime("%B %-d, %Y")


def _header(ctx, st) -> list:
    r = ctx.record
    visit_day = (r.started_at or r.created_at)
    return [
        st.p(ctx.clinic_name, st.h1),
        st.p(f"Phone: {ctx.clinic_phone}"),
        st.rich(f"<b>Your visit summary</b> — {safe(_day(visit_day.astimezone(ctx.tz).date()) if visit_day else '')}"),
        st.p(f"Patient: {r.patient.first_name} {r.patient.last_name}. "
             f"Date of birth: {_day(r.patient.date_of_birth)}. MRN: {r.patient.mrn}."),
    ]


def _given(ctx, st) -> list:
    r = ctx.record
    parts = [st.p("What you were given", st.h2),
             st.p(f"{r.drug_brand} ({r.drug_generic}), {decimal_text(r.dose)} {r.dose_unit}. "
                  f"This was infusion number {r.infusion_number}."),
             st.p(f"The infusion started at {_time(ctx, r.started_at)} and ended at {_time(ctx, r.ended_at)}.")]
    if r.full_dose is False:
        parts.append(st.p("You did not get the full dose today. Your care team will tell you what happens next."))
    given = [p for p in r.premedications if not p.voided]
    if given:
        lines = []
        for p in given:
            name = premedication_words(p.code, p.text)
            lines.append(f"{name}: given at {_time(ctx, p.given_at)}." if p.given_at
                         else f"{name}: not given.")
        parts.append(st.p("Medicines before the infusion:"))
        parts += [st.p("• " + line) for line in lines]
    return parts


def _vitals_table(ctx, st) -> list:
    readings = [v for v in ctx.record.vitals if not v.voided]
    if not readings:
        return [st.p("Your vital signs", st.h2), st.p("No vital signs were recorded.")]
    if ctx.large_print:  # seven columns of 16 pt words do not fit a page: one line per reading instead
        return ([st.p("Your vital signs", st.h2)] + [st.p(_reading_sentence(ctx, v)) for v in readings]
                + [Spacer(1, 4 * mm), _chart(ctx, readings)])
    head = ["Time", "Blood pressure", "Heart rate", "Breathing rate", "Temperature", "Oxygen level",
            "Pain (0 to 10)"]
    rows = [[st.p(h, st.cell_bold) for h in head]]
    for v in readings:
        bp = f"{v.systolic or '–'}/{v.diastolic or '–'}" if (v.systolic or v.diastolic) else "–"
        rows.append([_time(ctx, v.taken_at), bp, _opt(v.heart_rate, "/min"), _opt(v.resp_rate, "/min"),
                     _opt(v.temperature_c, " °C"), _opt(v.spo2, " %"), _opt(v.pain, "")])
    width = PAGE_SIZES[ctx.pagesize][0] - 2 * MARGIN
    # Fixed shares spare reportlab measuring every cell to size the columns.
    table = Table(rows, repeatRows=1, hAlign="LEFT", colWidths=[width * share for share in VITALS_COLUMN_SHARES])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        # The readings are short and need no wrapping: plain strings in the cell style's font, which
        # costs a fraction of a paragraph each.
        ("FONT", (0, 1), (-1, -1), st.cell.fontName, st.cell.fontSize, st.cell.leading),
    ]))
    return [st.p("Your vital signs", st.h2), table, Spacer(1, 4 * mm), _chart(ctx, readings)]


def _reading_sentence(ctx, v) -> str:
    parts = [(f"blood pressure {v.systolic or '–'}/{v.diastolic or '–'}" if (v.systolic or v.diastolic) else None),
             f"heart rate {v.heart_rate} a minute" if v.heart_rate is not None else None,
             f"breathing {v.resp_rate} a minute" if v.resp_rate is not None else None,
             f"temperature {v.temperature_c} °C" if v.temperature_c is not None else None,
             f"oxygen level {v.spo2} %" if v.spo2 is not None else None,
             f"pain {v.pain} out of 10" if v.pain is not None else None]
    return f"{_time(ctx, v.taken_at)}: " + ", ".join(p for p in parts if p) + "."


def _opt(value, unit: str) -> str:
    return "–" if value is None else f"{value}{unit}"


def _chart(ctx, readings):
    """A small chart of blood pressure and heart rate over time (nothing when fewer than 2 points)."""
    series = {
        "Systolic": [(v.taken_at, v.systolic) for v in readings if v.systolic is not None],
        "Diastolic": [(v.taken_at, v.diastolic) for v in readings if v.diastolic is not None],
        "Heart rate": [(v.taken_at, v.heart_rate) for v in readings if v.heart_rate is not None],
    }
    series = {k: s for k, s in series.items() if len(s) >= 2}
    if not series:
        return Spacer(1, 1)
    t0 = min(t for s in series.values() for t, _ in s)
    label = small_size(ctx.font_size)
    width, height = 170 * mm, (45 if label < 16 else 70) * mm
    drawing = Drawing(width, height + 12 * mm)
    plot = LinePlot()
    plot.x, plot.y = (10 + label * 0.6) * mm, (4 + label * 0.5) * mm
    plot.width, plot.height = width - plot.x - (30 + label * 2) * mm, height - plot.y
    plot.data = [[((t - t0).total_seconds() / 60, value) for t, value in s] for s in series.values()]
    palette = [colors.HexColor("#0b5cad"), colors.HexColor("#6aa5e0"), colors.HexColor("#a4161a")]
    for i in range(len(plot.data)):
        plot.lines[i].strokeColor = palette[i]
        plot.lines[i].strokeWidth = 1.5
    plot.xValueAxis.labelTextFormat = "%d min"
    plot.xValueAxis.labels.fontSize = plot.yValueAxis.labels.fontSize = label
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = plot.x + plot.width + 6 * mm, height - 4 * mm
    legend.fontSize = label
    legend.colorNamePairs = list(zip(palette[:len(series)], series.keys(), strict=True))
    drawing.add(legend)
    drawing.add(String(0, height + 4 * mm, "Blood pressure and heart rate, minutes from the first reading",
                       fontSize=label))
    return drawing


def _reactions(ctx, st) -> list:
    entries = [r for r in ctx.record.reactions if not r.voided]
    parts = [st.p("Reactions during your visit", st.h2)]
    if not entries:
        return parts + [st.p("No reactions were noted during this visit.")]
    for r in entries:
        text = (f"{r.label} at {_time(ctx, r.onset_at)}. It was {grade_word(r.grade)}. "
                f"{action_sentence(r.action)}")
        if r.medication:
            text += f" Medicine given: {r.medication}."
        parts.append(st.p("• " + text))
    return parts


def _observation(ctx, st) -> list:
    r = ctx.record
    if r.ended_at and r.discharged_at:
        minutes = max(1, round((r.discharged_at - r.ended_at).total_seconds() / 60))
        text = f"After the infusion, we watched you for {format_duration(minutes)}."
    else:
        text = f"After the infusion, we watch you for {format_duration(r.observation_minutes)}."
    return [st.p("After the infusion", st.h2), st.p(text)]


def _at_home(ctx, st) -> list:
    parts = [st.p("What to watch for at home", st.h2)]
    parts += [st.p("• " + line) for line in ctx.drug_warning_signs]
    parts += [st.p("• " + line) for line in ctx.general_warning_signs]
    parts += [st.rich("<b>" + safe(ctx.call_911_text) + "</b>"),
              st.p(f"Call us at {ctx.clinic_phone} if you feel unwell, have a new rash or fever, "
                   "or have any questions.")]
    return parts


def _next(ctx, st) -> list:
    if ctx.do_not_retreat:
        text = (f"Do not get {ctx.record.drug_brand} again unless your doctor decides so. "
                "Tell every doctor who treats you about this reaction.")
        return [st.p("Your next infusion", st.h2), st.p(text)]
    if ctx.next_due and ctx.next_due_is_booked:
        text = f"Your next infusion is booked for {_day(ctx.next_due)}."
    elif ctx.next_due:
        text = (f"Your next infusion is due about {_day(ctx.next_due)}. "
                "Confirm the date with your care team.")
    else:
        text = "Your care team will tell you when your next infusion is."
    return [st.p("Your next infusion", st.h2), st.p(text)]


def _sign_off(ctx, st) -> list:
    fingerprint = ctx.fingerprint or "Not yet signed"
    return [
        Spacer(1, 3 * mm),
        st.p(f"Your nurse today: {ctx.record.nurse_name}."),
        st.p("This summary is not medical advice. Follow what your care team tells you."),
        st.p(f"Record fingerprint: {fingerprint}", st.small),
    ]


def render_visit_summary(ctx: VisitSummaryContext) -> bytes:
    """Render the visit summary to PDF bytes."""
    st = Styles(ctx.font_size)
    buffer = io.BytesIO()
    day = (ctx.record.started_at or ctx.record.created_at)
    title = f"Visit summary — {ctx.clinic_name} — {day.astimezone(ctx.tz).date().isoformat() if day else ''}"
    doc = SimpleDocTemplate(buffer, pagesize=PAGE_SIZES[ctx.pagesize], leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm, title=title, author=ctx.clinic_name,
                            subject="Infusion visit summary")
    story = (_header(ctx, st) + _given(ctx, st) + _vitals_table(ctx, st) + _reactions(ctx, st)
             + _observation(ctx, st) + [KeepTogether(_at_home(ctx, st))] + _next(ctx, st) + _sign_off(ctx, st))
    page_footer = footer(f"{ctx.clinic_name} visit summary", ctx.font_size)
    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()
