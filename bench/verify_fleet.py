"""Verification and settlement time for a synthetic fleet (issue 5: one event over 10,000 resources within 2 s,
settlement export at least 50,000 rows/s).

    .venv/bin/python bench/verify_fleet.py [--vehicles 10000] [--per-ven 100] [--days 10] [--vens 1000]
                                           [--rebate-events 20] [--database NAME [--keep]] [--served]

Builds on the PostgreSQL at 127.0.0.1:5432 (bulk SQL, no API) the world of the brief: VENs of --per-ven vehicles
reporting every day 96 x 15-minute USAGE readings for --days history days and the event day (17:00-19:00Z,
X-of-Y 10-of-10 with weekends), and a settlement month: a WINDOW-baseline program (60 minutes) with
--rebate-events weekday events, on each of which every one of --vens VENs reports one AGGREGATED_REPORT of 12
x 15-minute USAGE readings. --database reuses (or, with --keep, builds and keeps) a named database.

Then it prints the verification time in-process (computed) and through the API (Flask test client; --served: a
real `vtn serve` over HTTP) at each detail level, computed ("cold") and answered from the stored result, and
settlement rows per second without and with stored results.
measure(url, event_id, program_id, month) does the same on any migrated world (bench/world.py's, say).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import psycopg
import requests
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import Parties, make_config  # noqa: E402
from tests.pg import with_database  # noqa: E402
from tests.served import ServedVTN  # noqa: E402
from vtn import create_app  # noqa: E402
from vtn.db import upgrade  # noqa: E402
from vtn.verify import verification  # noqa: E402
from vtn.verify.figures import DETAILS  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TODAY = datetime(2026, 6, 16, tzinfo=UTC)
EXT = "/vtn/v1"

# One statement per line of the plan; %(name)s are the sizes. Reports carry no documents (resources '[]'):
# verification reads only the readings, which are what vtn/store/readings.py would derive.
_WORLD = [
    """INSERT INTO client (client_id, name, role, secret_hash)
       SELECT 'ven-' || lpad(i::text, 4, '0'), 'fleet-' || lpad(i::text, 4, '0'), 'ven', 'x'
       FROM generate_series(0, %(vens)s - 1) i""",
    """INSERT INTO ven (id, client_id, ven_name) SELECT client_id, client_id, name FROM client WHERE role = 'ven'""",
    """INSERT INTO program (id, program_name) VALUES ('ev-peak', 'ev-peak'), ('telemetry', 'telemetry'),
       ('peak-rebate', 'peak-rebate')""",
    """INSERT INTO program_verification (program_id, settings) VALUES
       ('ev-peak', '{"baseline": "X_OF_Y", "x": 10, "y": 10, "weekdaysOnly": false}'),
       ('peak-rebate', '{"baseline": "WINDOW", "windowMinutes": 60}')""",
    """INSERT INTO event (id, program_id, event_name, interval_period, intervals, starts, ends)
       SELECT 'dr-event', 'ev-peak', 'evening peak',
              jsonb_build_object('start', to_char(%(today)s::date, 'YYYY-MM-DD') || 'T17:00:00Z', 'duration', 'PT2H'),
              '[{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [0]}]}]',
              %(today)s::timestamptz + interval '17 hours', %(today)s::timestamptz + interval '19 hours'""",
    """INSERT INTO event (id, program_id, event_name, interval_period, intervals, starts, ends)
       SELECT 'meter-' || d, 'telemetry', 'meter', jsonb_build_object('start',
              to_char(%(today)s::date - d, 'YYYY-MM-DD') || 'T00:00:00Z', 'duration', 'P1D'), '[]',
              %(today)s::timestamptz - d * interval '1 day', %(today)s::timestamptz - (d - 1) * interval '1 day'
       FROM generate_series(1, %(days)s) d""",
    """INSERT INTO event (id, program_id, event_name, interval_period, intervals, starts, ends)
       SELECT 'rebate-' || d, 'peak-rebate', 'rebate ' || d, jsonb_build_object('start',
              to_char(%(today)s::date - d, 'YYYY-MM-DD') || 'T17:00:00Z', 'duration', 'PT2H'), '[]',
              %(today)s::timestamptz - d * interval '1 day' + interval '17 hours',
              %(today)s::timestamptz - d * interval '1 day' + interval '19 hours'
       FROM generate_series(1, 31) d WHERE extract(isodow FROM %(today)s::date - d) < 6
       ORDER BY d LIMIT %(rebates)s""",
    """INSERT INTO report (id, client_id, event_id, program_id, client_name, resources)
       SELECT 'u-' || i || '-' || d, 'ven-' || lpad(i::text, 4, '0'),
              CASE WHEN d = 0 THEN 'dr-event' ELSE 'meter-' || d END,
              CASE WHEN d = 0 THEN 'ev-peak' ELSE 'telemetry' END, 'fleet', '[]'
       FROM generate_series(0, %(cohort)s - 1) i, generate_series(0, %(days)s) d""",
    # Vehicles charge 0-3 kWh a quarter hour; on the event day a quarter as much from 17:00 to 19:00.
    """INSERT INTO reading (report_id, client_id, event_id, program_id, resource_name, payload_type, interval_id,
                            sub_interval, starts, ends, value, reading_type, units)
       SELECT 'u-' || i || '-' || d, 'ven-' || lpad(i::text, 4, '0'),
              CASE WHEN d = 0 THEN 'dr-event' ELSE 'meter-' || d END,
              CASE WHEN d = 0 THEN 'ev-peak' ELSE 'telemetry' END,
              'ev-' || lpad(i::text, 4, '0') || '-' || lpad(j::text, 5, '0'), 'USAGE', s, 0,
              %(today)s::timestamptz - d * interval '1 day' + s * interval '15 minutes',
              %(today)s::timestamptz - d * interval '1 day' + (s + 1) * interval '15 minutes',
              round((3.0 * ((hashint8(i::bigint * 10000000 + j * 10000 + d * 100 + s) & 65535) / 65536.0)
                     * CASE WHEN d = 0 AND s >= 68 AND s < 76 THEN 0.25 ELSE 1 END)::numeric, 2)::float8,
              'DIRECT_READ', 'KWH'
       FROM generate_series(0, %(cohort)s - 1) i, generate_series(0, %(days)s) d,
            generate_series(0, %(per_ven)s - 1) j, generate_series(0, 95) s""",
    """INSERT INTO report (id, client_id, event_id, program_id, client_name, resources)
       SELECT 'r-' || i || '-' || e.id, 'ven-' || lpad(i::text, 4, '0'), e.id, 'peak-rebate', 'fleet', '[]'
       FROM generate_series(0, %(vens)s - 1) i, event e WHERE e.program_id = 'peak-rebate'""",
    # Each VEN's AGGREGATED_REPORT: 16:00-19:00, 60% less from 17:00.
    """INSERT INTO reading (report_id, client_id, event_id, program_id, resource_name, payload_type, interval_id,
                            sub_interval, starts, ends, value, reading_type, units)
       SELECT 'r-' || i || '-' || e.id, 'ven-' || lpad(i::text, 4, '0'), e.id, 'peak-rebate', 'AGGREGATED_REPORT',
              'USAGE', s, 0, e.starts - interval '1 hour' + s * interval '15 minutes',
              e.starts - interval '1 hour' + (s + 1) * interval '15 minutes',
              round(((50 + 200 * ((hashint8(i::bigint * 1000 + s) & 65535) / 65536.0))
                     * CASE WHEN s >= 4 THEN 0.4 ELSE 1 END)::numeric, 2)::float8, 'DIRECT_READ', 'KWH'
       FROM generate_series(0, %(vens)s - 1) i, event e, generate_series(0, 11) s
       WHERE e.program_id = 'peak-rebate'""",
]


def build(url: str, vehicles: int, per_ven: int, days: int, vens: int, rebates: int) -> None:
    """Migrate the empty database at ``url`` and load the world into it."""
    upgrade(url)
    cohort = -(-vehicles // per_ven)  # the VENs whose vehicles report daily
    sizes = {"cohort": cohort, "per_ven": per_ven, "days": days, "vens": max(vens, cohort), "rebates": rebates,
             "today": TODAY}  # fmt: skip
    with psycopg.connect(url) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        for statement in _WORLD:
            conn.execute(statement, sizes)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _best(runs: int, work) -> tuple[float, object]:
    """The fastest of ``runs`` calls of ``work()`` in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(
    url: str, event_id: str, program_id: str, month: tuple, runs: int = 3, served: bool = False, say=None
) -> dict:
    """Verification seconds (in-process, and through the API, per detail level) and settlement rows per second
    (CSV, per VEN; cold: no stored results, warm: stored) on the migrated world at ``url``; ``say(label, value)``
    is told each figure as it comes."""
    figures: dict = _Figures(say)
    with psycopg.connect(url, row_factory=dict_row) as conn, psycopg.connect(url, row_factory=dict_row) as other:

        @contextmanager
        def helper():
            with other.transaction():
                yield other

        for detail in DETAILS:
            seconds, result = _best(runs, lambda d=detail: verification.verify_event(conn, event_id, d, helper))
            figures[f"in-process detail={detail}"] = seconds
            if detail == "resources":
                figures["resources"] = sum(len(ven["resources"]) for ven in result["vens"])
        conn.rollback()
    app = create_app(make_config(url), migrate=False)
    auditor = Parties(app)("auditor", f"bench-{uuid4().hex[:6]}")
    server = ServedVTN(url, workers=2) if served else None
    get = _served_get(server, auditor) if server else _client_get(auditor)
    try:
        _warm(get, f"{EXT}/programs/{program_id}/verification")
        path = f"{EXT}/events/{event_id}/verification"
        for detail in DETAILS:  # cold: computed and stored; stored: answered from the stored result
            _forget(url, "id = %s", event_id)
            since = _now(url)
            figures[f"API cold detail={detail}"], _ = _best(1, lambda d=detail: get(path, {"detail": d}))
            _stored(url, event_id, since)  # the API stores the result once it has sent the answer
            figures[f"API stored detail={detail}"], _ = _best(runs, lambda d=detail: get(path, {"detail": d}))
        since, until = (moment.strftime("%Y-%m-%dT%H:%M:%SZ") for moment in month)
        query = {"since": since, "until": until}
        _forget(url, "program_id = %s", program_id)
        for label, repeat in (("cold", 1), ("warm", runs)):
            seconds, body = _best(repeat, lambda: get(f"{EXT}/programs/{program_id}/settlement", query))
            rows = body.count(b"\n") - 1
            figures[f"settlement {label} rows"], figures[f"settlement {label} rows/s"] = rows, rows / seconds
    finally:
        app.extensions["vtn"].db.close()
        if server:
            server.stop()
    return figures


