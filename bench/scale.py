"""Fill a database with a year of a 20-center network, then time the main reads on it.

PostgreSQL is filled with COPY; SQLite with executemany in large transactions.
Re-running with the same database skips the fill when it is already there.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from clinic.domain.catalog import REACTIONS  # noqa: E402

DRUG_MIX = (("natalizumab", 0.45), ("ocrelizumab", 0.25), ("ivig", 0.12), ("ublituximab", 0.06),
            ("methylprednisolone", 0.06), ("rituximab", 0.04), ("alemtuzumab", 0.015), ("cyclophosphamide", 0.005))
REACTION_CODES = ("itching", "rash", "hives", "flushing", "headache", "chills", "nausea", "fatigue", "fever",
                  "dizziness", "back_pain", "chest_tightness", "trouble_breathing", "swelling_mouth_throat")
FIRST = ("Maria", "James", "Aiko", "Daniel", "Priya", "Tom", "Olga", "Chen", "Fatima", "Lucas", "Emma", "Noah")
LAST = ("Lopez", "Okafor", "Tanaka", "Fischer", "Raman", "Brennan", "Novak", "Wang", "Haddad", "Silva", "Berg")
VITALS_PER_SESSION = 11  # the network's 40 million readings over 3.6 million sessions a year
TODAY_SESSIONS = 150  # one center's day on the chair board
SESSIONS_PER_PATIENT = 7
MIN_SESSIONS = TODAY_SESSIONS * SESSIONS_PER_PATIENT  # today's sessions are open: one per patient


def _app(url):
    from clinic import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False})


def prepare(url):
    """Migrate, load the catalog, make the users; return (app, nurse_id, {drug: (version id, definition)})."""
    from flask_migrate import upgrade

    from clinic.domain.catalog import Drug
    from clinic.extensions import db
    from clinic.models import DrugVersion, User
    from clinic.services import accounts, catalog
    from clinic.services.actor import Actor

    app = _app(url)
    with app.app_context():
        upgrade()
        catalog.load(Actor.system("bench"))
        for name, role in (("bench-nurse", "nurse"), ("bench-supervisor", "supervisor")):
            if accounts.find_user(name) is None:
                accounts.create_user(Actor.system("bench"), name, name.title(), role, "bench password 123")
        db.session.commit()
        nurse = db.session.scalar(select(User.id).where(User.username == "bench-nurse"))
        versions = {code: (vid, Drug.from_dict(definition)) for code, vid, definition in db.session.execute(
            select(DrugVersion.drug_code, DrugVersion.id, DrugVersion.definition)).all()}
        db.session.remove()
    return app, nurse, versions


def _rows(n_sessions, n_patients, nurse, versions, today, now, day_starts, tz, audit_head, rng, key):
    """Yield (table, row) in dependency order: patients, then each session with everything charted on it.

    A year of finished sessions in date order (so infusion numbers follow the calendar), each charted as a
    real one is: its drug's checks and premedications, a rate change, a baseline reading and ten more up
    to discharge, a reaction in about one in eight (with the flag it raises), and its discharge in the
    audit chain, which continues from `audit_head` (id, hash) so `flask audit verify` holds. Then today's
    sessions, started in the last hour and charted up to `now`. `day_starts` is today's midnight in the
    clinic's zone `tz`.
    """
    codes, weights = zip(*DRUG_MIX, strict=True)
    reactions = {r.code: r for r in REACTIONS if r.code in REACTION_CODES}
    for pid in range(1, n_patients + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST) + str(pid)
        yield "patients", (pid, f"B{pid:07d}", f"B{pid:07d}", first, last, first.lower(), last.lower(),
                           date(1950 + pid % 50, 1 + pid % 12, 1 + pid % 28), "female" if pid % 3 else "male",
                           "en", False, True, "2025-01-01 00:00:00+00", "2025-01-01 00:00:00+00", 1)
    counters, ids = {}, dict.fromkeys(("vital_signs", "reaction_entries", "check_confirmations",
                                       "premedication_records", "session_events"), 0)
    audit_id, audit_hash = audit_head
    past = n_sessions - TODAY_SESSIONS

    def next_id(table):
        ids[table] += 1
        return ids[table]

    for sid in range(1, n_sessions + 1):
        today_session = sid > past
        if today_session:
            day = today
            start = max(now - timedelta(minutes=20 + sid % 45), day_starts + timedelta(minutes=1))
        else:
            day = today - timedelta(days=364 - (sid - 1) * 364 // past)
            start = datetime(day.year, day.month, day.day, 13 + sid % 8, sid % 60, tzinfo=timezone.utc)
        # Today's sessions are open: one per patient (the database allows one open session per patient and drug).
        pid = 1 + (sid % n_patients if today_session else rng.randrange(n_patients))
        drug = rng.choices(codes, weights)[0]
        version_id, definition = versions[drug]
        number = counters[(pid, drug)] = counters.get((pid, drug), 0) + 1
        ended = None if today_session else start + timedelta(hours=1)
        discharged = None if today_session else ended + timedelta(hours=1)
        roll = rng.random()
        grade = 3 if roll < 0.02 else 2 if roll < 0.08 else 1
        onset = start + timedelta(minutes=30)
        reaction = None
        if roll < 0.12 and onset <= now:  # today's session may not have reached it yet
            reaction = (next_id("reaction_entries"), reactions[rng.choice(REACTION_CODES)], grade)
        flags = _flags(reaction, onset, tz) if reaction else []
        level = "serious" if any(f["level"] == "serious" for f in flags) else "warning" if flags else "none"
        readings = [(start + timedelta(minutes=13 * k - 10), k) for k in range(VITALS_PER_SESSION)]
        readings = [(at, k) for at, k in readings if at <= now]
        status = "infusing" if today_session else "discharged"
        yield "infusion_sessions", (
            sid, pid, drug, version_id, str(_dose(definition, number)), definition.dose_unit, f"LOT{sid % 97}",
            number, str(1 + sid % 50), nurse, status, day,
            start - timedelta(minutes=30), start, ended, None if today_session else True, 60, discharged,
            discharged, json.dumps(flags), level, start if flags else None,
            bool(flags) and (today - day).days < 14, readings[-1][0], start, 1, int(reaction is not None))
        yield from _charted(sid, definition, number, start, ended, readings, now, nurse, next_id)
        if reaction is not None:
            rid, found, grade = reaction
            yield "reaction_entries", (rid, sid, found.code, found.label, found.group, ",".join(sorted(found.systems)),
                                       onset, onset + timedelta(minutes=1), grade, "none", nurse)
        if discharged is not None:
            audit_id += 1
            event = _audit_event(sid, pid, nurse, discharged + timedelta(minutes=1), discharged, audit_hash, key)
            audit_hash = event[-1]
            yield "audit_events", (audit_id, *event)


def _dose(definition, number):
    """The protocol's dose for this infusion, for a patient of 70 kg and 170 cm where it is by weight or surface."""
    from decimal import Decimal

    from clinic.domain.protocols import dose_for

    return dose_for(definition, number, weight_kg=Decimal("70"), height_cm=Decimal("170")).amount


