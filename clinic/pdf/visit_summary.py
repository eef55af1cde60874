"""The patient's visit summary (SPEC §6): what to do first, what to watch for, what happened, in plain words.

Every sentence is a gettext message (English ids; clinic/translations/ for the other languages) with named
gaps, so a translator can put each part where the language wants it. Dates, times and numbers are written
the language's way (Babel). The summary is first built as blocks of text (`summary_blocks`), which the
reading-level and language tests read, then laid out with reportlab.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal

from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import NullTranslations
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.widgetbase import Auto
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, SimpleDocTemplate, Spacer, Table, TableStyle

from .. import i18n
from ..domain import plain_language as plain
from ..domain.plain_language import N_, NP_
from ..domain.protocols import warning_applies
from ..domain.records import SessionRecord
from .common import MARGIN, PAGE_SIZES, Styles, numbered_canvas, printable, safe, small_size

NORMAL_PT, LARGE_PT = 11, 16
# The measure, the first, the lowest or highest (the widest: a label, the value and its time), the last.
VITALS_COLUMN_SHARES = (0.23, 0.22, 0.33, 0.22)
FEVER_C = Decimal("38.0")
NOT_RECORDED = N_("not recorded")
AT_TIME = N_("at %(time)s")
# Sentences about the patient that some languages say differently for a woman (the patient's recorded sex).
FEMALE = "female patient"
FEMALE_MESSAGES = (NP_("female patient", "You were taken to the emergency department."),)
# Sentences with a time, again with a context naming the gaps that fall in the 1 o'clock hour: some languages
# say it in the singular ("a la 1:18", not "a las 1:18"). A translation may leave the context out.
ONE_OCLOCK = "%s at 1 o'clock"
ONE_OCLOCK_MESSAGES = (
    NP_("time at 1 o'clock", "at %(time)s"),
    NP_("time at 1 o'clock", "%(medicine)s, at %(time)s."),
    NP_("time at 1 o'clock", "At %(time)s, you had %(reaction)s."),
    NP_("time at 1 o'clock", "It was gone by %(time)s."),
    NP_("start at 1 o'clock", "It started at %(start)s and ended at %(end)s."),
    NP_("end at 1 o'clock", "It started at %(start)s and ended at %(end)s."),
    NP_("start, end at 1 o'clock", "It started at %(start)s and ended at %(end)s."),
)
# Warning signs by what the patient should do, most urgent first (DOMAIN.md §1.5; WarningSign.action).
LONG_OBSERVATION_MINUTES = 90  # from here, hours and half hours read better than a count of minutes
ACTION_ORDER = ("call_911", "call_now", "call", "know")


@dataclass(frozen=True)
class Warning:
    action: str  # call_911 | call_now | call | know
    text: str  # English, as in the catalog; translated when printed
    applies_to: str = "everyone"  # everyone | female | male (WarningSign.applies_to_sex)


@dataclass(frozen=True)
class VisitSummaryContext:
    record: SessionRecord
    clinic_name: str
    clinic_phone: str
    tz: tzinfo
    warnings: tuple[Warning, ...]  # the drug's, from the catalog version the session was recorded with
    next_due: date | None
    delayed_reaction_hours: int = 24
    next_due_is_booked: bool = False
    do_not_retreat: bool = False  # a do-not-re-treat alert stands for this drug (DOMAIN.md §1.3)
    pagesize: str = "letter"
    large_print: bool = False
    language: str = "en"
    translations: NullTranslations = field(default_factory=NullTranslations)

    @property
    def font_size(self) -> int:
        return LARGE_PT if self.large_print else NORMAL_PT


class Words:
    """Translate a message and fill its named gaps; write dates, times and numbers the language's way."""

    def __init__(self, ctx: VisitSummaryContext):
        self.ctx, self.locale = ctx, i18n.formatting_locale(ctx.language)
        self._catalog = ctx.translations

    def __call__(self, message: str, **values) -> str:
        text = self._catalog.gettext(message)
        return text % values if values else text

    def timed(self, message: str, times: dict, **values) -> str:
        """A sentence with `times` (datetimes by gap): written the language's way, and the sentence chosen for
        the gaps that fall in the 1 o'clock hour when the catalog has one (see ONE_OCLOCK_MESSAGES)."""
        ones = [name for name, at in times.items() if at is not None and self.hour_12(at) == 1]
        values = {**values, **{name: self.time(at) for name, at in times.items()}}
        text = self._catalog.gettext(message)
        if ones:
            text = self._catalog.pgettext(ONE_OCLOCK % ", ".join(ones), message)
        # A time that ends in an abbreviation ("12:00 p.m.") at a sentence's end takes no second full stop.
        return re.sub(r"(?<=[a-z]\.)\.(?!\.)", "", text % values)

    def to_patient(self, message: str) -> str:
        """A sentence about the patient, in its form for a woman when the catalog has one (Spanish: "La
        llevaron", not "Lo llevaron"); see FEMALE_MESSAGES."""
        if self.ctx.record.patient.sex == "female":
            return self._catalog.pgettext(FEMALE, message)
        return self._catalog.gettext(message)

    def hour_12(self, value: datetime) -> int:
        return value.astimezone(self.ctx.tz).hour % 12

    def plural(self, singular: str, plural: str, n: int, **values) -> str:
        return self._catalog.ngettext(singular, plural, n) % {"num": n, **values}

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.locale)

    def time(self, value: datetime | None) -> str:
        if value is None:
            return self(NOT_RECORDED)
        return format_time(value.astimezone(self.ctx.tz), "short", locale=self.locale)

    def number(self, value) -> str:
        return format_decimal(value, format="#,##0.#", locale=self.locale)

    def temperature(self, celsius: Decimal) -> str:
        # No-break spaces: a number is never parted from its unit at a line's end.
        return self("%(fahrenheit)s\u00a0°F (%(celsius)s\u00a0°C)", fahrenheit=self.number(plain.fahrenheit(celsius)),
                    celsius=format_decimal(celsius, format="0.0", locale=self.locale))

    def listing(self, items) -> str:
        return format_list(list(items), locale=self.locale)


