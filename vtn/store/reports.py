"""Reports: plain SQL. A VEN reads and writes only its own reports (Definition.md "Object Privacy")."""

from __future__ import annotations

from psycopg.types.json import Json

from ..errors import NotFound
from ..notify import outbox
from . import events, owner, readings
from .wire_json import fetch_page, object_sql, page_sql

_COLUMNS = """id, created, modified, client_id, event_id, program_id, client_name, report_name, payload_descriptors,
    resources"""

_MATCHING = """
FROM report r
WHERE (%(id)s::text IS NULL OR r.id = %(id)s)
  AND (%(sees_all)s OR r.client_id = %(client_id)s)
  AND (%(program_id)s::text IS NULL OR r.program_id = %(program_id)s)
  AND (%(event_id)s::text IS NULL OR r.event_id = %(event_id)s)
  AND (%(client_name)s::text IS NULL OR r.client_name = %(client_name)s)
ORDER BY r.seq
LIMIT %(limit)s OFFSET %(skip)s"""

_SELECT = f"SELECT {_COLUMNS} {_MATCHING}"

# The report as the API returns it (wire/reports.py Report), built by PostgreSQL.
_WIRE = object_sql(
    "r",
    "REPORT",
    [
        ("eventID", "r.event_id"),
        ("clientName", "r.client_name"),
        ("reportName", "r.report_name"),
        ("payloadDescriptors", "r.payload_descriptors"),
        ("resources", "r.resources"),
        ("clientID", "r.client_id"),
    ],
)
_PAGE = page_sql(f"SELECT r.seq, {_WIRE} AS body {_MATCHING}")
# What a write returns: the ids the readings and the outbox need, and the response's JSON text.
_WRITTEN = f"r.id, r.client_id, r.event_id, r.program_id, {_WIRE}::text AS body"


def _list_args(caller, program_id, event_id, client_name, skip, limit) -> dict:
    return owner(caller) | {
        "id": None,
        "program_id": program_id,
        "event_id": event_id,
        "client_name": client_name,
        "skip": skip,
        "limit": limit,
    }


def list_reports(conn, caller, program_id=None, event_id=None, client_name=None, skip=0, limit=50) -> str:
    """The reports the caller may read, in creation order, as the response's JSON text."""
    return fetch_page(conn, _PAGE, _list_args(caller, program_id, event_id, client_name, skip, limit))


def list_report_rows(conn, caller, program_id=None, event_id=None, client_name=None, skip=0, limit=50) -> list[dict]:
    """The reports the caller may read, in creation order, as rows (for the 3.0.1 views, docs/versions.md)."""
    return conn.execute(_SELECT, _list_args(caller, program_id, event_id, client_name, skip, limit)).fetchall()


def get_report(conn, caller, report_id: str) -> dict:
    """One report the caller may read; NotFound otherwise."""
    args = owner(caller) | {
        "id": report_id,
        "program_id": None,
        "event_id": None,
        "client_name": None,
        "skip": 0,
        "limit": 1,
    }
    row = conn.execute(_SELECT, args).fetchone()
    if row is None:
        raise NotFound(f"No report {report_id}.")
    return row


def _values(conn, caller, report: dict) -> dict:
    # A VEN reports only on events it may read; the program is taken from the event.
    event = events.get_event(conn, caller, report["event_id"])
    return {
        "client_id": caller.client_id,
        "event_id": event["id"],
        "program_id": event["program_id"],
        "client_name": report["client_name"],
        "report_name": report["report_name"],
        # json columns (migration 011): sent as json, not jsonb, or PostgreSQL would parse a jsonb tree first.
        "payload_descriptors": None if report["payload_descriptors"] is None else Json(report["payload_descriptors"]),
        "resources": Json(report["resources"]),
    }


def create_report(conn, caller, report: dict) -> str:
    """Insert a report stamped with the caller's clientID; returns it as JSON text."""
    values = _values(conn, caller, report)
    row = conn.execute(
        f"""INSERT INTO report AS r (client_id, event_id, program_id, client_name, report_name,
                                     payload_descriptors, resources)
            VALUES (%(client_id)s, %(event_id)s, %(program_id)s, %(client_name)s, %(report_name)s,
                    %(payload_descriptors)s, %(resources)s)
            RETURNING {_WRITTEN}""",
        values,
    ).fetchone()
    return _recorded(conn, "CREATE", row, report)


def update_report(conn, caller, report_id: str, report: dict) -> str:
    """Replace one of the caller's reports; NotFound otherwise. Returns it as JSON text."""
    get_report(conn, caller, report_id)
    row = conn.execute(
        f"""UPDATE report AS r SET event_id = %(event_id)s, program_id = %(program_id)s,
                client_name = %(client_name)s, report_name = %(report_name)s,
                payload_descriptors = %(payload_descriptors)s, resources = %(resources)s, modified = now()
            WHERE r.id = %(id)s AND (%(sees_all)s OR r.client_id = %(client_id)s)
            RETURNING {_WRITTEN}""",
        _values(conn, caller, report) | owner(caller) | {"id": report_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No report {report_id}.")
    return _recorded(conn, "UPDATE", row, report)


def delete_report(conn, caller, report_id: str) -> str:
    """Delete one of the caller's reports; NotFound otherwise. Returns it as JSON text."""
    row = conn.execute(
        f"""DELETE FROM report AS r WHERE r.id = %(id)s AND (%(sees_all)s OR r.client_id = %(client_id)s)
            RETURNING {_WRITTEN}""",
        owner(caller) | {"id": report_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No report {report_id}.")
    return _recorded(conn, "DELETE", row, None)


def _recorded(conn, operation: str, row: dict, report: dict | None) -> str:
    """Index the readings (from the loaded request, not re-read from jsonb) and append the change."""
    if report is not None:  # a deleted report's readings go with it (ON DELETE CASCADE)
        readings.index_report(
            conn, {**row, "payload_descriptors": report["payload_descriptors"], "resources": report["resources"]}
        )
    outbox.record(
        conn, "REPORT", operation, row, program_id=row["program_id"], owner=row["client_id"], text=row["body"]
    )
    return row["body"]
