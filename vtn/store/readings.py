"""The telemetry index: report intervals as time series (migration 003), kept in step with the reports.

Interval timing follows User Guide 7.3 for reports: an interval's own intervalPeriod wins, else the resource's
(start and duration), and an interval without a start follows the previous one. A payload with several values
is split into equal sub-intervals. A DATA_QUALITY payload qualifies the other payloads of its interval
(User Guide 7.8); it is not a reading itself.
"""

from __future__ import annotations

from datetime import datetime

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
