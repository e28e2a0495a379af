"""The telemetry index: report intervals as time series (migration 003), kept in step with the reports.

Interval timing follows User Guide 7.3 for reports: an interval's own intervalPeriod wins, else the resource's
(start and duration), and an interval without a start follows the previous one. A payload with several values
is split into equal sub-intervals. A DATA_QUALITY payload qualifies the other payloads of its interval
(User Guide 7.8); it is not a reading itself. Verification reads it by windows of time (the queries below the
writer's; docs/verification.md), helped by migration 007's usable kW, window index and per-report extents.
"""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from ..timing import Unbounded, add_duration
from ..wire.fields import parse_datetime

_COLUMNS = (
    "report_id",
    "client_id",
    "event_id",
    "program_id",
    "resource_name",
    "payload_type",
    "interval_id",
    "sub_interval",
    "starts",
    "ends",
    "value",
    "text_value",
    "reading_type",
    "units",
    "quality",
)
_COPY = f"COPY reading ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
# Binary COPY: no text formatting of timestamps and floats (report ingest, bench/README.md).
_TYPES = ["text"] * 6 + ["int4", "int4", "timestamptz", "timestamptz", "float8"] + ["text"] * 4

_SERIES = """
SELECT resource_name, payload_type, starts, ends, value, text_value, reading_type, units, quality, report_id
FROM reading
WHERE client_id = %(client_id)s AND payload_type = %(payload_type)s
  AND (%(resource_name)s::text IS NULL OR resource_name = %(resource_name)s)
  AND starts < %(until)s AND ends > %(since)s
ORDER BY resource_name, starts, sub_interval"""

_KEYS = """
SELECT client_id, resource_name, payload_type, longest FROM reading_key
WHERE client_id = ANY(%(clients)s) AND payload_type = ANY(%(types)s)"""

# Per VEN, resource and type: for every reading overlapping a window and the period, window n * WIDTH + the cell
# it fills exactly (WIDTH - 1 when it fills none), and its usable kW; the codes as one bytea of big-endian int32 (one
# Python object, not an int per reading). The cells of window n are steps of step[n] from lo[n], the last one ending
# at hi[n]. A reading overlapping [lo, hi) starts no earlier than lo - its VEN's longest reading. Grouped by hashing
# (_PLANNING), the arrays keep the rows' order: window by window, by start (the caller checks it and copes with any
# other).
_WINDOWS = """
SELECT c.client_id, g.resource_name, g.payload_type, g.cells, g.kws
FROM unnest(%(clients)s::text[], %(bounds)s::interval[]) AS c(client_id, bound)
CROSS JOIN LATERAL (
    SELECT x.resource_name, x.payload_type, string_agg(int4send(x.cell), '') AS cells, array_agg(x.kw) AS kws
    FROM (
        SELECT r.resource_name, r.payload_type, r.kw, (p.n - 1)::int * %(width)s + coalesce(
                   CASE WHEN r.starts >= p.lo AND r.ends = least(r.starts + p.step, p.hi)
                             AND date_bin(p.step, r.starts, p.lo) = r.starts
                        THEN floor(date_part('epoch', r.starts - p.lo) / date_part('epoch', p.step))::int END,
                   %(width)s - 1) AS cell
        FROM unnest(%(lo)s::timestamptz[], %(hi)s::timestamptz[], %(step)s::interval[])
             WITH ORDINALITY AS p(lo, hi, step, n)
        CROSS JOIN LATERAL (
            SELECT r.resource_name, r.payload_type, r.starts, r.ends, r.kw FROM reading r
            WHERE r.client_id = c.client_id AND r.payload_type = ANY(%(types)s)
              AND r.starts < p.hi AND r.starts >= p.lo - c.bound AND r.ends > p.lo
              AND r.starts < %(until)s AND r.ends > %(since)s
            OFFSET 0) r) x
    GROUP BY x.resource_name, x.payload_type) g"""