def _charted(sid, definition, number, start, ended, readings, now, nurse, next_id):
    """A session's checks, premedications, rate change and readings (each phase as the nurse charts it)."""
    for check in definition.checks_for(number):
        yield "check_confirmations", (next_id("check_confirmations"), sid, check.code, check.prompt,
                                      start - timedelta(minutes=25), nurse)
    for premed in definition.premedications_for(number):
        yield "premedication_records", (next_id("premedication_records"), sid, premed.code, premed.text,
                                        premed.required, start - timedelta(minutes=20),
                                        start - timedelta(minutes=19), nurse)
    if start + timedelta(minutes=6) <= now:
        yield "session_events", (next_id("session_events"), sid, "rate_change", start + timedelta(minutes=5),
                                 start + timedelta(minutes=6), 100, False, nurse)
    for at, k in readings:
        phase = ("baseline" if k == 0 else "during" if ended is None or at < ended else
                 "discharge" if k == VITALS_PER_SESSION - 1 else "observation")
        yield "vital_signs", (next_id("vital_signs"), sid, at, at, phase, 110 + k % 4 * 3, 70, 72 + k % 4,
                              16, 98, nurse)


def _flags(reaction, onset, tz) -> list[dict]:
    """The flags the app's own rules raise for the session's reaction, stored as the app stores them.

    The generated readings are unremarkable (NEWS2 at most 1) and raise no flag, so the reaction decides.
    """
    from clinic.domain.flags import evaluate
    from clinic.domain.records import PatientRecord, ReactionRecord, SessionRecord

    rid, found, grade = reaction
    entry = ReactionRecord(id=rid, code=found.code, label=found.label, group=found.group, systems=found.systems,
                           onset_at=onset, grade=grade, action="none")
    record = SessionRecord(id=0, patient=PatientRecord(0, "", "", "", date(1980, 1, 1)), drug_code="",
                           drug_brand="", drug_generic="", dose=300, dose_unit="mg", infusion_number=1,
                           status="discharged", reactions=(entry,))
    return [dict(f.to_dict(), key=f.key) for f in evaluate(record, tz)]


