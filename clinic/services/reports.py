"""The reaction report: every figure is computed by the database (GROUP BY), not in Python."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal, select, tuple_

from ..domain.lot_signal import LotCounts, lot_signals
from ..domain.reports import (
    PeriodPoint, ReactionCount, ReactionReport, ReportRow, by_grade, period_kind, period_of, periods,
)
from ..extensions import db
from ..models import Drug, InfusionSession, Patient, ReactionEntry
from .errors import Invalid

INFUSION_GROUP = case((InfusionSession.infusion_number == 1, "first"),
                      (InfusionSession.infusion_number == 2, "second"), else_="later")
GROUP_LABELS = {"first": "First infusion", "second": "Second infusion", "later": "Later infusions"}


def _bounds(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The range in UTC: from the start of `date_from` to the end of `date_to`, clinic time."""
    start = datetime.combine(date_from, time.min, tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tz)
    return start, end


def _filters(start, end, drug: str | None):
    conditions = [InfusionSession.started_at >= start, InfusionSession.started_at < end,
                  InfusionSession.status != "cancelled"]
    if drug:
        conditions.append(InfusionSession.drug_code == drug)
    return and_(*conditions)


def _grouped(key, start, end, drug, *more_keys) -> list:
    """Infusions, infusions with a reaction, reactions and serious sessions per `key` (None: one total row).

    One pass over the sessions in range: each session carries its reaction count and flag level, so no
    join is needed, and on PostgreSQL the covering index answers the query alone. `more_keys` group
    further (their values come as `key1`, `key2`…).
    """
    extra = [k.label(f"key{i}") for i, k in enumerate(more_keys, 1)]
    query = (select((key if key is not None else literal("all")).label("key"), *extra, *_aggregates())
             .where(_filters(start, end, drug)))
    if key is not None:
        query = query.group_by(key, *more_keys).order_by(key, *more_keys)
    return db.session.execute(query).all()


def _rows(results, labels=None) -> tuple[ReportRow, ...]:
    labels = labels or {}
    return tuple(ReportRow(key=str(r.key) if r.key is not None else "", label=labels.get(r.key, str(r.key or "(none)")),
                           infusions=r.infusions, infusions_with_reaction=int(r.with_reaction or 0),
                           reactions=int(r.reactions or 0), serious=int(r.serious or 0)) for r in results)


def _reaction_counts(start, end, drug) -> list:
    """Standing reactions by code and grade, one query for both breakdowns. A session with one counts
    it in `reaction_count`: saying so lets the database join only the sessions with a reaction
    (ix_infusion_sessions_reacted), not all of them."""
    return db.session.execute(
        select(ReactionEntry.reaction_code, func.min(ReactionEntry.reaction_label), ReactionEntry.grade,
               func.count(ReactionEntry.id))
        .join(InfusionSession, InfusionSession.id == ReactionEntry.session_id)
        .where(_filters(start, end, drug), InfusionSession.reaction_count > 0, ReactionEntry.voided_at.is_(None))
        .group_by(ReactionEntry.reaction_code, ReactionEntry.grade)).all()


def _by_reaction(counts) -> tuple[ReactionCount, ...]:
    totals: dict[str, list] = {}
    for code, label, _grade, count in counts:
        totals.setdefault(code, [label, 0])[1] += count
    ordered = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))  # most first, then by code
    return tuple(ReactionCount(code, label, count) for code, (label, count) in ordered)


KEYS = {"total": None, "drug": InfusionSession.drug_code, "number": INFUSION_GROUP,
        "day": InfusionSession.session_date}


TOTALS = ("infusions", "with_reaction", "reactions", "serious")


def _aggregates():
    return (func.count(InfusionSession.id).label("infusions"),
            func.sum(case((InfusionSession.reaction_count > 0, 1), else_=0)).label("with_reaction"),
            func.sum(InfusionSession.reaction_count).label("reactions"),
            func.sum(case((InfusionSession.flag_level == "serious", 1), else_=0)).label("serious"))


def _rolled_up_groupings(start, end, drug) -> dict[str, list]:
    """PostgreSQL: drug, infusion number and day from one scan, lots from a second.

    The first groups the sessions by all three keys at once (a few thousand groups, and a plain
    GROUP BY is aggregated in parallel, which GROUPING SETS over a million rows is not), then rolls
    those groups up by each key and in total (GROUPING SETS; GROUPING() tells the rows apart).
    """
    rolled = {name: KEYS[name] for name in ("drug", "number", "day")}
    fine = (select(*[col.label(name) for name, col in rolled.items()], *_aggregates())
            .where(_filters(start, end, drug)).group_by(*rolled.values()).subquery())
    keyed = [fine.c[name] for name in rolled]
    rows = db.session.execute(
        select(*keyed, *[func.grouping(col).label(f"g_{col.name}") for col in keyed],
               *[func.sum(fine.c[total]).label(total) for total in TOTALS])
        .group_by(func.grouping_sets(*(tuple_(col) for col in keyed), tuple_()))).all()
    result: dict[str, list] = {name: [] for name in KEYS}
    for row in rows:
        grouped_by = [name for name in rolled if getattr(row, f"g_{name}") == 0]
        name = grouped_by[0] if grouped_by else "total"
        result[name].append(SimpleNamespace(key=getattr(row, name) if grouped_by else "all",
                                            **{total: int(getattr(row, total) or 0) for total in TOTALS}))
    for name in rolled:
        result[name].sort(key=lambda r: (r.key is None, r.key))
    return result


