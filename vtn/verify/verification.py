"""Load-shed verification of an event: per VEN and resource, baseline vs measured, shed, export, compliance.

Measured power comes from the telemetry index (store/readings.py): DEMAND readings (kW) where a resource has
them, else USAGE (energy per interval, converted to average kW). Net import is positive; export (V2G) shows as
negative power and is counted as exported energy. The baseline is the program's method (docs/verification.md).
A slot without complete usable data stays None: missing data is reported, never filled with zeros.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..errors import Conflict, NotFound
from ..store.readings import interval_spans
from ..wire.verification import DEFAULTS
from . import baselines
from .baselines import Sample

_TO_KW = {"W": 0.001, "KW": 1.0, "MW": 1000.0}
_TO_KWH = {"WH": 0.001, "KWH": 1.0, "MWH": 1000.0}
_LIMITS = ("IMPORT_CAPACITY_LIMIT", "EXPORT_CAPACITY_LIMIT")
# A V2G event asks for export: the private string EXPORT_CAPACITY (the request this VTN's programs use) or the
# enumerated EXPORT_CAPACITY_RESERVATION; compliance is exported power at least the requested kW.
_EXPORT_REQUESTS = ("EXPORT_CAPACITY", "EXPORT_CAPACITY_RESERVATION")

_EVENT = """
SELECT e.id, e.program_id, e.event_name, e.interval_period, e.intervals,
       CASE WHEN isfinite(e.starts) THEN e.starts END AS starts, CASE WHEN isfinite(e.ends) THEN e.ends END AS ends,
       coalesce(v.settings, '{}'::jsonb) AS settings
FROM event e LEFT JOIN program_verification v ON v.program_id = e.program_id
WHERE e.id = %(id)s"""

_PARTICIPANTS = """
SELECT DISTINCT r.client_id, (SELECT min(ven_name) FROM ven WHERE ven.client_id = r.client_id) AS ven_name
FROM report r WHERE r.event_id = %(id)s ORDER BY r.client_id"""

_READINGS = """
SELECT resource_name, payload_type, starts, ends, value, units, quality
FROM reading
WHERE client_id = %(client_id)s AND payload_type IN ('DEMAND', 'USAGE', 'BASELINE')
  AND starts < %(until)s AND ends > %(since)s
ORDER BY resource_name, starts, sub_interval"""

_EVENT_DAYS = """
SELECT DISTINCT (starts AT TIME ZONE %(tz)s)::date AS day FROM event
WHERE program_id = %(program_id)s AND isfinite(starts) AND starts < %(before)s"""


def settings_of(event: dict) -> dict:
    """The program's verification settings, defaults filled in."""
    return DEFAULTS | dict(event["settings"])


def verify_event(conn, event_id: str) -> dict:
    """The verification of one event: per VEN (with per resource detail) and in total."""
    event = conn.execute(_EVENT, {"id": event_id}).fetchone()
    if event is None:
        raise NotFound(f"No event {event_id}.")
    if event["starts"] is None or event["ends"] is None:
        raise Conflict(f"Event {event_id} has no bounded timing to verify against.")
    settings = settings_of(event)
    slots = baselines.slots(event["starts"], event["ends"], timedelta(minutes=settings["slotMinutes"]))
    limits = _limits(event, slots)
    excluded = _event_days(conn, event, settings)
    vens = []
    for participant in conn.execute(_PARTICIPANTS, {"id": event_id}).fetchall():
        series = _series(conn, participant["client_id"], event, settings)
        resources = [
            _resource(name, kinds, event, settings, slots, limits, excluded) for name, kinds in sorted(series.items())
        ]
        vens.append(
            {
                "clientID": participant["client_id"],
                "venName": participant["ven_name"],
                **_totals(_counted(resources), slots),
                "resources": resources,
            }
        )
    return {
        "eventID": event["id"],
        "programID": event["program_id"],
        "eventName": event["event_name"],
        "eventStart": event["starts"],
        "eventEnd": event["ends"],
        "settings": settings,
        **_totals(vens, slots),
        "vens": vens,
    }


def _event_days(conn, event: dict, settings: dict) -> set:
    args = {"tz": settings["timezone"], "program_id": event["program_id"], "before": event["starts"]}
    return {row["day"] for row in conn.execute(_EVENT_DAYS, args).fetchall()}