def _audit_event(sid, pid, nurse, at, discharged, prev_hash, key):
    """The session's discharge in the audit chain, with the details the app records, hashed as the app does."""
    from clinic.domain.chain import canonical_json, event_hash
    from clinic.services.audit import hashed_content

    event = {"occurred_at": at, "user_id": nurse, "username": "bench-nurse", "action": "patient_discharged",
             "object_type": "session", "object_id": str(sid), "patient_id": pid, "client_addr": "127.0.0.1",
             "details": canonical_json({"session_id": sid, "at": discharged.isoformat(), "early_reason": None})}
    return (*event.values(), prev_hash, event_hash(prev_hash, hashed_content(event), key))


COLUMNS = {
    "patients": ("id", "mrn", "mrn_key", "first_name", "last_name", "first_key", "last_key", "date_of_birth", "sex",
                 "preferred_language", "pregnant", "active", "created_at", "updated_at", "version"),
    "infusion_sessions": ("id", "patient_id", "drug_code", "drug_version_id", "dose", "dose_unit", "lot_number",
                          "infusion_number", "chair", "nurse_id", "status", "session_date", "created_at",
                          "started_at", "ended_at", "full_dose", "observation_minutes", "observation_ends_at",
                          "discharged_at", "flags", "flag_level", "flags_raised_at", "needs_review",
                          "last_vitals_at", "updated_at", "version", "reaction_count"),
    "vital_signs": ("id", "session_id", "taken_at", "charted_at", "phase", "systolic", "diastolic", "heart_rate",
                    "resp_rate", "spo2", "recorded_by_id"),
    "reaction_entries": ("id", "session_id", "reaction_code", "reaction_label", "reaction_group", "systems",
                         "onset_at", "charted_at", "grade", "action", "recorded_by_id"),
    "check_confirmations": ("id", "session_id", "code", "prompt", "confirmed_at", "confirmed_by_id"),
    "premedication_records": ("id", "session_id", "code", "text", "required", "given_at", "charted_at",
                              "recorded_by_id"),
    "session_events": ("id", "session_id", "kind", "occurred_at", "charted_at", "rate_ml_h", "due_to_reaction",
                       "recorded_by_id"),
    "audit_events": ("id", "occurred_at", "user_id", "username", "action", "object_type", "object_id",
                     "patient_id", "client_addr", "details", "prev_hash", "hash"),
}