def _groupings(start, end, drug) -> dict[str, list]:
    if db.session.get_bind().dialect.name == "postgresql":
        groups = _rolled_up_groupings(start, end, drug)
    else:
        groups = {name: _grouped(col, start, end, drug) for name, col in KEYS.items()}  # SQLite: one query each
    # Lots by drug: a lot number names a batch of one drug, and the lot signal compares a drug's lots.
    groups["drug_lot"] = _grouped(InfusionSession.drug_code, start, end, drug, InfusionSession.lot_number)
    return groups


def _by_lot(drug_lots) -> list:
    """The lots over all drugs (the table), from the lots by drug."""
    lots: dict = {}
    for r in drug_lots:
        totals = lots.setdefault(r.key1, dict.fromkeys(TOTALS, 0))
        for name in TOTALS:
            totals[name] += int(getattr(r, name) or 0)
    return [SimpleNamespace(key=lot, **totals) for lot, totals in sorted(lots.items(), key=lambda i: (i[0] is None, i[0]))]


def _lot_counts(drug_lots) -> list[LotCounts]:
    return [LotCounts(r.key, r.key1, r.infusions, int(r.with_reaction or 0)) for r in drug_lots if r.key1 is not None]


def _over_time(rows, date_from: date, date_to: date) -> tuple[PeriodPoint, ...]:
    kind = period_kind(date_from, date_to)
    totals: dict[date, tuple[int, int]] = {}
    for r in rows:
        day = r.key if isinstance(r.key, date) else date.fromisoformat(str(r.key))
        bucket = period_of(day, kind)
        infusions, with_reaction = totals.get(bucket, (0, 0))
        totals[bucket] = (infusions + r.infusions, with_reaction + int(r.with_reaction or 0))
    return periods(date_from, date_to, totals)


def reaction_report(date_from: date, date_to: date, drug: str | None, tz: ZoneInfo) -> ReactionReport:
    """Compute the reaction report for a range of clinic-local days, optionally one drug."""
    brands = _brands()
    if drug is not None and drug not in brands:
        raise Invalid.field("drug", f"{drug!r} is not a drug in the catalog")
    start, end = _bounds(date_from, date_to, tz)
    groups = _groupings(start, end, drug)
    total = _rows(groups["total"], {"all": "All infusions"})
    reaction_counts = _reaction_counts(start, end, drug)
    return ReactionReport(
        date_from=date_from, date_to=date_to, drug=drug,
        total=total[0] if total else ReportRow("all", "All infusions", 0, 0, 0, 0),
        by_drug=_rows(groups["drug"], brands),
        by_reaction=_by_reaction(reaction_counts),
        by_grade=by_grade((grade, count) for _code, _label, grade, count in reaction_counts),
        by_infusion_number=_rows(groups["number"], GROUP_LABELS),
        by_lot=_rows(_by_lot(groups["drug_lot"])),
        over_time=_over_time(groups["day"], date_from, date_to),
        lot_signals=lot_signals(_lot_counts(groups["drug_lot"])),
    )


def _brands() -> dict[str, str]:
    return dict(db.session.execute(select(Drug.code, Drug.brand)).all())


SESSIONS_LIMIT = 500


@dataclass(frozen=True)
class SessionsBehind:
    """The sessions behind one count (newest first), at most `limit` of them, and how many there are."""

    rows: list
    total: int
    limit: int


def sessions_behind(date_from: date, date_to: date, tz: ZoneInfo, *, drug: str | None = None,
                    reaction: str | None = None, grade: int | None = None, lot: str | None = None,
                    no_lot: bool = False, infusion: str | None = None, reacted: bool = False,
                    serious: bool = False, limit: int = SESSIONS_LIMIT) -> SessionsBehind:
    """List the sessions a count of the reaction report counted, with the same range and filters, in one query."""
    if drug is not None and drug not in _brands():
        raise Invalid.field("drug", f"{drug!r} is not a drug in the catalog")
    start, end = _bounds(date_from, date_to, tz)
    conditions = [_filters(start, end, drug)]
    if reacted or reaction or grade:
        conditions.append(InfusionSession.reaction_count > 0)
    if serious:
        conditions.append(InfusionSession.flag_level == "serious")
    if lot is not None:
        conditions.append(InfusionSession.lot_number == lot)
    if no_lot:
        conditions.append(InfusionSession.lot_number.is_(None))
    if infusion is not None:
        conditions.append(INFUSION_GROUP == infusion)
    if reaction or grade:
        entry = [ReactionEntry.session_id == InfusionSession.id, ReactionEntry.voided_at.is_(None)]
        entry += [ReactionEntry.reaction_code == reaction] if reaction else []
        entry += [ReactionEntry.grade == grade] if grade else []
        conditions.append(exists().where(*entry))
    rows = db.session.execute(
        select(InfusionSession.id, InfusionSession.session_date, InfusionSession.started_at,
               InfusionSession.drug_code, InfusionSession.infusion_number, InfusionSession.lot_number,
               InfusionSession.status, InfusionSession.flag_level, InfusionSession.reaction_count,
               InfusionSession.patient_id, Patient.first_name, Patient.last_name, Patient.mrn, Drug.brand,
               func.count().over().label("total"))  # how many in all, in the same query
        .join(Patient, Patient.id == InfusionSession.patient_id)
        .join(Drug, Drug.code == InfusionSession.drug_code)
        .where(*conditions)
        .order_by(InfusionSession.started_at.desc(), InfusionSession.id.desc())
        .limit(limit)).all()
    return SessionsBehind(rows=rows, total=rows[0].total if rows else 0, limit=limit)