_PLANNING = {"enable_sort": "off", "work_mem": "64MB", "jit": "off"}  # for _WINDOWS, in its transaction only
_SET = "SELECT " + ", ".join(f"current_setting('{name}'), set_config('{name}', %s, true)" for name in _PLANNING)
_RESTORE = "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in _PLANNING)

# The readings of some resources over some windows, in time order (for what the cells above cannot answer); equal
# starts (duplicates) in a fixed order, so that sums over them do not depend on the query plan.
_READINGS = """
SELECT f.client_id, r.resource_name, r.payload_type, f.n, r.starts, r.ends, r.kw
FROM unnest(%(clients)s::text[], %(types)s::text[], %(windows)s::int[], %(bounds)s::interval[], %(names)s::jsonb[])
     AS f(client_id, payload_type, n, bound, names)
CROSS JOIN LATERAL (
    SELECT r.resource_name, r.payload_type, r.starts, r.ends, r.kw, r.sub_interval, r.report_id, r.interval_id
    FROM reading r
    WHERE r.client_id = f.client_id AND r.payload_type = f.payload_type
      AND r.resource_name IN (SELECT jsonb_array_elements_text(f.names))
      AND r.starts < (%(hi)s::timestamptz[])[f.n + 1] AND r.starts >= (%(lo)s::timestamptz[])[f.n + 1] - f.bound
      AND r.ends > (%(lo)s::timestamptz[])[f.n + 1] AND r.starts < %(until)s AND r.ends > %(since)s) r
ORDER BY f.client_id, r.resource_name, r.payload_type, f.n, r.starts, r.sub_interval, r.ends, r.report_id,
         r.interval_id"""

# Which of some series (client, resource, type) have a reading overlapping [since, until): found through the
# per-report extents; a report that spans the whole period is asked for its readings.
_IN_PERIOD = """
SELECT k.client_id, k.resource_name, k.payload_type
FROM unnest(%(clients)s::text[], %(names)s::text[], %(types)s::text[]) AS k(client_id, resource_name, payload_type)
WHERE EXISTS (
    SELECT 1 FROM reading_span s
    WHERE s.client_id = k.client_id AND s.resource_name = k.resource_name AND s.payload_type = k.payload_type
      AND s.last_end > %(since)s AND s.first_start < %(until)s
      AND (s.last_start < %(until)s OR s.first_end > %(since)s OR EXISTS (
          SELECT 1 FROM reading r
          WHERE r.report_id = s.report_id AND r.resource_name = s.resource_name AND r.payload_type = s.payload_type
            AND r.starts < %(until)s AND r.ends > %(since)s)))"""


def index_report(conn, report: dict) -> int:
    """(Re)write the readings of one stored report row; returns how many."""
    conn.execute("DELETE FROM reading WHERE report_id = %(id)s", {"id": report["id"]})
    rows = list(readings_of(report))
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        copy.set_types(_TYPES)
        for row in rows:
            copy.write_row(row)
    return len(rows)


def series(
    conn, client_id: str, payload_type: str, since: datetime, until: datetime, resource_name: str | None = None
) -> list[dict]:
    """A VEN's readings of one payload type overlapping [since, until), per resource in time order."""
    args = {
        "client_id": client_id,
        "payload_type": payload_type,
        "resource_name": resource_name,
        "since": since,
        "until": until,
    }
    return conn.execute(_SERIES, args).fetchall()


