"""The storage half of bench/world.py: rows in the form the API stores them, written by COPY and bulk SQL.

Programs, their verification settings and events are written by COPY, in the form the API's wire schemas load
them to. Reports and their readings are built in PostgreSQL from a plan of one row per report: the documents and
their index rows (migration 003) come from the same plan row and the same value expression, so that the readings
are exactly what vtn/store/readings.py would derive from the documents. The reading table's indexes and foreign
key are dropped for the load and recreated from their own catalog definitions (much faster than maintaining them
row by row; the schema ends as the migrations made it).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid

import psycopg
from psycopg import sql

from vtn.timing import lifespan
from vtn.wire.events import EventRequest
from vtn.wire.programs import ProgramRequest
from vtn.wire.verification import VerificationSettings

PLAN_COLUMNS = (
    "ord",
    "report_id",
    "client_id",
    "event_id",
    "program_id",
    "client_name",
    "report_name",
    "created",
    "start",
    "start_text",
    "intervals",
    "names",
    "base",
    "span",
    "low_from",
    "low_to",
    "low_factor",
)

USAGE = {"payloadType": "USAGE", "readingType": "DIRECT_READ", "units": "KWH"}  # what events ask VENs to report
DESCRIPTOR = {"objectType": "REPORT_PAYLOAD_DESCRIPTOR", **USAGE}  # what every generated report declares

_PLAN_TABLE = """
CREATE TEMP TABLE world_plan (
    ord integer PRIMARY KEY, report_id text NOT NULL, client_id text NOT NULL, event_id text NOT NULL,
    program_id text NOT NULL, client_name text NOT NULL, report_name text NOT NULL, created timestamptz NOT NULL,
    start timestamptz NOT NULL, start_text text NOT NULL, intervals integer NOT NULL, names text[] NOT NULL,
    base double precision NOT NULL, span double precision NOT NULL, low_from integer NOT NULL,
    low_to integer NOT NULL, low_factor double precision NOT NULL
) ON COMMIT DROP"""

_COPY_PLAN = f"COPY world_plan ({', '.join(PLAN_COLUMNS)}) FROM STDIN"

# One reading's kWh: deterministic noise in [base, base + span), times low_factor in intervals [low_from, low_to),
# rounded to 0.01. Its text (float8's shortest round-trip form, as Python's json.dumps writes floats) goes into the
# document and the float itself into the reading, so that the two agree bit for bit.
_VALUE = """(round((p.base + p.span * (hashint8(p.ord::bigint * 100000000 + u.r * 1000 + s) & 65535)::float8 / 65536)
               * CASE WHEN s >= p.low_from AND s < p.low_to THEN p.low_factor ELSE 1 END * 100) / 100)"""

# The documents are written as JSON text and cast once: building them with jsonb_build_object/jsonb_agg re-encodes
# every nested level and is about ten times slower.
_REPORTS = f"""
INSERT INTO report (id, created, modified, client_id, event_id, program_id, client_name, report_name,
                    payload_descriptors, resources)
SELECT p.report_id, p.created, p.created, p.client_id, p.event_id, p.program_id, p.client_name, p.report_name,
       %(descriptors)s::jsonb,
       ('[' || (SELECT string_agg(
                    '{{"resourceName":' || to_json(u.name)::text || ',"intervalPeriod":{{"start":"' || p.start_text
                    || '","duration":"PT15M"}},"intervals":['
                    || (SELECT string_agg('{{"id":' || s || ',"payloads":[{{"type":"USAGE","values":['
                                          || {_VALUE}::text || ']}}]}}', ',' ORDER BY s)
                        FROM generate_series(0, p.intervals - 1) AS s)
                    || ']}}', ',' ORDER BY u.r)
                FROM unnest(p.names) WITH ORDINALITY AS u(name, r)) || ']')::jsonb
FROM world_plan p
WHERE p.ord BETWEEN %(first)s AND %(last)s
ORDER BY p.ord"""

_READINGS = f"""
INSERT INTO reading (report_id, client_id, event_id, program_id, resource_name, payload_type, interval_id,
                     sub_interval, starts, ends, value, text_value, reading_type, units, quality)
