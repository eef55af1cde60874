"""The reaction report: every figure is computed by the database (GROUP BY), not in Python."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, select, tuple_

from ..domain.reports import PeriodPoint, ReactionCount, ReactionReport, ReportRow, weekly_periods
from ..extensions import db
from ..models import Drug, InfusionSession, ReactionEntry
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


def _grouped(key, start, end, drug) -> list:
    """Infusions, infusions with a reaction, reactions and serious sessions per `key` (None: one total row).

    One pass over the sessions in range: each session carries its reaction count and flag level, so no
    join is needed, and on PostgreSQL the covering index answers the query alone.
    """
    query = (select((key if key is not None else literal("all")).label("key"), *_aggregates())
             .where(_filters(start, end, drug)))
    if key is not None:
        query = query.group_by(key).order_by(key)
    return db.session.execute(query).all()


def _rows(results, labels=None) -> tuple[ReportRow, ...]:
    labels = labels or {}
    return tuple(ReportRow(key=str(r.key) if r.key is not None else "", label=labels.get(r.key, str(r.key or "(none)")),
                           infusions=r.infusions, infusions_with_reaction=int(r.with_reaction or 0),
                           reactions=int(r.reactions or 0), serious=int(r.serious or 0)) for r in results)


def _by_reaction(start, end, drug) -> tuple[ReactionCount, ...]:
    """Standing reactions by code. A session with one counts it in `reaction_count`: saying so lets the
    database join only the sessions with a reaction (ix_infusion_sessions_reacted), not all of them."""
    rows = db.session.execute(
        select(ReactionEntry.reaction_code, func.min(ReactionEntry.reaction_label), func.count(ReactionEntry.id))
        .join(InfusionSession, InfusionSession.id == ReactionEntry.session_id)
        .where(_filters(start, end, drug), InfusionSession.reaction_count > 0, ReactionEntry.voided_at.is_(None))
        .group_by(ReactionEntry.reaction_code).order_by(func.count(ReactionEntry.id).desc(),
                                                        ReactionEntry.reaction_code)).all()
    return tuple(ReactionCount(code, label, count) for code, label, count in rows)


KEYS = {"total": None, "drug": InfusionSession.drug_code, "number": INFUSION_GROUP,
        "lot": InfusionSession.lot_number, "day": InfusionSession.session_date}


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
    result["lot"] = _grouped(KEYS["lot"], start, end, drug)
    return result


def _groupings(start, end, drug) -> dict[str, list]:
    if db.session.get_bind().dialect.name == "postgresql":
        return _rolled_up_groupings(start, end, drug)
    return {name: _grouped(col, start, end, drug) for name, col in KEYS.items()}  # SQLite: one query each


def _over_time(rows, weekly: bool) -> tuple[PeriodPoint, ...]:
    points: dict[date, list[int]] = {}
    for r in rows:
        day = r.key if isinstance(r.key, date) else date.fromisoformat(str(r.key))
        bucket = day - timedelta(days=day.weekday()) if weekly else day
        totals = points.setdefault(bucket, [0, 0])
        totals[0] += r.infusions
        totals[1] += int(r.with_reaction or 0)
    return tuple(PeriodPoint(day, n, w) for day, (n, w) in sorted(points.items()))


def reaction_report(date_from: date, date_to: date, drug: str | None, tz: ZoneInfo) -> ReactionReport:
    """Compute the reaction report for a range of clinic-local days, optionally one drug."""
    brands = dict(db.session.execute(select(Drug.code, Drug.brand)).all())
    if drug is not None and drug not in brands:
        raise Invalid.field("drug", f"{drug!r} is not a drug in the catalog")
    start, end = _bounds(date_from, date_to, tz)
    groups = _groupings(start, end, drug)
    total = _rows(groups["total"], {"all": "All infusions"})
    return ReactionReport(
        date_from=date_from, date_to=date_to, drug=drug,
        total=total[0] if total else ReportRow("all", "All infusions", 0, 0, 0, 0),
        by_drug=_rows(groups["drug"], brands),
        by_reaction=_by_reaction(start, end, drug),
        by_infusion_number=_rows(groups["number"], GROUP_LABELS),
        by_lot=_rows(groups["lot"]),
        over_time=_over_time(groups["day"], weekly=weekly_periods(date_from, date_to)),
    )
