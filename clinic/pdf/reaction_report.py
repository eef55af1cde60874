"""The supervisor's reaction report as a PDF (SPEC §7)."""
from __future__ import annotations

import io
from datetime import datetime, tzinfo

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from ..domain.reports import ReactionReport
from .common import MARGIN, PAGE_SIZES, Styles, footer

MAX_CATEGORY_LABELS = 16
HEAD = ["", "Infusions", "With a reaction", "Per 100", "Reactions", "Per 100", "Serious"]


def _table(st, title: str, rows) -> list:
    data = [[st.p(h, st.cell_bold) for h in HEAD]]
    for row in rows:
        data.append([st.p(c, st.cell) for c in (
            row.label, row.infusions, row.infusions_with_reaction, row.reaction_rate, row.reactions,
            row.reactions_per_100, row.serious)])
    if len(data) == 1:
        return [st.p(title, st.h2), st.p("No infusions in this range.")]
    return [st.p(title, st.h2), _grid(data, [46 * mm] + [23 * mm] * 6)]


def _grid(data, widths) -> Table:
    table = Table(data, repeatRows=1, hAlign="LEFT", colWidths=widths)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3"))]))
    return table


def _grade_table(st, report: ReactionReport) -> Table:
    data = [[st.p("Grade", st.cell_bold), st.p("Reactions", st.cell_bold)]]
    data += [[st.p(f"Grade {g.grade}", st.cell), st.p(g.count, st.cell)] for g in report.by_grade]
    return _grid(data, [46 * mm, 23 * mm])


SIGNAL_HEAD = ["Drug and lot", "Infusions", "With a reaction", "Per 100", "Other lots", "With a reaction", "Per 100",
               "p"]


def _lot_signals(st, report: ReactionReport) -> list:
    title = st.p("Lot signal: reaction rate well above the drug's other lots", st.h2)
    if not report.lot_signals:
        return [title, st.p("No lot stands out (one-sided exact binomial test against the drug's other lots, "
                            "p < 0.01, at least 3 infusions with a reaction).")]
    data = [[st.p(h, st.cell_bold) for h in SIGNAL_HEAD]]
    for s in report.lot_signals:
        data.append([st.p(c, st.cell) for c in (
            f"{report.drug_label(s.drug)} lot {s.lot}", s.infusions, s.infusions_with_reaction, s.reaction_rate, s.other_infusions,
            s.other_infusions_with_reaction, s.other_reaction_rate, f"{s.p_value:.2g}")])
    return [title, st.p("One-sided exact binomial test against the rate of the drug's other lots in this range "
                        "(their infusions, those with a reaction and the rate per 100 are under Other lots): "
                        "p < 0.01 with at least 3 infusions with a reaction."),
            _grid(data, [40 * mm] + [20 * mm] * 7)]


def _chart(report: ReactionReport):
    points = report.over_time
    if not points:
        return Spacer(1, 1)
    drawing = Drawing(170 * mm, 60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, 150 * mm, 42 * mm
    chart.data = [[p.infusions for p in points], [p.infusions_with_reaction for p in points]]
    step = max(1, -(-len(points) // MAX_CATEGORY_LABELS))  # every period drawn, every step-th one named
    fmt = "%Y-%m" if report.period == "month" else "%m-%d"
    chart.categoryAxis.categoryNames = [p.period_start.strftime(fmt) if i % step == 0 else ""
                                        for i, p in enumerate(points)]
    chart.categoryAxis.labels.angle = 45 if len(points) > 10 else 0
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#6aa5e0")
    chart.bars[1].fillColor = colors.HexColor("#a4161a")
    chart.valueAxis.valueMin = 0
    drawing.add(chart)
    return drawing


def render_reaction_report(report: ReactionReport, clinic_name: str, generated_at: datetime, tz: tzinfo) -> bytes:
    """Render the report's figures, tables and chart to PDF bytes."""
    st = Styles(10)
    buffer = io.BytesIO()
    title = f"Reaction report — {report.date_from} to {report.date_to}"
    doc = SimpleDocTemplate(buffer, pagesize=PAGE_SIZES["letter"], leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=title, author=clinic_name)
    t = report.total
    story = [
        st.p(f"{clinic_name}: reaction report", st.h1),
        st.p(f"From {report.date_from} to {report.date_to}"
             + (f", drug {report.drug}" if report.drug else ", all drugs")
             + f". Made {generated_at.astimezone(tz).strftime('%Y-%m-%d %H:%M')}."),
        st.p(f"Infusions: {t.infusions}. With a reaction: {t.infusions_with_reaction} ({t.reaction_rate} per 100). "
             f"Reactions: {t.reactions} ({t.reactions_per_100} per 100 infusions). Serious sessions: {t.serious}."),
        st.p("Infusions (blue) and infusions with a reaction (red) over time", st.h2), _chart(report),
        *_table(st, "By drug", report.by_drug),
        *_table(st, "By infusion number", report.by_infusion_number),
        *_table(st, "By lot", report.by_lot),
        st.p("By reaction", st.h2),
    ]
    story += [st.p(f"{r.label}: {r.count}") for r in report.by_reaction] or [st.p("No reactions.")]
    story += [st.p("By grade (CTCAE)", st.h2), _grade_table(st, report)]
    story += _lot_signals(st, report)
    page_footer = footer(f"{clinic_name} reaction report", 10)
    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()