SELECT p.report_id, p.client_id, p.event_id, p.program_id, u.name, 'USAGE', s, 0,
       p.start + s * interval '15 minutes', p.start + (s + 1) * interval '15 minutes', {_VALUE},
       NULL, %(reading_type)s, %(units)s, NULL
FROM world_plan p
     CROSS JOIN LATERAL unnest(p.names) WITH ORDINALITY AS u(name, r)
     CROSS JOIN LATERAL generate_series(0, p.intervals - 1) AS s
WHERE p.ord BETWEEN %(first)s AND %(last)s"""

_INDEXES = """
SELECT indexname AS name, indexdef AS definition FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = 'reading'"""

_FOREIGN_KEYS = """
SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
WHERE conrelid = 'reading'::regclass AND contype = 'f'"""

_PROGRAM_COLUMNS = (
    *("id", "created", "modified", "program_name", "interval_period", "program_descriptions"),
    *("payload_descriptors", "attributes", "targets"),
)
_EVENT_COLUMNS = (
    *("id", "created", "modified", "program_id", "event_name", "priority", "duration", "targets"),
    *("report_descriptors", "payload_descriptors", "interval_period", "intervals", "starts", "ends"),
)


def copy_rows(conn, table: str, columns: tuple, rows) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``table``; returns how many."""
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _json(value) -> str | None:
    return None if value is None else json.dumps(value)


def uid(*parts) -> str:
    """A deterministic UUID (as text) for the object named by ``parts``."""
    return str(uuid.UUID(hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()))