@dataclass(frozen=True)
class Block:
    """A piece of the summary: a heading, a paragraph, a bullet, or the vitals table or chart."""

    kind: str  # title | h2 | label (kept with what follows) | p | strong | bullet | small | vitals | chart
    text: str = ""
    data: object = None


def _header(ctx, _) -> list[Block]:
    r = ctx.record
    visit_day = (r.started_at or r.created_at).astimezone(ctx.tz).date()
    return [Block("title", ctx.clinic_name),
            Block("p", _("Phone: %(phone)s", phone=ctx.clinic_phone)),
            Block("strong", _("Your visit summary, %(day)s", day=_.day(visit_day))),
            Block("p", _("Patient: %(name)s. Date of birth: %(birth)s. MRN: %(mrn)s.",
                         name=" ".join((r.patient.first_name, r.patient.last_name)), birth=_.day(r.patient.date_of_birth),
                         mrn=r.patient.mrn))]


def _first(ctx, _) -> list[Block]:
    return [Block("h2", _("What to do first")),
            Block("strong", _("Call 911 right away if you have trouble breathing, swelling of your lips, tongue or "
                              "throat, chest pain, fainting, or signs of a stroke.")),
            Block("strong", _("Call us at %(phone)s if you have any of the signs below, or if you feel unwell.",
                              phone=ctx.clinic_phone)),
            Block("strong", _("When we are closed, at night or on a weekend, go to the nearest emergency "
                              "department, or call 911.")),
            Block("p", _("Take this paper with you and show it to the doctor."))]