def _chunks(rows, size=20_000):
    """Group the generated rows by table, a chunk of sessions at a time (COPY wants one table at a time)."""
    chunk: dict[str, list] = {t: [] for t in COLUMNS}
    sessions = 0
    for table, row in rows:
        chunk[table].append(row)
        if table == "infusion_sessions":
            sessions += 1
            if sessions % size == 0:
                yield chunk
                chunk = {t: [] for t in COLUMNS}
    yield chunk


def fill_postgres(url, rows, total):
    """COPY every table in one transaction: an interrupted fill leaves nothing, so running again starts clean."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    counts = dict.fromkeys(COLUMNS, 0)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur, click.progressbar(
            length=total, label=f"Filling {total:,} sessions by COPY", file=sys.stderr) as bar:
        for chunk in _chunks(rows):
            for table, items in chunk.items():
                counts[table] += len(items)
                if items:
                    with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                        for row in items:
                            copy.write_row(row)
            bar.update(len(chunk["infusion_sessions"]))
        for table in COLUMNS:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        print("VACUUM ANALYZE: the planner's statistics and the visibility map (a minute or two at a million)",
              file=sys.stderr, flush=True)
        cur.execute("VACUUM ANALYZE")
    return counts


def fill_sqlite(url, rows, total):
    """Insert in one transaction, like the PostgreSQL fill."""
    engine = create_engine(url)
    counts = dict.fromkeys(COLUMNS, 0)
    with click.progressbar(length=total, label=f"Filling {total:,} sessions by INSERT", file=sys.stderr) as bar, \
            engine.begin() as conn:
        for chunk in _chunks(rows):
            for table, items in chunk.items():
                counts[table] += len(items)
                if items:
                    marks = ", ".join("?" * len(COLUMNS[table]))
                    conn.exec_driver_sql(
                        f"INSERT INTO {table} ({', '.join(COLUMNS[table])}) VALUES ({marks})",
                        [tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else
                               (v.isoformat() if isinstance(v, date) else v) for v in r) for r in items])
            bar.update(len(chunk["infusion_sessions"]))
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return counts


def generate(url, sessions):
    app, nurse, versions = prepare(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(text("infusion_sessions"))).scalar()
    if have == sessions:
        print(f"{have:,} sessions already there: skipping the fill")
        return app
    if have:
        sys.exit(f"The database already holds {have:,} sessions, not {sessions:,}: fill a fresh database "
                 f"(or run again with --sessions {have}).")
    rng = random.Random(20261124)
    now = datetime.now(timezone.utc)
    tz = ZoneInfo(app.config["CLINIC_TIMEZONE"])
    today = now.astimezone(tz).date()  # the chair board's day
    with engine.connect() as conn:
        head = conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")).one()
    day_starts = datetime.combine(today, dtime.min, tz).astimezone(timezone.utc)
    rows = _rows(sessions, sessions // SESSIONS_PER_PATIENT, nurse, versions, today, now, day_starts, tz, tuple(head), rng,
                 app.config["AUDIT_KEY"].encode("utf-8"))
    t0 = time.perf_counter()
    counts = (fill_postgres if url.startswith("postgresql") else fill_sqlite)(url, rows, sessions)
    elapsed = time.perf_counter() - t0
    print(f"filled in {elapsed:.0f} s: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    return app


REPORT = "reaction report, one year (JSON)"
BOARD = "chair board page"


@contextmanager
def bench_token(app):
    """A bearer token for the bench supervisor, revoked once the timing is done: a run leaves none behind."""
    from clinic.extensions import db
    from clinic.models import ApiToken
    from clinic.security import token_digest
    from clinic.services import accounts
    from clinic.services.actor import Actor

    with app.app_context():
        token = accounts.issue_token(Actor.system("bench"), accounts.find_user("bench-supervisor"), "bench")
        db.session.commit()
        db.session.remove()
    try:
        yield token
    finally:
        with app.app_context():
            token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == token_digest(token)))
            accounts.revoke_token(Actor.system("bench"), accounts.find_user("bench-supervisor"), token_id)
            db.session.commit()
            db.session.remove()


SESSION_PAGE = "session page"
SUMMARY = "visit summary PDF (API)"


def finished_chart(app) -> tuple[int, int, int]:
    """The latest discharged session with a reaction: the fullest chart a real day makes (baseline to
    discharge, a reaction and its flags). Return its id, its readings and its reactions."""
    from clinic.extensions import db
    from clinic.models import InfusionSession, ReactionEntry, VitalSigns

    with app.app_context():
        sid = db.session.scalar(select(func.max(InfusionSession.id)).where(
            InfusionSession.status == "discharged", InfusionSession.reaction_count > 0))
        readings, reactions = (db.session.scalar(select(func.count()).where(model.session_id == sid))
                               for model in (VitalSigns, ReactionEntry))
        db.session.remove()
    return sid, readings, reactions


def main_reads(app, token: str, sid: int) -> dict[str, tuple]:
    """The reads the targets name, as (test client, url, headers): the year's report and the visit summary
    through the API with a bearer token, the pages signed in as the bench supervisor."""
    from clinic.web import local_today

    with app.app_context():
        today = local_today()
    web, api = app.test_client(), app.test_client()
    web.post("/login", data={"username": "bench-supervisor", "password": "bench password 123"})
    bearer = {"Authorization": f"Bearer {token}"}
    return {
        REPORT: (api, f"/api/v1/reports/reactions?from={today - timedelta(days=365)}&to={today}", bearer),
        "review queue page": (web, "/review/", {}),
        "patient search page (name prefix)": (web, "/patients/?q=lopez12", {}),
        BOARD: (web, "/", {}),
        SESSION_PAGE: (web, f"/sessions/{sid}", {}),
        SUMMARY: (api, f"/api/v1/sessions/{sid}/summary.pdf", bearer),
    }


def _time(client, url, headers, runs):
    """Median of `runs` requests after a warm-up; return it and the last response."""
    client.get(url, headers=headers)  # warm up caches
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), response


def sessions_on_the_board(app) -> int:
    """How many sessions the chair board lists today: the fill's open sessions belong to the day it ran."""
    from clinic.extensions import db
    from clinic.models import utcnow
    from clinic.services import board
    from clinic.web import local_today

    with app.app_context():
        count = len(board.today(local_today(), utcnow()))
        db.session.remove()
    return count


