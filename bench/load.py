"""Chairside load: gunicorn serving the app, concurrent clients on 127.0.0.1, each scenario a ratio to /healthz.

The default scenario is a busy center's real load: 8 concurrent connections on gunicorn with 2 workers.
The server holds a network's 1,000 sessions under way with real-sized charts (a baseline and ten more
readings each); 50 of them are today's, which the chair board lists (one center's day), the others were
checked in the day before. Scenarios: the session page and the chair board on those charts, then
recording vitals (API POST, spread over every session, so each chart grows by a few), and a trivial endpoint
(/healthz) measured first and again last on the same server, so each figure has its baseline beside it
(the mean of the two) and a change of the machine's speed during the run shows.

The targets (issue 21 and 23): recording vitals at least 0.15 of /healthz's throughput, the chair board and
the session page at least 0.12, and the p99 of each at most 12 times /healthz's p99.
"""
from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.scale import sessions_on_the_board  # noqa: E402
from tests.system.conftest import Server  # noqa: E402

PASSWORD = "bench password 123"
AGAIN = "trivial (/healthz), again"
ON_THE_BOARD = 50
READINGS_AT_THE_START = 11
# scenario: (least throughput, most p99), each as a ratio to /healthz's in the same run
TARGETS = {"record vitals (API POST)": (0.15, 12), "session page": (0.12, 12), "chair board": (0.12, 12)}


def make_database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return "sqlite:///" + str(folder / "load.sqlite3")
    name = "chairside_load_" + uuid.uuid4().hex[:8]
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    return f"postgresql+psycopg://postgres@127.0.0.1/{name}"


def drop_database(url: str) -> None:
    """A PostgreSQL run leaves nothing behind (SQLite's file goes with the run's temporary folder)."""
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def seed(url: str, sessions: int, readings: int) -> tuple[str, list[int]]:
    """Migrate, make a nurse with a token, and check in `sessions` started sessions with `readings` readings each;
    the first 50 today (the board lists them), the others the day before."""
    import click
    from flask_migrate import upgrade

    from clinic import create_app
    from clinic.extensions import db
    from clinic.services import accounts, catalog
    from clinic.services.actor import Actor
    from clinic.web import local_today

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        catalog.load(Actor.system("bench"))
        user = accounts.create_user(Actor.system("bench"), "loadnurse", "Load Nurse", "nurse", PASSWORD)
        token = accounts.issue_token(Actor.system("bench"), user, "load")
        nurse = Actor.for_user(user, "bench")
        today = local_today()  # the clinic's day, which the chair board lists; the UTC date is the next one each evening
        with click.progressbar(range(sessions), label="Checking in sessions", file=sys.stderr) as numbers:
            ids = [_started_session(nurse, today if i < ON_THE_BOARD else today - timedelta(days=1), i, readings)
                   for i in numbers]
        db.session.commit()
        db.session.remove()
    on_board = sessions_on_the_board(app)
    if on_board != min(sessions, ON_THE_BOARD):
        raise RuntimeError(f"the chair board lists {on_board} sessions, not today's {min(sessions, ON_THE_BOARD)}")
    return token, ids


def _started_session(nurse, day, i: int, readings: int) -> int:
    """A session under way: checked in, checked, a baseline reading, started an hour ago, charted since."""
    from clinic.services import patients
    from clinic.services import sessions as svc

    now = datetime.now(timezone.utc)
    p = patients.register(nurse, mrn=f"L{i}", first_name="Load", last_name=f"Patient{i}", date_of_birth="1980-01-01")
    s = svc.check_in(nurse, day, patient_id=p.id, drug="ivig", chair=str(i % ON_THE_BOARD + 1), weight_kg="70")
    svc.confirm_checks(nurse, s.id, list(svc.definition_of(s).required_checks(s.infusion_number)))
    svc.record_vitals(nurse, s.id, taken_at=now - timedelta(minutes=70), phase="baseline", systolic=120, diastolic=80,
                      heart_rate=72, resp_rate=14, temperature_c="36.8", spo2=98, on_oxygen=False,
                      consciousness="alert")
    svc.start(nurse, s.id, at=now - timedelta(minutes=60))
    for n in range(1, readings):
        svc.record_vitals(nurse, s.id, taken_at=now - timedelta(minutes=60 - 5 * n), phase="during",
                          systolic=118 + n % 5, diastolic=78, heart_rate=70 + n % 7, spo2=97)
    return s.id


