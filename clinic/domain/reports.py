"""The reaction report's figures (SPEC §7–§8), as plain data, and the lot signal."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal


def per_100(part: int, whole: int) -> Decimal:
    """Return part per 100 of whole, to one decimal (0 when whole is 0)."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    infusions: int
    infusions_with_reaction: int
    reactions: int
    serious: int

    @property
    def reaction_rate(self) -> Decimal:
        return per_100(self.infusions_with_reaction, self.infusions)

    @property
    def reactions_per_100(self) -> Decimal:
        return per_100(self.reactions, self.infusions)

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "infusions": self.infusions,
                "infusions_with_reaction": self.infusions_with_reaction,
                "reaction_rate": float(self.reaction_rate), "reactions": self.reactions,
                "reactions_per_100": float(self.reactions_per_100), "serious": self.serious}


@dataclass(frozen=True)
class ReactionCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class GradeCount:
    grade: int
    count: int


GRADES = (1, 2, 3, 4, 5)  # CTCAE v5 (DOMAIN.md §3)


def by_grade(counts: Iterable[tuple[int, int]]) -> tuple[GradeCount, ...]:
    """Every grade from 1 to 5 with its count of reactions, 0 when none (a missing grade is a zero, not a gap)."""
    totals = dict.fromkeys(GRADES, 0)
    for grade, count in counts:
        totals[grade] += count
    return tuple(GradeCount(grade, count) for grade, count in totals.items())


@dataclass(frozen=True)
class PeriodPoint:
    period_start: date
    infusions: int
    infusions_with_reaction: int
    # The period's days inside the report's range (a week may begin before it or end after it):
    # the sessions behind the point are those started on these days.
    first_day: date
    last_day: date


WEEKLY_AFTER_DAYS = 31
MONTHLY_AFTER_DAYS = 366


def period_kind(date_from: date, date_to: date) -> str:
    """How the chart groups days: up to a month by day, up to a year by week, a longer range by month
    (every period is drawn, empty ones too, so the bars stay countable)."""
    days = (date_to - date_from).days
    if days > MONTHLY_AFTER_DAYS:
        return "month"
    return "week" if days > WEEKLY_AFTER_DAYS else "day"


def period_of(day: date, kind: str) -> date:
    """The first day of the chart's period holding `day` (weeks start on Monday)."""
    if kind == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday()) if kind == "week" else day


def _next_period(start: date, kind: str) -> date:
    if kind == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7 if kind == "week" else 1)


def periods(date_from: date, date_to: date, totals: dict[date, tuple[int, int]]) -> tuple[PeriodPoint, ...]:
    """Every period of the range, in order, with its (infusions, infusions with a reaction) keyed by the
    period's first day; a period without infusions is a zero on the chart, not left out (SPEC §7)."""
    kind = period_kind(date_from, date_to)
    points, start = [], period_of(date_from, kind)
    while start <= date_to:
        following = _next_period(start, kind)
        infusions, with_reaction = totals.get(start, (0, 0))
        points.append(PeriodPoint(start, infusions, with_reaction, max(start, date_from),
                                  min(following - timedelta(days=1), date_to)))
        start = following
    return tuple(points)


# Text a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @, and tab or carriage
# return, which some spreadsheets skip before reading the rest as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """Return the cell so that no spreadsheet runs it: text starting like a formula gets a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


@dataclass(frozen=True)
class ReactionReport:
    date_from: date
    date_to: date
    drug: str | None
    total: ReportRow
    by_drug: tuple[ReportRow, ...]
    by_reaction: tuple[ReactionCount, ...]
    by_grade: tuple[GradeCount, ...]
    by_infusion_number: tuple[ReportRow, ...]
    by_lot: tuple[ReportRow, ...]
    over_time: tuple[PeriodPoint, ...]
    lot_signals: tuple = ()  # LotSignal, strongest first (domain.lot_signal)

    @property
    def period(self) -> str:
        return period_kind(self.date_from, self.date_to)

    def drug_label(self, code: str) -> str:
        """The drug's name as the report's by-drug rows give it (its code if it has no row)."""
        return next((row.label for row in self.by_drug if row.key == code), code)

    def to_dict(self) -> dict:
        total = self.total.to_dict()
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "drug": self.drug,
            **{k: total[k] for k in ("infusions", "infusions_with_reaction", "reaction_rate", "reactions",
                                     "reactions_per_100", "serious")},
            "by_drug": [dict(row.to_dict(), drug=row.key) for row in self.by_drug],
            "by_reaction": [{"code": r.code, "label": r.label, "count": r.count} for r in self.by_reaction],
            "by_grade": [{"grade": g.grade, "count": g.count} for g in self.by_grade],
            "by_infusion_number": [row.to_dict() for row in self.by_infusion_number],
            "by_lot": [dict(row.to_dict(), lot=row.key) for row in self.by_lot],
            "over_time": [{"period_start": p.period_start.isoformat(), "infusions": p.infusions,
                           "infusions_with_reaction": p.infusions_with_reaction} for p in self.over_time],
            "lot_signals": [s.to_dict() for s in self.lot_signals],
        }

    def csv_rows(self):
        """Yield the report as CSV rows, header first; no cell is one a spreadsheet would run."""
        for row in self._rows():
            yield [spreadsheet_safe(cell) for cell in row]

    def _rows(self):
        yield ["section", "key", "label", "infusions", "infusions_with_reaction", "reaction_rate", "reactions",
               "reactions_per_100", "serious"]
        sections = [("total", [self.total]), ("drug", self.by_drug), ("infusion_number", self.by_infusion_number),
                    ("lot", self.by_lot)]
        for section, rows in sections:
            for row in rows:
                yield [section, row.key, row.label, row.infusions, row.infusions_with_reaction, row.reaction_rate,
                       row.reactions, row.reactions_per_100, row.serious]
        for r in self.by_reaction:
            yield ["reaction", r.code, r.label, "", "", "", r.count, "", ""]
        for g in self.by_grade:
            yield ["grade", g.grade, f"Grade {g.grade}", "", "", "", g.count, "", ""]
        for s in self.lot_signals:
            yield ["lot_signal", s.lot, f"{self.drug_label(s.drug)} lot {s.lot}: p = {s.p_value:.2g} against the drug's other lots "
                   f"({s.other_infusions_with_reaction} of {s.other_infusions} infusions with a reaction)",
                   s.infusions, s.infusions_with_reaction, s.reaction_rate, "", "", ""]
