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

HEAD = ["", "Infusions", "With a reaction", "Per 100", "Reactions", "Per 100", "Serious"]


def _table(st, title: str, rows) -> list:
    data = [[st.p(h, st.cell_bold) for h in HEAD]]
    for row in rows:
        data.append([st.p(c, st.cell) for c in (
            row.label, row.infusions, row.infusions_with_reaction, row.reaction_rate, row.reactions,
            row.reactions_per_100, row.serious)])
    if len(data) == 1:
        return [st.p(title, st.h2), st.p("No infusions in this range.")]
    table = Table(data, repeatRows=1, hAlign="LEFT", colWidths=[46 * mm] + [23 * mm] * 6)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3"))]))
    return [st.p(title, st.h2), table]


def _chart(report: ReactionReport):
    points = report.over_time
    if not points:
        return Spacer(1, 1)
    drawing = Drawing(170 * mm, 60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, 150 * mm, 42 * mm
    chart.data = [[p.infusions for p in points], [p.infusions_with_reaction for p in points]]
    chart.categoryAxis.categoryNames = [p.period_start.strftime("%m-%d") for p in points]
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
    page_footer = footer(f"{clinic_name} reaction report", 10)
    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()
