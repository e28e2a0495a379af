"""Programs: plain SQL. Deleting marks a program deleted; reports and events keep referring to it."""

from __future__ import annotations

from ..errors import Conflict, NotFound
from ..notify import outbox
from . import jsonb, translated
from .targeting import SCOPE_CTE, params, shown_targets, visible

_RETURNING = """RETURNING id, created, modified, program_name, interval_period, program_descriptions,
    payload_descriptors, attributes, targets, v301"""

_SELECT = f"""
WITH {SCOPE_CTE}
SELECT p.id, p.created, p.modified, p.program_name, p.interval_period, p.program_descriptions,
       p.payload_descriptors, p.attributes, {shown_targets("p")} AS targets, p.v301
FROM program p, scope s
WHERE p.deleted IS NULL
  AND (%(id)s::text IS NULL OR p.id = %(id)s)
  AND {visible("p")}
ORDER BY p.seq
LIMIT %(limit)s OFFSET %(skip)s"""


def _values(program: dict) -> dict:
    return {
        "program_name": program["program_name"],
        "interval_period": jsonb(program["interval_period"]),
        "program_descriptions": jsonb(program["program_descriptions"]),
        "payload_descriptors": jsonb(program["payload_descriptors"]),
        "attributes": jsonb(program["attributes"]),
        "targets": program["targets"] or [],
        "v301": jsonb(program.get("v301")),  # exact 3.0.1 forms (014_v301.sql); a 3.1.0 write clears them
    }


def list_programs(conn, caller, targets=None, skip=0, limit=50) -> list[dict]:
    """The programs the caller may read, in creation order."""
    args = params(caller, targets) | {"id": None, "skip": skip, "limit": limit}
    return conn.execute(_SELECT, args).fetchall()


def get_program(conn, caller, program_id: str) -> dict:
    """One program the caller may read; NotFound otherwise."""
    args = params(caller, None) | {"id": program_id, "skip": 0, "limit": 1}
    row = conn.execute(_SELECT, args).fetchone()
    if row is None:
        raise NotFound(f"No program {program_id}.")
    return row


def create_program(conn, program: dict) -> dict:
    """Insert a program; Conflict when its name is taken."""
    with translated():
        row = conn.execute(
            f"""INSERT INTO program (program_name, interval_period, program_descriptions, payload_descriptors,
                                     attributes, targets, v301)
                VALUES (%(program_name)s, %(interval_period)s, %(program_descriptions)s,
                        %(payload_descriptors)s, %(attributes)s, %(targets)s, %(v301)s)
                {_RETURNING}""",
            _values(program),
        ).fetchone()
    outbox.record(conn, "PROGRAM", "CREATE", row, program_id=row["id"])
    return row


def update_program(conn, program_id: str, program: dict, keep=None) -> dict:
    """Replace a live program's fields; NotFound or Conflict.

    ``keep(stored, program)``, when given, returns ``program`` with what the writer's version cannot express taken
    from the stored row (docs/versions.md: a PUT keeps what its version cannot express).
    """
    if keep is not None:
        program = keep(_locked(conn, program_id), program)
    with translated():
        row = conn.execute(
            f"""UPDATE program SET program_name = %(program_name)s, interval_period = %(interval_period)s,
                    program_descriptions = %(program_descriptions)s,
                    payload_descriptors = %(payload_descriptors)s, attributes = %(attributes)s,
                    targets = %(targets)s, v301 = %(v301)s, modified = now()
                WHERE id = %(id)s AND deleted IS NULL
                {_RETURNING}""",
            _values(program) | {"id": program_id},
        ).fetchone()
    if row is None:
        raise NotFound(f"No program {program_id}.")
    outbox.record(conn, "PROGRAM", "UPDATE", row, program_id=row["id"])
    return row


def _locked(conn, program_id: str) -> dict:
    """The stored fields of a live program, locked for this transaction's update; NotFound otherwise."""
    row = conn.execute(
        "SELECT attributes, targets, v301 FROM program WHERE id = %(id)s AND deleted IS NULL FOR UPDATE",
        {"id": program_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No program {program_id}.")
    return row


def delete_program(conn, program_id: str) -> dict:
    """Mark a program deleted; Conflict while it still has live events (delete those first)."""
    locked = conn.execute(
        "SELECT id FROM program WHERE id = %(id)s AND deleted IS NULL FOR UPDATE", {"id": program_id}
    ).fetchone()
    if locked is None:
        raise NotFound(f"No program {program_id}.")
    events = conn.execute(
        "SELECT count(*) AS n FROM event WHERE program_id = %(id)s AND deleted IS NULL", {"id": program_id}
    ).fetchone()["n"]
    if events:
        raise Conflict(f"Program {program_id} still has {events} event(s); delete them first.")
    row = conn.execute(
        f"UPDATE program SET deleted = now(), modified = now() WHERE id = %(id)s {_RETURNING}", {"id": program_id}
    ).fetchone()
    outbox.record(conn, "PROGRAM", "DELETE", row, program_id=row["id"])
    return row


def lock_live_program(conn, program_id: str) -> None:
    """Hold a live program against deletion for this transaction; NotFound if there is none."""
    row = conn.execute(
        "SELECT id FROM program WHERE id = %(id)s AND deleted IS NULL FOR SHARE", {"id": program_id}
    ).fetchone()
    if row is None:
        raise NotFound(f"No program {program_id}.")
