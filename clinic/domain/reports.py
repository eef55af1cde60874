"""The reaction report's figures (SPEC §7–§8), as plain data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
class PeriodPoint:
    period_start: date
    infusions: int
    infusions_with_reaction: int


WEEKLY_AFTER_DAYS = 31


def weekly_periods(date_from: date, date_to: date) -> bool:
    """A range longer than a month is charted by week, a shorter one by day."""
    return (date_to - date_from).days > WEEKLY_AFTER_DAYS


@dataclass(frozen=True)
class ReactionReport:
    date_from: date
    date_to: date
    drug: str | None
    total: ReportRow
    by_drug: tuple[ReportRow, ...]
    by_reaction: tuple[ReactionCount, ...]
    by_infusion_number: tuple[ReportRow, ...]
    by_lot: tuple[ReportRow, ...]
    over_time: tuple[PeriodPoint, ...]

    @property
    def period(self) -> str:
        return "week" if weekly_periods(self.date_from, self.date_to) else "day"

    def to_dict(self) -> dict:
        total = self.total.to_dict()
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "drug": self.drug,
            **{k: total[k] for k in ("infusions", "infusions_with_reaction", "reaction_rate", "reactions",
                                     "reactions_per_100", "serious")},
            "by_drug": [dict(row.to_dict(), drug=row.key) for row in self.by_drug],
            "by_reaction": [{"code": r.code, "label": r.label, "count": r.count} for r in self.by_reaction],
            "by_infusion_number": [row.to_dict() for row in self.by_infusion_number],
            "by_lot": [dict(row.to_dict(), lot=row.key) for row in self.by_lot],
            "over_time": [{"period_start": p.period_start.isoformat(), "infusions": p.infusions,
                           "infusions_with_reaction": p.infusions_with_reaction} for p in self.over_time],
        }

    def csv_rows(self):
        """Yield the report as CSV rows, header first."""
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