def _window(ctx, _) -> str:
    hours = ctx.delayed_reaction_hours
    if hours > 24 and hours % 24 == 0:
        return _.plural("%(num)d day", "%(num)d days", hours // 24)
    return _.plural("%(num)d hour", "%(num)d hours", hours)


def _watch(ctx, _) -> list[Block]:
    heads = {"call_911": _("Call 911 for:"),
             "call_now": _("Call us right away at %(phone)s for:", phone=ctx.clinic_phone),
             "call": _("Call us at %(phone)s for:", phone=ctx.clinic_phone),
             "know": _("Good to know:")}
    blocks = [Block("h2", _("What to watch for at home"))]
    for action in ACTION_ORDER:
        signs = [w for w in ctx.warnings if w.action == action and warning_applies(w.applies_to, ctx.record.patient.sex)]
        if signs:
            blocks.append(Block("label", heads[action]))
            blocks += [Block("bullet", _(w.text)) for w in signs]
    blocks += [
        Block("label", _("A reaction can still start later")),
        Block("p", _("A reaction to the infusion can start up to %(window)s after it ends. Look for itching, a "
                     "rash, hives, a red face, fever, a headache, a sore throat, or feeling very tired. If this "
                     "happens, call us.", window=_window(ctx, _))),
        Block("p", _("A fever is a temperature of %(temperature)s or higher.", temperature=_.temperature(FEVER_C))),
    ]
    return blocks


def _product(record: SessionRecord) -> str:
    """The product as on its label: the brand with its generic name, or the generic name alone."""
    if record.drug_brand.casefold() == record.drug_generic.casefold():
        return record.drug_generic[:1].upper() + record.drug_generic[1:]  # a name, also at a sentence's start
    return f"{record.drug_brand} ({record.drug_generic})"


def _given(ctx, _) -> list[Block]:
    r = ctx.record
    blocks = [Block("h2", _("What you were given")),
              Block("p", _("%(product)s, %(dose)s %(unit)s. This was infusion number %(number)d.",
                           product=_product(r), dose=_.number(r.dose), unit=r.dose_unit, number=r.infusion_number)),
              Block("p", _.timed("It started at %(start)s and ended at %(end)s.",
                                 {"start": r.started_at, "end": r.ended_at}))]
    if r.full_dose is False:
        blocks.append(Block("p", _("You did not get the full dose today. Your care team will tell you what "
                                   "happens next.")))
    premedications = [p for p in r.premedications if not p.voided]
    if premedications:
        blocks.append(Block("label", _("Before the infusion, you were given:")))
        for p in premedications:
            medicine = _(plain.premedication_words(p.code))
            blocks.append(Block("bullet", _.timed("%(medicine)s, at %(time)s.", {"time": p.given_at},
                                                  medicine=medicine)
                                if p.given_at else _("%(medicine)s: not given.", medicine=medicine)))
    return blocks


def _reactions(ctx, _) -> list[Block]:
    entries = sorted((r for r in ctx.record.reactions if not r.voided), key=lambda r: r.onset_at)
    blocks = [Block("h2", _("Reactions during your visit"))]
    if not entries:
        blocks.append(Block("p", _("No reactions were noted during this visit.")))
    for r in entries:
        sentences = [_.timed("At %(time)s, you had %(reaction)s.", {"time": r.onset_at},
                             reaction=_(plain.reaction_words(r.code))),
                     _(plain.grade_sentence(r.grade))]
        medicines = plain.medicines_in_words(r.medication)
        if medicines:
            sentences.append(_("We gave you %(medicines)s.", medicines=_.listing(_(m) for m in medicines)))
        if r.action != "medication_given" or not medicines:
            sentences.append(_(plain.action_sentence(r.action)))
        if r.resolved_at:
            sentences.append(_.timed("It was gone by %(time)s.", {"time": r.resolved_at}))
        blocks.append(Block("bullet", " ".join(s for s in sentences if s)))
    went = plain.disposition_sentence(ctx.record.disposition)
    if went:
        blocks.append(Block("strong", _.to_patient(went)))
    return blocks


def _went_home(record: SessionRecord) -> bool:
    return record.disposition in (None, "home")


def _observation(ctx, _) -> list[Block]:
    """How long we watched the patient: only when it happened (not after a transfer, not when none was due)."""
    r = ctx.record
    if not (_went_home(r) and r.observation_minutes and r.ended_at and r.discharged_at):
        return []
    minutes = max(1, round((r.discharged_at - r.ended_at).total_seconds() / 60))
    if minutes >= LONG_OBSERVATION_MINUTES:  # in half hours, as one would say it: "about 2 hours"
        hours, half = divmod(math.floor(minutes / 30 + 0.5), 2)
        if half:
            text = _.plural("After the infusion, we watched you for about %(num)d and a half hours.",
                            "After the infusion, we watched you for about %(num)d and a half hours.", hours)
        else:
            text = _.plural("After the infusion, we watched you for about %(num)d hour.",
                            "After the infusion, we watched you for about %(num)d hours.", hours)
    elif minutes % 60 == 0:
        text = _.plural("After the infusion, we watched you for %(num)d hour.",
                        "After the infusion, we watched you for %(num)d hours.", minutes // 60)
    else:
        text = _.plural("After the infusion, we watched you for %(num)d minute.",
                        "After the infusion, we watched you for %(num)d minutes.", minutes)
    return [Block("h2", _("After the infusion")), Block("p", text)]


def _vitals(ctx, _) -> list[Block]:
    readings = [v for v in ctx.record.vitals if not v.voided]
    lines = plain.vitals_summary(readings)
    blocks = [Block("h2", _("Your vital signs"), "splits")]
    if not lines:
        return blocks + [Block("p", _("No vital signs were recorded."))]
    blocks.append(Block("vitals", data=lines))
    if plain.chart_helps(lines, len(readings)):
        blocks.append(Block("chart", data=readings))
    return blocks


def _next(ctx, _) -> list[Block]:
    r = ctx.record
    blocks = [Block("h2", _("Your next infusion"))]
    if ctx.do_not_retreat:
        return blocks + [Block("strong", _("Do not get %(product)s again unless your doctor decides so.",
                                           product=_product(r))),
                         Block("strong", _("Tell every doctor who treats you about this reaction."))]
    if ctx.next_due and ctx.next_due_is_booked:
        return blocks + [Block("p", _("Your next infusion is booked for %(day)s.", day=_.day(ctx.next_due)))]
    if ctx.next_due and _went_home(r):
        return blocks + [Block("p", _("Your next infusion is due about %(day)s. Confirm the date with your care "
                                      "team.", day=_.day(ctx.next_due)))]
    return blocks + [Block("p", _("Your care team will tell you when your next infusion is."))]


def _sign_off(ctx, _) -> list[Block]:
    return [Block("p", _("Your nurse today: %(nurse)s.", nurse=ctx.record.nurse_name)),
            Block("p", _("This summary is not medical advice. Follow what your care team tells you."))]


SECTIONS = (_header, _first, _watch, _given, _reactions, _observation, _vitals, _next, _sign_off)


def summary_blocks(ctx: VisitSummaryContext) -> list[Block]:
    """The summary's content in its order (SPEC §6), in the context's language."""
    words = Words(ctx)
    return [block for section in SECTIONS for block in section(ctx, words)]


# --- Layout ------------------------------------------------------------------------------------------------

def _vitals_table(ctx, st, _, lines) -> Table:
    """First, lowest or highest, last: a time in a column's heading when every measure shares it, else in
    the cell; the lowest or highest always with its time."""
    names = {"blood_pressure": _("Blood pressure"), "heart_rate": _("Heart rate"),
             "resp_rate": _("Breathing rate"), "temperature": _("Temperature"), "spo2": _("Oxygen level")}

    def value(line, reading) -> str:
        v = reading.value
        if line.measure == "blood_pressure":
            return f"{v[0]}/{v[1]}"
        if line.measure == "temperature":
            return _.temperature(v[0])
        if line.measure == "spo2":
            return _("%(value)s%%", value=v[0])
        return _("%(value)s a minute", value=v[0])

    def cell(text: str, at=None, time_alone=False):
        when = [] if at is None else [_.time(at) if time_alone else _.timed(AT_TIME, {"time": at})]
        return st.rich("<br/>".join(safe(part) for part in [text] + when), st.cell)

    one_first = len({line.first.at for line in lines}) == 1
    one_last = len({line.last.at for line in lines}) == 1
    # Under "At the start", the time alone: the heading already says when (and it fits a narrow column).
    heads = [cell(_("At the start"), lines[0].first.at if one_first else None, time_alone=True),
             cell(_("Lowest or highest")),
             cell(_("At the end"), lines[0].last.at if one_last else None, time_alone=True)]
    rows = [[st.p("", st.cell)] + heads]
    for line in lines:
        extreme = st.p("–", st.cell)
        if line.extreme is not None:
            label = _("Lowest: %(value)s") if line.extreme_is_low else _("Highest: %(value)s")
            extreme = cell(label % {"value": value(line, line.extreme)}, line.extreme.at)
        rows.append([st.p(names[line.measure], st.cell_bold),
                     cell(value(line, line.first), None if one_first else line.first.at), extreme,
                     cell(value(line, line.last), None if one_last else line.last.at)])
    shares = list(VITALS_COLUMN_SHARES)
    if all(line.extreme is None for line in lines):  # nothing moved: a column of dashes says nothing
        rows, shares = [row[:2] + row[3:] for row in rows], [0.3, 0.35, 0.35]
    width = PAGE_SIZES[ctx.pagesize][0] - 2 * MARGIN
    table = Table(rows, hAlign="LEFT", repeatRows=1, colWidths=[width * share for share in shares])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _nice_step(span: float, most: int, steps) -> float:
    return next((s for s in steps if span / s <= most), steps[-1])


def _chart(ctx, _, readings) -> Drawing:
    """Blood pressure and heart rate over the visit; the axes are set from the readings, so every line stays
    inside them, and the labels are spaced so none overlaps another."""
    size = ctx.font_size
    # Each line with its own dash too, so they stay apart on a black-and-white printout.
    series = [(_("Top number"), colors.HexColor("#0b5cad"), [(v.taken_at, v.systolic) for v in readings], None),
              (_("Bottom number"), colors.HexColor("#6aa5e0"), [(v.taken_at, v.diastolic) for v in readings],
               (6, 3)),
              (_("Heart rate"), colors.HexColor("#a4161a"), [(v.taken_at, v.heart_rate) for v in readings],
               (1.5, 2.5))]
    series = [(name, color, [(t, y) for t, y in points if y is not None], dash)
              for name, color, points, dash in series]
    kept = [s for s in series if len(s[2]) >= 2]
    dashes, series = [s[3] for s in kept], [s[:3] for s in kept]
    t0 = min(t for _n, _c, points in series for t, _y in points)
    values = [y for _n, _c, points in series for _t, y in points]
    span = max(1.0, max((t - t0).total_seconds() / 60 for _n, _c, points in series for t, _y in points))
    width = PAGE_SIZES[ctx.pagesize][0] - 2 * MARGIN
    plot_height = (40 if size < LARGE_PT else 36) * mm
    # The legend on one line when its names fit side by side, else one name a line.
    slot = max(stringWidth(name, "Helvetica", size) for name, _c, _p in series) + size * 3.5
    legend_rows = 1 if slot * len(series) <= width else len(series)
    bottom = size * 3.4 + legend_rows * size * 1.5  # x labels, the x title, the legend
    drawing = Drawing(width, plot_height + bottom + size * 3.1)
    plot = LinePlot()
    plot.x, plot.y = size * 2.6, bottom
    plot.width, plot.height = width - plot.x - size, plot_height
    plot.data = [[((t - t0).total_seconds() / 60, y) for t, y in points] for _n, _c, points in series]
    for i, (name, color, _points) in enumerate(series):
        plot.lines[i].strokeColor = color
        plot.lines[i].strokeWidth = 1.8
        plot.lines[i].strokeDashArray = dashes[i]
        plot.lines[i].name = name
    y_step = _nice_step(max(values) - min(values) + 20, 6, (10, 20, 25, 50, 100))
    plot.yValueAxis.valueMin = math.floor((min(values) - 5) / y_step) * y_step
    plot.yValueAxis.valueMax = math.ceil((max(values) + 5) / y_step) * y_step
    plot.yValueAxis.valueStep = y_step
    x_step = _nice_step(span, 6 if size < LARGE_PT else 4, (5, 10, 15, 30, 60, 120, 240, 480))
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, math.ceil(span / x_step) * x_step
    plot.xValueAxis.valueStep = x_step
    plot.xValueAxis.labelTextFormat = plot.yValueAxis.labelTextFormat = "%d"
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = "Helvetica", size
    drawing.add(plot)
    drawing.add(String(plot.x, bottom - size * 2.9, _("Minutes after the first reading"), fontName="Helvetica",
                       fontSize=size))
    legend = Legend()
    legend.x, legend.y = 0, bottom - size * 4.2
    legend.fontName, legend.fontSize = "Helvetica", size
    legend.columnMaximum = legend_rows if legend_rows > 1 else 1
    legend.deltax = slot
    legend.dx, legend.dy = size * 2.2, size * 0.7  # long enough to show each line's dash
    legend.dxTextSpace, legend.alignment = size * 0.5, "right"
    legend.colorNamePairs = Auto(obj=plot)  # each name beside its line, dashed as drawn
    drawing.add(legend)
    drawing.add(String(0, plot_height + bottom + size * 0.9, _("mmHg (blood pressure) or beats a minute"),
                       fontName="Helvetica", fontSize=size))  # the y axis's units, above it
    drawing.add(String(0, plot_height + bottom + size * 2.1, _("Blood pressure and heart rate"),
                       fontName="Helvetica-Bold", fontSize=size))
    return drawing


MIN_TABLE_ROWS = 2  # a table split over two pages starts with at least these rows below its header


def _kept_start(ctx, heading, table: Table) -> list:
    """The heading and the table's first rows on one page (a new page when they do not fit where they would
    start), so a page never ends with the heading, the header and a single row; the rest may follow on the
    next page below the repeated header."""
    width = PAGE_SIZES[ctx.pagesize][0] - 2 * MARGIN
    table.wrap(width, 10_000)
    _w, heading_height = heading.wrap(width, 10_000)
    start = heading_height + heading.getSpaceBefore() + heading.getSpaceAfter() + sum(
        table._rowHeights[:1 + MIN_TABLE_ROWS])
    return [CondPageBreak(start + 2 * mm), heading, table]


def _flowables(ctx, st, _, blocks) -> list:
    story = []
    for block in blocks:
        if block.kind == "title":
            story.append(st.p(block.text, st.h1))
        elif block.kind == "h2" and block.data != "splits":
            story.append(st.p(block.text, st.h2))
        elif block.kind == "strong":
            story.append(st.p(block.text, st.strong))
        elif block.kind == "label":
            story.append(st.p(block.text, st.label))
        elif block.kind == "bullet":
            story.append(st.p(block.text, st.bullet))
        elif block.kind == "small":
            story.append(st.p(block.text, st.small))
        elif block.kind == "vitals":
            story += _kept_start(ctx, story.pop(), _vitals_table(ctx, st, _, block.data))
        elif block.kind == "h2" and block.data == "splits":  # a long part: its heading needs only a start
            story += [CondPageBreak(st.size * 8), st.p(block.text, st.h2_alone)]  # (the vitals: _kept_start)
        elif block.kind == "chart":
            story += [Spacer(1, 1 * mm), _chart(ctx, _, block.data), Spacer(1, 1 * mm)]
        else:
            story.append(st.p(block.text))
    return story


def render_visit_summary(ctx: VisitSummaryContext) -> bytes:
    """Render the visit summary to PDF bytes."""
    st = Styles(ctx.font_size)
    _ = Words(ctx)
    buffer = io.BytesIO()
    day = (ctx.record.started_at or ctx.record.created_at).astimezone(ctx.tz).date()
    title = _("Visit summary, %(clinic)s, %(day)s", clinic=ctx.clinic_name, day=_.day(day))
    doc = SimpleDocTemplate(buffer, pagesize=PAGE_SIZES[ctx.pagesize], leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm, title=title, author=ctx.clinic_name,
                            subject=_("Visit summary"), lang=ctx.language)
    story = _flowables(ctx, st, _, summary_blocks(ctx))
    doc.build(story, canvasmaker=numbered_canvas(_footer(ctx, _)))
    return buffer.getvalue()


def _footer(ctx, _):
    """'page 1 of 2' on every page; from page 2 on, the patient's name too (pages may come apart)."""
    patient = " ".join((ctx.record.patient.first_name, ctx.record.patient.last_name))

    def draw(canvas, number: int, total: int) -> None:
        if number == 1:
            text = _("%(clinic)s visit summary — page %(number)d of %(total)d", clinic=ctx.clinic_name,
                     number=number, total=total)
        else:
            text = _("%(patient)s — %(clinic)s — page %(number)d of %(total)d", patient=patient,
                     clinic=ctx.clinic_name, number=number, total=total)
        canvas.saveState()
        canvas.setFont("Helvetica", small_size(ctx.font_size))
        canvas.drawString(MARGIN, 9 * mm, printable(text))
        canvas.restoreState()

    return draw