def _payload(kind: str, units: str = "KW", **currency) -> dict:
    return {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": kind, "units": units, **currency}


PROGRAMS = {
    "peak-pause": [_payload("IMPORT_CAPACITY_LIMIT")],
    "v2g-export": [_payload("EXPORT_CAPACITY")],
    "price": [_payload("PRICE", "KWH", currency="EUR")],
    "metering": [{"objectType": "REPORT_PAYLOAD_DESCRIPTOR", **USAGE}],
    "peak-rebate": [_payload("IMPORT_CAPACITY_LIMIT")],
    "fleet-verification": [_payload("IMPORT_CAPACITY_LIMIT")],
}
_SETTINGS = {
    "peak-rebate": {"baseline": "WINDOW", "windowMinutes": 60},
    "fleet-verification": {"baseline": "X_OF_Y", "x": 10, "y": 10, "weekdaysOnly": False},
}


def insert_programs(conn, created) -> dict:
    """The programs and the verification settings of two of them, loaded through the API's wire schemas."""
    ids, rows = {name: uid("program", name) for name in PROGRAMS}, []
    for name, descriptors in PROGRAMS.items():
        url = f"https://dso.example/programs/{name}"
        request = {"programName": name, "payloadDescriptors": descriptors, "programDescriptions": [{"URL": url}]}
        loaded = ProgramRequest().load(request)
        documents = [_json(loaded[key]) for key in _PROGRAM_COLUMNS[4:8]]
        rows.append((ids[name], created, created, name, *documents, loaded["targets"] or []))
    copy_rows(conn, "program", _PROGRAM_COLUMNS, rows)
    settings = [(ids[name], _json(VerificationSettings().load(value))) for name, value in _SETTINGS.items()]
    copy_rows(conn, "program_verification", ("program_id", "settings"), settings)
    return ids


# eventRequest member -> stored (loaded) key.
EVENT_KEYS = {
    "program_id": "programID",
    "event_name": "eventName",
    "duration": "duration",
    "priority": "priority",
    "targets": "targets",
    "report_descriptors": "reportDescriptors",
    "payload_descriptors": "payloadDescriptors",
    "interval_period": "intervalPeriod",
    "intervals": "intervals",
}


def insert_events(conn, events: list[tuple]) -> int:
    """Events from (id, created, eventRequest), in that order, with their lifespan as vtn/store/events.py has it.

    The requests must already be in stored form (what EventRequest loads them to, but for the member names):
    loading 10,000 events takes half a minute, so the first of each program and one in 50 are checked.
    """
    schema, checked = EventRequest(), set()

    def rows():
        for n, (event_id, created, request) in enumerate(events):
            stored = {key: request.get(member) for key, member in EVENT_KEYS.items()}
            check = n % 50 == 0 or stored["program_id"] not in checked
            checked.add(stored["program_id"])
            if check and schema.load(request) != stored:
                raise ValueError(f"event {request['eventName']!r} is not in the form the API stores")
            starts, ends = lifespan(stored["interval_period"], stored["intervals"], stored["duration"])
            documents = [_json(stored[key]) for key in _EVENT_COLUMNS[8:12]]
            yield (event_id, created, created, stored["program_id"], stored["event_name"], stored["priority"],
                   stored["duration"], stored["targets"] or [], *documents, starts, ends)  # fmt: skip

    return copy_rows(conn, "event", _EVENT_COLUMNS, rows())


def load_reports(conn, plan: list[tuple], progress, started: float) -> int:
    """Insert the planned reports and their readings (indexes rebuilt after); returns how many readings."""
    conn.execute("SET LOCAL extra_float_digits = 1")  # float8 text in its shortest round-trip form
    conn.execute(_PLAN_TABLE)
    with conn.cursor() as cur, cur.copy(_COPY_PLAN) as copy:
        for row in plan:
            copy.write_row(row)
    conn.execute("ANALYZE world_plan")
    total = sum(len(row[11]) * row[10] for row in plan)
    indexes, keys = _drop_reading_indexes(conn)
    done = 0
    for first, last, count in _chunks(plan, max(50_000, total // 25)):
        args = {"first": first, "last": last}
        conn.execute(_REPORTS, args | {"descriptors": json.dumps([DESCRIPTOR])})
        conn.execute(_READINGS, args | {"reading_type": DESCRIPTOR["readingType"], "units": DESCRIPTOR["units"]})
        done += count
        progress(f"readings {done:,} / {total:,} ({time.perf_counter() - started:.0f} s)")
    _recreate(conn, indexes, keys, progress, started)
    return total


def _chunks(plan: list[tuple], target: int):
    """(first ord, last ord, readings) of consecutive plan rows holding about ``target`` readings each."""
    first, count = None, 0
    for row in plan:
        first = row[0] if first is None else first
        count += len(row[11]) * row[10]
        if count >= target:
            yield first, row[0], count
            first, count = None, 0
    if first is not None:
        yield first, plan[-1][0], count


def _drop_reading_indexes(conn) -> tuple[list[dict], list[dict]]:
    """Drop the reading table's indexes and foreign keys; returns their definitions."""
    indexes = conn.execute(_INDEXES).fetchall()
    keys = conn.execute(_FOREIGN_KEYS).fetchall()
    for key in keys:
        conn.execute(sql.SQL("ALTER TABLE reading DROP CONSTRAINT {}").format(sql.Identifier(key["name"])))
    for index in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index["name"])))
    return indexes, keys


def _recreate(conn, indexes: list[dict], keys: list[dict], progress, started: float) -> None:
    """Recreate the dropped indexes and foreign keys exactly as the catalog described them."""
    for index in indexes:
        conn.execute(sql.SQL(index["definition"]))  # verbatim from pg_indexes
        progress(f"index {index['name']} ({time.perf_counter() - started:.0f} s)")
    for key in keys:
        statement = sql.SQL("ALTER TABLE reading ADD CONSTRAINT {} {}").format(
            sql.Identifier(key["name"]), sql.SQL(key["definition"])
        )
        conn.execute(statement)
        progress(f"constraint {key['name']} ({time.perf_counter() - started:.0f} s)")


def vacuum_analyze(url: str) -> None:
    """VACUUM ANALYZE the whole database (outside any transaction)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def counts(url: str, tables: tuple) -> dict:
    """Rows per table."""
    with psycopg.connect(url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}
