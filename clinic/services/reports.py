"""The reaction report: every figure is computed by the database (GROUP BY), not in Python."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, select

from ..domain.reports import PeriodPoint, ReactionCount, ReactionReport, ReportRow
from ..extensions import db
from ..models import Drug, InfusionSession, ReactionEntry

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


def _per_session_reactions(start, end, drug):
    """Count non-voided reactions per session in range (a subquery the groupings join)."""
    return (select(ReactionEntry.session_id, func.count(ReactionEntry.id).label("n"))
            .join(InfusionSession, InfusionSession.id == ReactionEntry.session_id)
            .where(_filters(start, end, drug), ReactionEntry.voided_at.is_(None))
            .group_by(ReactionEntry.session_id).subquery())


def _grouped(key, start, end, drug) -> list:
    """Infusions, infusions with a reaction, reactions and serious sessions per `key` (None: one total row)."""
    rx = _per_session_reactions(start, end, drug)
    query = (select((key if key is not None else literal("all")).label("key"),
                    func.count(InfusionSession.id).label("infusions"),
                    func.count(rx.c.session_id).label("with_reaction"),
                    func.coalesce(func.sum(rx.c.n), 0).label("reactions"),
                    func.sum(case((InfusionSession.flag_level == "serious", 1), else_=0)).label("serious"))
             .outerjoin(rx, rx.c.session_id == InfusionSession.id)
             .where(_filters(start, end, drug)))
    if key is not None:
        query = query.group_by(key).order_by(key)
    return db.session.execute(query).all()


def _rows(results, labels=None) -> tuple[ReportRow, ...]:
    labels = labels or {}
    return tuple(ReportRow(key=str(r.key) if r.key is not None else "", label=labels.get(r.key, str(r.key or "(none)")),
                           infusions=r.infusions, infusions_with_reaction=r.with_reaction,
                           reactions=int(r.reactions or 0), serious=int(r.serious or 0)) for r in results)


def _by_reaction(start, end, drug) -> tuple[ReactionCount, ...]:
    rows = db.session.execute(
        select(ReactionEntry.reaction_code, func.min(ReactionEntry.reaction_label), func.count(ReactionEntry.id))
        .join(InfusionSession, InfusionSession.id == ReactionEntry.session_id)
        .where(_filters(start, end, drug), ReactionEntry.voided_at.is_(None))
        .group_by(ReactionEntry.reaction_code).order_by(func.count(ReactionEntry.id).desc(),
                                                        ReactionEntry.reaction_code)).all()
    return tuple(ReactionCount(code, label, count) for code, label, count in rows)


def _over_time(start, end, drug, weekly: bool) -> tuple[PeriodPoint, ...]:
    rows = _grouped(InfusionSession.session_date, start, end, drug)
    points: dict[date, list[int]] = {}
    for r in rows:
        day = r.key if isinstance(r.key, date) else date.fromisoformat(str(r.key))
        bucket = day - timedelta(days=day.weekday()) if weekly else day
        totals = points.setdefault(bucket, [0, 0])
        totals[0] += r.infusions
        totals[1] += r.with_reaction
    return tuple(PeriodPoint(day, n, w) for day, (n, w) in sorted(points.items()))


def reaction_report(date_from: date, date_to: date, drug: str | None, tz: ZoneInfo) -> ReactionReport:
    """Compute the reaction report for a range of clinic-local days, optionally one drug."""
    start, end = _bounds(date_from, date_to, tz)
    total = _rows(_grouped(None, start, end, drug), {"all": "All infusions"})
    brands = dict(db.session.execute(select(Drug.code, Drug.brand)).all())
    return ReactionReport(
        date_from=date_from, date_to=date_to, drug=drug,
        total=total[0] if total else ReportRow("all", "All infusions", 0, 0, 0, 0),
        by_drug=_rows(_grouped(InfusionSession.drug_code, start, end, drug), brands),
        by_reaction=_by_reaction(start, end, drug),
        by_infusion_number=_rows(_grouped(INFUSION_GROUP, start, end, drug), GROUP_LABELS),
        by_lot=_rows(_grouped(InfusionSession.lot_number, start, end, drug)),
        over_time=_over_time(start, end, drug, weekly=(date_to - date_from).days > 31),
    )
