"""A realistic EV-fleet world for benchmarks, bulk-loaded into an empty PostgreSQL database.

    .venv/bin/python -m bench.world URL [--vens 1000] [--resources 100000] [--events 10000]
                                        [--readings 10000000] [--cohort 10000]

'Today' is 2026-06-16; the verification event runs 17:00-19:00Z that day. Everything is deterministic (ids are
md5-derived UUIDs) but the secret hash's salt. The world: a BL, an auditor and `vens` VEN clients sharing one
secret; one ven object per VEN (`fleet-0000`, targets its own name and `region-{i % 10}`), each with
resources/vens vehicles (`ev-0000-00000`) spread over 10 feeders (about one feeder per VEN in all); six programs;
`events` events over the year before today: by thirds targeted to a VEN, a region or a substation's three feeders
(mostly peak-pause, one in ten v2g-export, one in ten price), plus the verification event, one daily `metering`
event per history day and up to 20 `peak-rebate` weekday events in the month before today. Every VEN reports each
peak-rebate event (AGGREGATED_REPORT, 16:00-19:00Z); the cohort VENs report every vehicle's day (96 quarter hours)
for as many days as the readings budget pays for, but at least 11 (10 baseline days and the event day, so that
X-of-Y verification works): the readings may exceed the budget for that.

Rows are written as the API would store them (documents in the form the wire schemas load them to, lifespans from
vtn.timing, readings as vtn/store/readings.py derives them), but nothing goes through the notification outbox
and nothing is written to the audit trail: `vtn audit verify` still passes (the chain is empty, not broken), it
simply holds no record of the generated objects.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from vtn.auth.secrets import hash_secret
from vtn.db import upgrade
from vtn.wire.fields import format_datetime

from . import world_sql
from .world_sql import uid

TODAY = date(2026, 6, 16)
SECRET = "bench-world-secret-4f1c2a9e7d3b5a6c8e0f1a2b3c4d5e6f"
CREATED = datetime(2025, 6, 1, tzinfo=UTC)  # when the clients, vens and resources were registered
TABLES = ("client", "ven", "resource", "program", "program_verification", "event", "report", "reading")


@dataclass
class WorldSize:
    """How big a world to build (resources: vehicles in all; cohort: vehicles in the verification cohort)."""

    vens: int = 1000
    resources: int = 100_000
    events: int = 10_000
    readings: int = 10_000_000
    cohort: int = 10_000


@dataclass
class World:
    """What a benchmark needs to know of a built world."""

    bl: dict
    auditor: dict
    vens: list[dict]  # {"client_id", "secret", "ven_id", "ven_name", "targets": the targets to poll with}
    verification_event: str
    settlement_program: str
    month: tuple[datetime, datetime]
    program_ids: dict
    counts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Shape:
    """What a WorldSize works out to."""

    vens: int
    per_ven: int  # vehicles per VEN
    cohort_vens: int  # the first VENs, all of whose vehicles report daily
    feeders: int
    rebate_days: list[date]  # peak-rebate event days, oldest first
    history_days: list[date]  # the cohort's days before today, oldest first
    bulk_events: int


def shape(size: WorldSize) -> Shape:
    """Derive the world's proportions from its size."""
    per_ven = max(1, size.resources // size.vens)
    cohort_vens = min(size.vens, max(1, -(-size.cohort // per_ven)))
    rebate = _weekdays_before(TODAY, min(20, max(1, size.events // 10)))
    budget = size.readings - size.vens * len(rebate) * 12
    days = min(365, max(11, budget // (cohort_vens * per_ven * 96)))
    history = [TODAY - timedelta(days=back) for back in range(days - 1, 0, -1)]
    bulk = max(0, size.events - 1 - len(history) - len(rebate))
    return Shape(size.vens, per_ven, cohort_vens, max(10, size.vens), rebate, history, bulk)


def _weekdays_before(day: date, count: int) -> list[date]:
    """Up to ``count`` weekdays in the 31 days before ``day``, oldest first."""
    found = [day - timedelta(days=back) for back in range(1, 32) if (day - timedelta(days=back)).weekday() < 5]
    return sorted(found[:count])


def client_id(role: str, n: int) -> str:
    """A client id in the form `vtn client add` makes (role-16 hex digits)."""
    return f"{role}-{hashlib.md5(f'world:{role}:{n}'.encode()).hexdigest()[:16]}"


def ven_name(i: int) -> str:
    """The name (and own target) of VEN number ``i``."""
    return f"fleet-{i:04d}"


def feeder(s: Shape, i: int, k: int) -> str:
    """The k-th (0-9) feeder of VEN ``i``: each feeder is shared by about 10 VENs."""
    return f"feeder-{(i + k * (s.feeders // 10)) % s.feeders:04d}"


def vehicles(s: Shape, i: int) -> list[str]:
    """The resource names of VEN ``i``."""
    return [f"ev-{i:04d}-{j:05d}" for j in range(s.per_ven)]


def poll_targets(s: Shape, i: int) -> list[str]:
    """The targets VEN ``i`` polls with: its own, its region's, its vehicles' feeders."""
    return [ven_name(i), f"region-{i % 10}", *(feeder(s, i, k) for k in range(min(10, s.per_ven)))]


def _clients(conn, s: Shape) -> tuple[dict, dict]:
    """The BL, the auditor and the VEN clients, all with SECRET (hashed once: scrypt per client takes minutes)."""
    secret_hash = hash_secret(SECRET)
    rows = [(client_id("bl", 0), "utility DR system", "bl"), (client_id("auditor", 0), "settlement auditor", "auditor")]
    rows += [(client_id("ven", i), ven_name(i), "ven") for i in range(s.vens)]
    columns = ("client_id", "name", "role", "secret_hash", "created")
    world_sql.copy_rows(conn, "client", columns, ((*row, secret_hash, CREATED) for row in rows))
    return {"client_id": rows[0][0], "secret": SECRET}, {"client_id": rows[1][0], "secret": SECRET}


def _fleet(conn, s: Shape) -> list[dict]:
    """The ven objects and their vehicles; returns the VENs as World.vens lists them."""
    vens = [
        {
            "client_id": client_id("ven", i),
            "secret": SECRET,
            "ven_id": uid("ven", i),
            "ven_name": ven_name(i),
            "targets": poll_targets(s, i),
        }
        for i in range(s.vens)
    ]
    columns = ("id", "created", "modified", "client_id", "ven_name", "targets")
    rows = ((v["ven_id"], CREATED, CREATED, v["client_id"], v["ven_name"], v["targets"][:2]) for v in vens)
    world_sql.copy_rows(conn, "ven", columns, rows)
    columns = ("id", "created", "modified", "ven_id", "resource_name", "targets")
    rows = (
        (uid("resource", name), CREATED, CREATED, uid("ven", i), name, [feeder(s, i, j % 10)])
        for i in range(s.vens)
        for j, name in enumerate(vehicles(s, i))
    )
    world_sql.copy_rows(conn, "resource", columns, rows)
    return vens


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def _event(program: str, ids: dict, name: str, targets: list, start: datetime, kind: str, values: list) -> dict:
    """An eventRequest of len(values) quarter-hour intervals of one payload type, asking for USAGE reports."""
    intervals = [{"id": k, "payloads": [{"type": kind, "values": [v]}]} for k, v in enumerate(values)]
    period = {"start": format_datetime(start), "duration": "PT15M"}
    request = {"programID": ids[program], "eventName": name, "targets": targets, "intervalPeriod": period}
    return request | {"intervals": intervals, "payloadDescriptors": world_sql.PROGRAMS[program]}


_BULK = {7: ("v2g-export", "EXPORT_CAPACITY", 10), 9: ("price", "PRICE", 0.01)}  # by n % 10; else peak-pause


def _bulk_event(s: Shape, ids: dict, n: int) -> tuple[datetime, dict]:
    """Bulk event ``n``: a day of the past year, targeted (by n % 3) to a VEN, a region or a substation's feeders."""
    program, kind, step = _BULK.get(n % 10, ("peak-pause", "IMPORT_CAPACITY_LIMIT", 50))
    substation = [f"feeder-{(n // 3 * 13 + k) % s.feeders:04d}" for k in range(3)]
    targets = [[ven_name(n // 3 * 7919 % s.vens)], [f"region-{n // 3 % min(10, s.vens)}"], substation][n % 3]
    start = _midnight(TODAY - timedelta(days=1 + n * 7919 % 365)) + timedelta(minutes=15 * (24 + n * 31 % 56))
    values = [round(step * (1 + (n + k) % 8) + (0.1 if kind == "PRICE" else 0), 2) for k in range(8)]
    return start - timedelta(days=1), _event(program, ids, f"{program} {n:05d}", targets, start, kind, values)


def usage_event_name(day: date) -> str:
    """The event the cohort's report of ``day`` refers to: that day's metering event, or today's verification."""
    return f"fleet-verification {day}" if day == TODAY else f"metering {day}"


def _events(conn, s: Shape, ids: dict) -> dict:
    """Every event, in creation order; returns {event name: (id, program id)}."""
    regions = sorted({f"region-{i % 10}" for i in range(s.vens)})
    cohort = sorted({f"region-{i % 10}" for i in range(s.cohort_vens)})
    usage = {"reportDescriptors": [world_sql.USAGE]}
    planned = [_bulk_event(s, ids, n) for n in range(s.bulk_events)]
    for day in s.rebate_days:  # a limit for a VEN's whole fleet, as its AGGREGATED_REPORT measures it
        start = _midnight(day) + timedelta(hours=17)
        event = _event(
            "peak-rebate", ids, f"peak-rebate {day}", regions, start, "IMPORT_CAPACITY_LIMIT", [5 * s.per_ven] * 8
        )
        planned.append((start - timedelta(hours=29), event | usage))
    for day in s.history_days:
        period = {"start": format_datetime(_midnight(day)), "duration": "P1D"}
        event = {"programID": ids["metering"], "eventName": usage_event_name(day), "targets": cohort}
        planned.append((_midnight(day) - timedelta(days=1), event | usage | {"intervalPeriod": period}))
    start = _midnight(TODAY) + timedelta(hours=17)
    event = _event("fleet-verification", ids, usage_event_name(TODAY), cohort, start, "IMPORT_CAPACITY_LIMIT", [4] * 8)
    planned.append((start - timedelta(hours=29), event | usage))
    planned.sort(key=lambda item: (item[0], item[1]["eventName"]))
    named = {event["eventName"]: (uid("event", event["eventName"]), event["programID"]) for _, event in planned}
    world_sql.insert_events(conn, [(named[event["eventName"]][0], created, event) for created, event in planned])
    return named


def _report_plan(s: Shape, vens: list[dict], events: dict) -> list[tuple]:
    """One world_sql plan row per report, in creation order."""
    reports = []
    for day in s.rebate_days:
        # An AGGREGATED_REPORT from 16:00: 0.5-3 kWh per vehicle per 15 minutes, 60% less during the event (17-19h).
        start, values = _midnight(day) + timedelta(hours=16), (0.5 * s.per_ven, 2.5 * s.per_ven, 4, 12, 0.4)
        created = start + timedelta(hours=3, minutes=10)
        reports += [
            (created, i, f"peak-rebate {day}", start, 12, ["AGGREGATED_REPORT"], *values) for i in range(s.vens)
        ]
    for day in [*s.history_days, TODAY]:
        # Every vehicle's day: 0-3 kWh per 15 minutes, less during a peak-rebate event and today's event (17-19h).
        low = (68, 76, 0.25) if day == TODAY else (68, 76, 0.4) if day in s.rebate_days else (0, 0, 1.0)
        values = (0.0, 3.0, *low)
        created, name = _midnight(day) + timedelta(days=1, minutes=10), usage_event_name(day)
        reports += [(created, i, name, _midnight(day), 96, vehicles(s, i), *values) for i in range(s.cohort_vens)]
    reports.sort(key=lambda report: report[:2])
    plan = []
    for n, (created, i, event, start, *rest) in enumerate(reports, 1):
        ven, (event_id, program_id) = vens[i], events[event]
        plan.append((n, uid("report", event, i), ven["client_id"], event_id, program_id, ven["ven_name"],
                     f"{event} {ven['ven_name']}", created, start, format_datetime(start), *rest))  # fmt: skip
    return plan


def build(url: str, size: WorldSize, progress=print) -> World:
    """Migrate the (empty) database at ``url`` and fill it with the world of ``size``."""
    started = time.perf_counter()
    upgrade(url)
    s = shape(size)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        if conn.execute("SELECT count(*) AS n FROM client").fetchone()["n"]:
            raise ValueError("bench.world fills an empty database; this one has clients")
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        conn.execute("SET LOCAL work_mem = '256MB'")
        bl, auditor = _clients(conn, s)
        vens = _fleet(conn, s)
        progress(f"clients, vens, resources ({time.perf_counter() - started:.0f} s)")
        ids = world_sql.insert_programs(conn, CREATED)
        events = _events(conn, s, ids)
        progress(f"programs, events {len(events):,} ({time.perf_counter() - started:.0f} s)")
        world_sql.load_reports(conn, _report_plan(s, vens, events), progress, started)
    world_sql.vacuum_analyze(url)
    progress(f"vacuum analyze ({time.perf_counter() - started:.0f} s)")
    month_start = _midnight(TODAY - timedelta(days=31))
    return World(
        bl=bl,
        auditor=auditor,
        vens=vens,
        verification_event=events[usage_event_name(TODAY)][0],
        settlement_program=ids["peak-rebate"],
        month=(month_start, month_start + timedelta(days=31)),
        program_ids=ids,
        counts=world_sql.counts(url, TABLES),
    )


def main() -> None:
    """Build a world from the command line and print its counts, size and build time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    for name, default in vars(WorldSize()).items():
        parser.add_argument(f"--{name}", type=int, default=default)
    args = vars(parser.parse_args())
    url = args.pop("url")
    started = time.perf_counter()
    world = build(url, WorldSize(**args))
    took = time.perf_counter() - started
    with psycopg.connect(url) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    print(", ".join(f"{table} {n:,}" for table, n in world.counts.items()))
    print(f"built in {took:.0f} s; database size {size}")


if __name__ == "__main__":
    main()