def chart_sizes(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = sorted(conn.execute(text("SELECT count(*) FROM vital_signs GROUP BY session_id")).scalars())
    engine.dispose()
    return counts[0], counts[len(counts) // 2], counts[-1]


def login_cookie(server: Server) -> str:
    status, cookie = server.log_in(*server.login_form(), "loadnurse", PASSWORD)
    if status != 302:
        raise RuntimeError(f"the bench nurse could not log in (HTTP {status})")
    return cookie


def run(server: Server, clients: int, seconds: float, make_request) -> dict:
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n):
        mine, bad, i = [], 0, 0
        while time.monotonic() < deadline and i < 100_000:
            method, path, body, headers, ok = make_request(n, i)
            i += 1
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
            finally:
                conn.close()
            mine.append(time.perf_counter() - t0)
            bad += status not in ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    return {"requests": len(ordered), "rps": len(ordered) / elapsed, "p50": pct(0.50), "p95": pct(0.95),
            "p99": pct(0.99), "errors": errors[0], "mean": statistics.mean(ordered) * 1000}


def verdict(name: str, result: dict, base: dict) -> str:
    """Say whether a scenario met its target: throughput and p99, each as a ratio to /healthz's."""
    if name not in TARGETS:
        return ""
    least, most = TARGETS[name]
    met = result["rps"] / base["rps"] >= least and result["p99"] / base["p99"] <= most and not result["errors"]
    return f"{'met' if met else 'NOT met'} (>= {least} and p99 <= {most}x)"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite",
                        help="a temporary SQLite file, or a fresh database on the PostgreSQL server at 127.0.0.1:5432 "
                             "(user postgres, trust authentication), dropped after (default sqlite)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients, each one request at a time "
                                                              "(default 8)")
    parser.add_argument("--seconds", type=float, default=20, help="length of each scenario (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--sessions", type=int, default=1000,
                        help="sessions under way that the requests go round (default 1000; the first 50 are today's)")
    parser.add_argument("--readings", type=int, default=READINGS_AT_THE_START,
                        help=f"readings charted on each session before the run (default {READINGS_AT_THE_START})")
    parser.add_argument("--only", choices=["vitals", "page", "board"], action="append",
                        help="run the trivial endpoint and only this scenario; repeat the option for several "
                             "(--only vitals --only board)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chairside-load-"))
    url = make_database(args.database, folder)
    server = None
    try:
        token, ids = seed(url, args.sessions, args.readings)
        server = Server(url, folder / "gunicorn.log", workers=args.workers).start()
        cookie = login_cookie(server)

        def pick(n, i):  # client n's i-th request: every session in turn, none twice in a row
            return ids[(n + args.clients * i) % len(ids)]

        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        scenarios = {
            "trivial (/healthz)": lambda n, i: ("GET", "/healthz", None, {}, {200}),
            # The reads first, on the charts as seeded; the writes then make them grow.
            "session page": lambda n, i: ("GET", f"/sessions/{pick(n, i)}", None, {"Cookie": cookie}, {200}),
            "chair board": lambda n, i: ("GET", "/", None, {"Cookie": cookie}, {200}),
            "record vitals (API POST)": lambda n, i: (
                "POST", f"/api/v1/sessions/{pick(n, i)}/vitals",
                json.dumps({"taken_at": datetime.now(timezone.utc).isoformat(), "phase": "during",
                            "heart_rate": 60 + i % 40, "systolic": 120, "diastolic": 80}), auth, {201}),
        }
        keep = {"vitals": "record vitals (API POST)", "page": "session page", "board": "chair board"}
        if args.only:
            scenarios = {name: make for name, make in scenarios.items()
                         if name.startswith("trivial") or name in {keep[o] for o in args.only}}
        # The machine's speed can change within a run: the trivial endpoint is measured again at the end,
        # and the ratios are to the mean of the two.
        runs = [*scenarios.items(), (AGAIN, scenarios["trivial (/healthz)"])]
        results = {}
        for number, (name, make) in enumerate(runs, 1):
            print(f"scenario {number} of {len(runs)}: {name}, {args.seconds:.0f} s", file=sys.stderr, flush=True)
            results[name] = run(server, args.clients, args.seconds, make)
        first = results["trivial (/healthz)"]
        keys = ("rps", "p50", "p95", "p99")
        base = {key: (first[key] + results[AGAIN][key]) / 2 for key in keys}
        print(f"{args.database}, gunicorn {args.workers} workers, {args.clients} clients, {args.seconds:.0f} s each")
        print(f"{'scenario':28s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'errors':>7s} "
              + " ".join(f"{key + '/trivial':>11s}" for key in keys) + "  target")
        for name, r in results.items():
            print(f"{name:28s} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:7d} "
                  + " ".join(f"{r[key] / base[key]:11.3f}" for key in keys) + "  " + verdict(name, r, base))
        drift = abs(results[AGAIN]["rps"] - first["rps"]) / base["rps"]
        print(f"the trivial endpoint's throughput changed by {drift:.0%} of its mean between the start and the end"
              + (": the machine's speed moved during the run, so read the ratios as rough and run again"
                 if drift > 0.2 else ""))
        fewest, median, most = chart_sizes(url)
        print(f"readings per session: {args.readings} each during the reads; {fewest} to {most} (median {median}) "
              f"over {len(ids)} sessions at the end")
        print(f"the chair board listed today's {min(len(ids), ON_THE_BOARD)} sessions")
    finally:
        if server is not None:
            server.stop()
        drop_database(url)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: gunicorn stopped, the database dropped")