def measure(app):
    on_board = sessions_on_the_board(app)
    sid, readings, reactions = finished_chart(app)
    chart = f" (session {sid}, discharged: {readings} readings, {reactions} reaction{'s' * (reactions != 1)})"
    notes = {BOARD: f" ({on_board} sessions today)", SESSION_PAGE: chart, SUMMARY: chart}
    with bench_token(app) as token:
        for name, (client, url, headers) in main_reads(app, token, sid).items():
            runs = 3 if name == REPORT else 7
            median, response = _time(client, url, headers, runs)
            note = f" ({response.get_json()['infusions']} infusions)" if name == REPORT else notes.get(name, "")
            print(f"{name:40s} median {median:8.1f} ms of {runs}{note}")
    if not on_board:
        print("The chair board listed no sessions: this database was filled on an earlier day, and the open "
              "sessions are that day's. Fill a fresh database to time a full board.")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True,
                        help="the database to fill (a PostgreSQL database is created if missing), then time")
    parser.add_argument("--sessions", type=int, default=1_000_000,
                        help=f"sessions in the year (default 1,000,000; at least {MIN_SESSIONS:,}: a patient for each "
                             f"of today's {TODAY_SESSIONS} open sessions, a patient to seven sessions); a database "
                             "already holding that many is timed without filling")
    args = parser.parse_args()
    if args.sessions < MIN_SESSIONS:
        parser.error(f"--sessions must be at least {MIN_SESSIONS:,}")
    if args.database_url.startswith("postgresql"):
        admin = create_engine(args.database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = args.database_url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    app = generate(args.database_url, args.sessions)
    measure(app)


if __name__ == "__main__":
    main()