def series_keys(conn, clients: list[str], types: list[str]) -> list[tuple]:
    """(client, resource, type, longest reading) of every series of these VENs and types ever read."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(_KEYS, {"clients": clients, "types": types}).fetchall()


def window_cells(conn, clients: list, bounds: list, windows: list, types: list, width: int, period: tuple) -> list:
    """(client, resource, type, cell codes (bytes), kWs) for the readings in ``windows`` [(lo, hi, step)] (_WINDOWS)."""
    lo, hi, step = (list(column) for column in zip(*windows, strict=True)) if windows else ([], [], [])
    args = {"clients": clients, "bounds": bounds, "lo": lo, "hi": hi, "step": step, "types": types, "width": width}
    with conn.cursor(row_factory=tuple_row) as cur:
        before = cur.execute(_SET, list(_PLANNING.values())).fetchone()[::2]
        try:
            return cur.execute(_WINDOWS, args | {"since": period[0], "until": period[1]}, binary=True).fetchall()
        finally:
            cur.execute(_RESTORE, before)


def window_readings(conn, wanted: list, windows: list, period: tuple) -> list:
    """(client, resource, type, window, starts, ends, kW) in time order for [(client, type, window, bound, names)]."""
    if not wanted:
        return []
    clients, types, numbers, bounds, names = (list(column) for column in zip(*wanted, strict=True))
    args = {
        "clients": clients,
        "types": types,
        "windows": numbers,
        "bounds": bounds,
        "names": [Jsonb(list(group)) for group in names],
        "lo": [w[0] for w in windows],
        "hi": [w[1] for w in windows],
        "since": period[0],
        "until": period[1],
    }
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(_READINGS, args).fetchall()


def in_period(conn, series: list[tuple], period: tuple) -> list[tuple]:
    """Those of the series (client, resource, type) with a reading overlapping the period [since, until)."""
    clients, names, types = (list(column) for column in zip(*series, strict=True))
    args = {"clients": clients, "names": names, "types": types, "since": period[0], "until": period[1]}
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(_IN_PERIOD, args).fetchall()


def readings_of(report: dict):
    """Yield one tuple (in _COLUMNS order) per value of a report row's resources."""
    descriptors = {d["payloadType"]: d for d in report.get("payload_descriptors") or []}
    head = (report["id"], report["client_id"], report["event_id"], report["program_id"])
    for resource in report["resources"]:
        for (starts, ends), interval in interval_spans(resource["intervals"], resource.get("intervalPeriod") or {}):
            quality = _quality(interval["payloads"])
            for payload in interval["payloads"]:
                if payload["type"] == "DATA_QUALITY":
                    continue
                described = descriptors.get(payload["type"], {})
                values = payload["values"]
                for n, value in enumerate(values):
                    sub_start, sub_end = _sub_interval(starts, ends, n, len(values))
                    numeric = isinstance(value, int | float) and not isinstance(value, bool)
                    yield (
                        *head,
                        resource["resourceName"],
                        payload["type"],
                        interval["id"],
                        n,
                        sub_start,
                        sub_end,
                        float(value) if numeric else None,
                        None if numeric else str(value),
                        described.get("readingType"),
                        described.get("units"),
                        quality,
                    )


def interval_spans(intervals: list[dict], default: dict) -> list[tuple[tuple, dict]]:
    """Each interval with its absolute (start, end), either None when unknown (User Guide 7.3)."""
    spans, cursor = [], None
    for interval in intervals:
        starts, ends = _timing(interval.get("intervalPeriod") or {}, default, cursor)
        cursor = ends
        spans.append(((starts, ends), interval))
    return spans


def _timing(own: dict, default: dict, cursor: datetime | None) -> tuple[datetime | None, datetime | None]:
    start_text = own.get("start") or (None if cursor else default.get("start"))
    start = parse_datetime(start_text) if start_text else cursor
    duration = own.get("duration") or default.get("duration")
    if start is None or start.year == 1 or not duration:
        return (None, None) if start is None or start.year == 1 else (start, None)
    try:
        return start, add_duration(start, duration)
    except Unbounded:
        return start, None


def _sub_interval(starts, ends, n: int, count: int):
    if count == 1 or starts is None or ends is None:
        return starts, ends
    step = (ends - starts) / count
    return starts + step * n, starts + step * (n + 1)


def _quality(payloads: list[dict]) -> str | None:
    for payload in payloads:
        if payload["type"] == "DATA_QUALITY" and payload["values"]:
            return str(payload["values"][0])
    return None
