"""Reports: plain SQL. A VEN reads and writes only its own reports (Definition.md "Object Privacy")."""

from __future__ import annotations

from ..errors import NotFound
from ..notify import outbox
from . import events, jsonb, owner, readings

_COLUMNS = """id, created, modified, client_id, event_id, program_id, client_name, report_name, payload_descriptors,
    resources"""

_SELECT = f"""
SELECT {_COLUMNS}
FROM report
WHERE (%(id)s::text IS NULL OR id = %(id)s)
  AND (%(sees_all)s OR client_id = %(client_id)s)
  AND (%(program_id)s::text IS NULL OR program_id = %(program_id)s)
  AND (%(event_id)s::text IS NULL OR event_id = %(event_id)s)
  AND (%(client_name)s::text IS NULL OR client_name = %(client_name)s)
ORDER BY seq
LIMIT %(limit)s OFFSET %(skip)s"""


def list_reports(conn, caller, program_id=None, event_id=None, client_name=None, skip=0, limit=50) -> list[dict]:
    """The reports the caller may read, in creation order."""
    args = owner(caller) | {
        "id": None,
        "program_id": program_id,
        "event_id": event_id,
        "client_name": client_name,
        "skip": skip,
        "limit": limit,
    }
    return conn.execute(_SELECT, args).fetchall()


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
        "payload_descriptors": jsonb(report["payload_descriptors"]),
        "resources": jsonb(report["resources"]),
    }


def create_report(conn, caller, report: dict) -> dict:
    """Insert a report stamped with the caller's clientID."""
    row = conn.execute(
        f"""INSERT INTO report (client_id, event_id, program_id, client_name, report_name, payload_descriptors,
                                resources)
            VALUES (%(client_id)s, %(event_id)s, %(program_id)s, %(client_name)s, %(report_name)s,
                    %(payload_descriptors)s, %(resources)s)
            RETURNING {_COLUMNS}""",
        _values(conn, caller, report),
    ).fetchone()
    return _recorded(conn, "CREATE", row)


def update_report(conn, caller, report_id: str, report: dict) -> dict:
    """Replace one of the caller's reports; NotFound otherwise."""
    get_report(conn, caller, report_id)
    row = conn.execute(
        f"""UPDATE report SET event_id = %(event_id)s, program_id = %(program_id)s, client_name = %(client_name)s,
                report_name = %(report_name)s, payload_descriptors = %(payload_descriptors)s,
                resources = %(resources)s, modified = now()
            WHERE id = %(id)s AND (%(sees_all)s OR client_id = %(client_id)s)
            RETURNING {_COLUMNS}""",
        _values(conn, caller, report) | owner(caller) | {"id": report_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No report {report_id}.")
    return _recorded(conn, "UPDATE", row)


def delete_report(conn, caller, report_id: str) -> dict:
    """Delete one of the caller's reports; NotFound otherwise."""
    row = conn.execute(
        f"""DELETE FROM report WHERE id = %(id)s AND (%(sees_all)s OR client_id = %(client_id)s)
            RETURNING {_COLUMNS}""",
        owner(caller) | {"id": report_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No report {report_id}.")
    return _recorded(conn, "DELETE", row)


def _recorded(conn, operation: str, row: dict) -> dict:
    if operation != "DELETE":  # a deleted report's readings go with it (ON DELETE CASCADE)
        readings.index_report(conn, row)
    outbox.record(conn, "REPORT", operation, row, program_id=row["program_id"], owner=row["client_id"])
    return row