def _series(conn, client_id: str, event: dict, settings: dict) -> dict:
    """{resource: {"DEMAND"|"USAGE"|"BASELINE": [Sample]}} over the event and its baseline history."""
    days = max(settings["y"] * 2 + 14, 3) if settings["baseline"] == "X_OF_Y" else 2
    since = event["starts"] - timedelta(days=days, minutes=settings["windowMinutes"])
    args = {"client_id": client_id, "since": since, "until": event["ends"]}
    found: dict = defaultdict(lambda: defaultdict(list))
    for row in conn.execute(_READINGS, args).fetchall():
        found[row["resource_name"]][row["payload_type"]].append(_sample(row))
    return found


def _sample(row: dict) -> Sample:
    value, units = row["value"], (row["units"] or "").upper()
    kw = None
    if value is not None:
        if row["payload_type"] == "USAGE" or units in _TO_KWH:
            hours = (row["ends"] - row["starts"]).total_seconds() / 3600
            kw = value * _TO_KWH.get(units, 1.0) / hours if hours > 0 else None
        else:
            kw = value * _TO_KW.get(units, 1.0)
    return Sample(row["starts"], row["ends"], kw, row["quality"])


def _resource(name, kinds, event, settings, slots, limits, excluded) -> dict:
    samples = kinds.get("DEMAND") or kinds.get("USAGE") or []
    measured = baselines.measured(samples, slots)
    baseline = _baseline(kinds, samples, event, settings, slots, excluded)
    return {"resourceName": name, **_figures(baseline, measured, limits, slots)}


def _baseline(kinds, samples, event, settings, slots, excluded) -> list:
    if settings["baseline"] == "REPORTED":
        return baselines.reported_baseline(kinds.get("BASELINE", []), slots)
    if settings["baseline"] == "WINDOW":
        return baselines.window_baseline(samples, event["starts"], timedelta(minutes=settings["windowMinutes"]), slots)
    return baselines.x_of_y_baseline(
        samples,
        event["starts"],
        event["ends"],
        slots,
        x=settings["x"],
        y=settings["y"],
        excluded_days=excluded,
        weekdays_only=settings["weekdaysOnly"],
        adjustment_hours=settings["adjustmentHours"],
        adjustment_gap_hours=settings["adjustmentGapHours"],
        cap=settings["cap"],
        tz=ZoneInfo(settings["timezone"]),
    )


def _figures(baseline: list, measured: list, limits: list, slots: list) -> dict:
    """Per-slot detail and totals over the slots that have both a baseline and a measurement."""
    rows, complete = [], 0
    for (start, end), base, meas, (imp, exp, req) in zip(slots, baseline, measured, limits, strict=True):
        shed = None if base is None or meas is None else base - meas
        complete += shed is not None
        rows.append(
            {
                "start": start,
                "end": end,
                "baselineKW": base,
                "measuredKW": meas,
                "shedKW": shed,
                "importLimitKW": imp,
                "exportLimitKW": exp,
                "exportRequestKW": req,
            }
        )
    return {
        "baselineKWh": _kwh(rows, "baselineKW", both=True),
        "measuredKWh": _kwh(rows, "measuredKW", both=True),
        "shedKWh": _kwh(rows, "shedKW"),
        "exportedKWh": _exported(rows),
        "maxShedKW": max((r["shedKW"] for r in rows if r["shedKW"] is not None), default=None),
        "compliant": _compliant(rows),
        "completeness": complete / len(slots) if slots else 0.0,
        "dataQuality": _quality(complete / len(slots) if slots else 0.0),
        "slots": rows,
    }


def _hours(row: dict) -> float:
    return (row["end"] - row["start"]).total_seconds() / 3600


def _kwh(rows: list, key: str, both: bool = False) -> float | None:
    usable = [r for r in rows if r[key] is not None and (not both or r["shedKW"] is not None)]
    return sum(r[key] * _hours(r) for r in usable) if usable else None


def _exported(rows: list) -> float | None:
    usable = [r for r in rows if r["measuredKW"] is not None]
    return sum(max(0.0, -r["measuredKW"]) * _hours(r) for r in usable) if usable else None


