"""Visit summary render time: median of single renders and a day's batch of 200.

Rendering only, from one visit's record built in memory: no database, no audit. bench/scale.py times the
whole request (`GET /api/v1/sessions/<id>/summary.pdf`: load, audit, render) on the million-session database.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clinic.domain import catalog  # noqa: E402
from clinic.domain.records import PatientRecord, ReactionRecord, SessionRecord, VitalsRecord  # noqa: E402
from clinic.pdf.visit_summary import VisitSummaryContext, Warning, render_visit_summary  # noqa: E402


def ordinary_visit() -> VisitSummaryContext:
    start = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)
    vitals = tuple(VitalsRecord(id=i, taken_at=start + timedelta(minutes=15 * i - 10), phase="during",
                                systolic=120 + i, diastolic=78, heart_rate=70 + i, resp_rate=14, spo2=98,
                                temperature_c=Decimal("36.8")) for i in range(8))
    hives = catalog.reaction_by_code("hives")
    record = SessionRecord(
        id=1, patient=PatientRecord(1, "MRN-1", "Maria", "Lopez", date(1984, 3, 12)), drug_code="natalizumab",
        drug_brand="Tysabri", drug_generic="natalizumab", dose=Decimal("300"), dose_unit="mg", infusion_number=12,
        status="finalized", nurse_name="Nora Nurse", created_at=start, started_at=start,
        ended_at=start + timedelta(hours=1), observation_minutes=60, discharged_at=start + timedelta(hours=2),
        vitals=vitals, reactions=(ReactionRecord(1, "hives", hives.label, hives.group, hives.systems,
                                                 start + timedelta(minutes=30), 2, "medication_given",
                                                 medication="Diphenhydramine 25 mg IV"),))
    drug = catalog.drug_by_code("natalizumab")
    return VisitSummaryContext(record=record, clinic_name="Chairside Infusion Center", clinic_phone="555-0100",
                               tz=ZoneInfo("America/New_York"),
                               warnings=tuple(Warning(w.action, w.text) for w in drug.warnings),
                               delayed_reaction_hours=drug.delayed_reaction_hours, next_due=date(2026, 12, 22))


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()  # no options: --help says what it does
    context = ordinary_visit()
    render_visit_summary(context)  # warm up fonts and imports
    timings = []
    for _ in range(50):
        t0 = time.perf_counter()
        render_visit_summary(context)
        timings.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    for _ in range(200):
        render_visit_summary(context)
    batch = time.perf_counter() - t0
    ordered = sorted(timings)  # p95 taken as bench/load.py takes it
    print(f"visit summary: median {statistics.median(timings):.1f} ms, p95 "
          f"{ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]:.1f} ms (50 renders); batch of 200: {batch:.2f} s")


if __name__ == "__main__":
    main()
