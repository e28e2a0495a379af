"""Verification and settlement time for a synthetic fleet (the known-answer world of tests/test_verification.py).

    .venv/bin/python bench/verify_fleet.py [--vehicles 50] [--days 10]

Builds, on a scratch database of the PostgreSQL at 127.0.0.1:5432, one VEN with N vehicles charging at 7 kW,
D history weekdays of 15-minute USAGE readings, and a 2-hour paused event; then times the verification of the
event (X-of-Y 10-of-10) and a signed settlement export, and prints the fleet's shed (expected N x 14 kWh).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import Parties, make_config  # noqa: E402
from tests.pg import with_database  # noqa: E402
from vtn import create_app  # noqa: E402
from vtn.db import upgrade  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def report(event_id: str, day: date, vehicles: int, kwh: float, start: str, intervals: int) -> dict:
    """One report: every vehicle, ``intervals`` 15-minute USAGE intervals from ``start``."""
    rows = [{"id": i, "payloads": [{"type": "USAGE", "values": [kwh]}]} for i in range(intervals)]
    resources = [
        {
            "resourceName": f"vehicle-{n:05d}",
            "intervals": rows,
            "intervalPeriod": {"start": f"{day.isoformat()}T{start}Z", "duration": "PT15M"},
        }
        for n in range(vehicles)
    ]
    return {
        "eventID": event_id,
        "clientName": "fleet",
        "resources": resources,
        "payloadDescriptors": [{"payloadType": "USAGE", "units": "KWH"}],
    }


def weekdays_before(day: date, count: int) -> list[date]:
    """The ``count`` weekdays before ``day``."""
    found, cursor = [], day
    while len(found) < count:
        cursor -= timedelta(days=1)
        if cursor.weekday() < 5:
            found.append(cursor)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vehicles", type=int, default=50)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    name = f"vtn_bench_{uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = with_database(SERVER, name)
    try:
        upgrade(url)
        app = create_app(make_config(url), migrate=False)
        parties = Parties(app)
        bl, ven, auditor = parties("bl"), parties("ven"), parties("auditor")
        dr = bl.create("/programs", {"programName": "ev-peak"})
        meter_program = bl.create("/programs", {"programName": "telemetry"})
        bl.create("/vens", {"venName": "fleet", "clientID": ven.client_id, "targets": ["fleet"]})
        meter = bl.create(
            "/events",
            {
                "programID": meter_program["id"],
                "targets": ["fleet"],
                "intervalPeriod": {"start": "2026-01-01T00:00:00Z", "duration": "P365D"},
            },
        )
        event_day = date(2026, 7, 15)
        started = time.perf_counter()
        for day in weekdays_before(event_day, args.days):
            ven.create("/reports", report(meter["id"], day, args.vehicles, 1.75, "17:00:00", 8))
        event = bl.create(
            "/events",
            {
                "programID": dr["id"],
                "targets": ["fleet"],
                "intervalPeriod": {"start": "2026-07-15T17:00:00Z", "duration": "PT2H"},
                "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [0]}]}],
            },
        )
        ven.create("/reports", report(event["id"], event_day, args.vehicles, 0.0, "17:00:00", 8))
        readings = args.vehicles * 8 * (args.days + 1)
        print(f"loaded {readings} readings through the API in {time.perf_counter() - started:.1f} s")
        auth = {"Authorization": f"Bearer {auditor.token}"}
        started = time.perf_counter()
        result = auditor.http.get(f"/vtn/v1/events/{event['id']}/verification", headers=auth).get_json()
        took = time.perf_counter() - started
        print(
            f"verification of {args.vehicles} resources: {took * 1000:.0f} ms; fleet shed "
            f"{result['vens'][0]['shedKWh']:.1f} kWh (expected {args.vehicles * 14})"
        )
        query = {"since": "2026-07-01T00:00:00Z", "until": "2026-08-01T00:00:00Z", "perResource": "true"}
        started = time.perf_counter()
        response = auditor.http.get(f"/vtn/v1/programs/{dr['id']}/settlement", query_string=query, headers=auth)
        took = time.perf_counter() - started
        rows = response.data.count(b"\n") - 1
        print(f"signed settlement export, {rows} rows (per resource): {took * 1000:.0f} ms ({rows / took:.0f} rows/s)")
        app.extensions["vtn"].db.close()
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