def _warm(get, path: str) -> None:
    """A few cheap requests at once, so that what is timed is verification, not the workers' start-up (imports, the
    other worker still starting, database pools)."""
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: get(path, {}), range(8)))


def _now(url: str) -> datetime:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def _stored(url: str, event_id: str, since: datetime, seconds: float = 60) -> None:
    """Wait until the event has a result stored by a computation that started after ``since``."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT computed_at FROM verification_run WHERE event_id = %s", (event_id,)).fetchone()
            if row and row[0] >= since:
                return
            time.sleep(0.05)
    raise RuntimeError(f"no result of event {event_id} stored since {since}")


def _forget(url: str, which: str, value: str) -> None:
    """Delete the stored verification results of the events ``which`` (an SQL condition on event) selects."""
    with psycopg.connect(url) as conn:
        conn.execute(f"DELETE FROM verification_run WHERE event_id IN (SELECT id FROM event WHERE {which})", (value,))


class _Figures(dict):
    """A dict that tells each new figure."""

    def __init__(self, say):
        super().__init__()
        self.say = say

    def __setitem__(self, label, value):
        super().__setitem__(label, value)
        if self.say:
            self.say(label, value)


def _client_get(party):
    def get(path: str, query: dict) -> bytes:
        response = party.http.get(path, query_string=query, headers={"Authorization": f"Bearer {party.token}"})
        assert response.status_code == 200, response.data[:300]
        return response.data

    return get


def _served_get(server, party):
    token = server.token({"client_id": party.client_id, "client_secret": party.secret})

    def get(path: str, query: dict) -> bytes:
        headers = {"Authorization": f"Bearer {token}"}
        response = requests.get(server.base + path, params=query, headers=headers, timeout=600)
        response.raise_for_status()
        return response.content

    return get


def _say(label: str, value) -> None:
    print(f"{label}: {value:.3f}" if isinstance(value, float) else f"{label}: {value}", flush=True)


def main() -> None:
    """Build (or reuse) the world and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("vehicles", 10_000), ("per-ven", 100), ("days", 10), ("vens", 1000), ("rebate-events", 20),
                          ("runs", 3)):  # fmt: skip
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--database", help="a database to reuse, or to build and keep")
    parser.add_argument("--keep", action="store_true", help="keep the database built")
    parser.add_argument("--served", action="store_true", help="time the API over HTTP on a real `vtn serve`")
    args = parser.parse_args()
    name = args.database or f"vtn_bench_{uuid4().hex[:8]}"
    url = with_database(SERVER, name)
    with psycopg.connect(SERVER, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        if not exists:
            started = time.perf_counter()
            build(url, args.vehicles, args.per_ven, args.days, args.vens, args.rebate_events)
            print(f"built {name} in {time.perf_counter() - started:.0f} s")
        upgrade(url)
        month = (TODAY - timedelta(days=31), TODAY)
        measure(url, "dr-event", "peak-rebate", month, args.runs, args.served, _say)
    finally:
        if not (exists or args.keep):
            with psycopg.connect(SERVER, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