def _compliant(rows: list) -> bool | None:
    """True when every measured slot with a limit kept to it; None when no slot had both."""
    checked = []
    for r in rows:
        if r["measuredKW"] is None:
            continue
        if r["importLimitKW"] is not None:
            checked.append(r["measuredKW"] <= r["importLimitKW"] + 1e-9)
        if r["exportLimitKW"] is not None:
            checked.append(-r["measuredKW"] <= r["exportLimitKW"] + 1e-9)
        if r["exportRequestKW"] is not None:
            checked.append(-r["measuredKW"] >= r["exportRequestKW"] - 1e-9)
    return all(checked) if checked else None


def _limits(event: dict, slots: list) -> list[tuple]:
    """Per slot, the import limit, export limit and export request the event set (kW), each None if unset."""
    spans = interval_spans(event["intervals"] or [], event["interval_period"] or {})
    found = []
    for start, end in slots:
        limit = {kind: None for kind in (*_LIMITS, *_EXPORT_REQUESTS)}
        for (s, e), interval in spans:
            if s is not None and s <= start and (e is None or end <= e):
                for payload in interval["payloads"]:
                    if payload["type"] in limit and payload["values"]:
                        limit[payload["type"]] = float(payload["values"][0])
        request = next((limit[k] for k in _EXPORT_REQUESTS if limit[k] is not None), None)
        found.append((limit["IMPORT_CAPACITY_LIMIT"], limit["EXPORT_CAPACITY_LIMIT"], request))
    return found


def _counted(resources: list) -> list:
    # A VEN that reports individual resources and an AGGREGATED_REPORT would count twice: sum the individual ones.
    individual = [r for r in resources if r["resourceName"] != "AGGREGATED_REPORT"]
    return individual or resources


def _totals(parts: list, slots: list) -> dict:
    def total(key):
        values = [p[key] for p in parts if p.get(key) is not None]
        return sum(values) if values else None

    complete = [p["completeness"] for p in parts]
    summed = [_slot_sum(p["slots"][n]["shedKW"] for p in parts if "slots" in p) for n in range(len(slots))]
    return {
        "baselineKWh": total("baselineKWh"),
        "measuredKWh": total("measuredKWh"),
        "shedKWh": total("shedKWh"),
        "exportedKWh": total("exportedKWh"),
        "maxShedKW": max((s for s in summed if s is not None), default=None),
        "slots": [
            {"start": start, "end": end, "shedKW": shed} for (start, end), shed in zip(slots, summed, strict=True)
        ],
        "compliant": None
        if all(p["compliant"] is None for p in parts)
        else all(p["compliant"] is not False for p in parts),
        "completeness": min(complete) if complete else 0.0,
    }


def _slot_sum(values) -> float | None:
    """The sum of the parts' values for one slot; None if any part lacks it (or there is none)."""
    values = list(values)
    return None if not values or any(v is None for v in values) else sum(values)


_PROGRAM_EVENTS = """
SELECT id FROM event
WHERE program_id = %(program_id)s AND isfinite(starts) AND isfinite(ends)
  AND starts < %(until)s AND ends > %(since)s
ORDER BY starts, seq"""


def settlement_rows(conn, program_id: str, since: datetime, until: datetime, per_resource: bool):
    """(row count, rows): one row per event x VEN (per resource when asked) of a program's events in a period."""
    args = {"program_id": program_id, "since": since, "until": until}
    results = [verify_event(conn, row["id"]) for row in conn.execute(_PROGRAM_EVENTS, args).fetchall()]
    rows = [row for result in results for row in _rows_of(result, per_resource)]
    return len(rows), iter(rows)


def _rows_of(result: dict, per_resource: bool):
    head = {
        "programID": result["programID"],
        "eventID": result["eventID"],
        "eventName": result["eventName"],
        "eventStart": result["eventStart"],
        "eventEnd": result["eventEnd"],
    }
    for ven in result["vens"]:
        for part in ven["resources"] if per_resource else [ven]:
            figures = {key: part[key] for key in _FIGURES}
            yield {
                **head,
                "clientID": ven["clientID"],
                "venName": ven["venName"],
                "resourceName": part.get("resourceName", ""),
                **figures,
                "dataQuality": _quality(part["completeness"]),
            }


_FIGURES = ("baselineKWh", "measuredKWh", "shedKWh", "exportedKWh", "maxShedKW", "compliant", "completeness")


def _quality(completeness: float) -> str:
    return "COMPLETE" if completeness >= 1 else ("MISSING" if completeness == 0 else "INCOMPLETE")
