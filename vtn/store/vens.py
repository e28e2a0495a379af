"""Vens: plain SQL. BL reads and writes all; a VEN only those stamped with its clientID.

Only BL writes targets (Definition.md "Object Privacy"): a VEN's update leaves them as they are.
"""

from __future__ import annotations

from ..errors import NotFound
from ..notify import outbox
from . import jsonb, owner, translated

_COLUMNS = "id, created, modified, client_id, ven_name, attributes, targets, v301"

_SELECT = f"""
SELECT {_COLUMNS}
FROM ven
WHERE (%(id)s::text IS NULL OR id = %(id)s)
  AND (%(sees_all)s OR client_id = %(client_id)s)
  AND (%(ven_name)s::text IS NULL OR ven_name = %(ven_name)s)
  AND (%(targets)s::text[] IS NULL OR targets && %(targets)s)
ORDER BY seq
LIMIT %(limit)s OFFSET %(skip)s"""


def list_vens(conn, caller, ven_name=None, targets=None, skip=0, limit=50) -> list[dict]:
    """The vens the caller may read, in creation order."""
    args = owner(caller) | {"id": None, "ven_name": ven_name, "targets": targets, "skip": skip, "limit": limit}
    return conn.execute(_SELECT, args).fetchall()


def get_ven(conn, caller, ven_id: str) -> dict:
    """One ven the caller may read; NotFound otherwise."""
    args = owner(caller) | {"id": ven_id, "ven_name": None, "targets": None, "skip": 0, "limit": 1}
    row = conn.execute(_SELECT, args).fetchone()
    if row is None:
        raise NotFound(f"No ven {ven_id}.")
    return row


def _values(caller, ven: dict) -> dict:
    return {
        "owner": ven.get("client_id") if caller.sees_all else caller.client_id,
        "ven_name": ven["ven_name"],
        "attributes": jsonb(ven["attributes"]),
        "targets": ven.get("targets") or [],
        "v301": jsonb(ven.get("v301")),  # exact 3.0.1 forms; a 3.1.0 write clears them (014_v301.sql)
    }


def create_ven(conn, caller, ven: dict) -> dict:
    """Insert a ven: BL names its clientID; a VEN's is stamped with its own and has no targets."""
    with translated():
        row = conn.execute(
            f"""INSERT INTO ven (client_id, ven_name, attributes, targets, v301)
                VALUES (%(owner)s, %(ven_name)s, %(attributes)s, %(targets)s, %(v301)s)
                RETURNING {_COLUMNS}""",
            _values(caller, ven),
        ).fetchone()
    return _recorded(conn, "CREATE", row)


def update_ven(conn, caller, ven_id: str, ven: dict) -> dict:
    """Replace a ven the caller may write; a VEN keeps the owner and targets BL set."""
    with translated():
        row = conn.execute(
            f"""UPDATE ven SET ven_name = %(ven_name)s, attributes = %(attributes)s,
                    client_id = CASE WHEN %(sees_all)s THEN %(owner)s ELSE client_id END,
                    targets = CASE WHEN %(sees_all)s THEN %(targets)s ELSE targets END,
                    v301 = CASE WHEN %(sees_all)s THEN %(v301)s ELSE v301 END,
                    modified = now()
                WHERE id = %(id)s AND (%(sees_all)s OR client_id = %(client_id)s)
                RETURNING {_COLUMNS}""",
            _values(caller, ven) | owner(caller) | {"id": ven_id},
        ).fetchone()
    if row is None:
        raise NotFound(f"No ven {ven_id}.")
    return _recorded(conn, "UPDATE", row)


def delete_ven(conn, caller, ven_id: str) -> dict:
    """Delete a ven the caller may write, and its resources."""
    row = conn.execute(
        f"""DELETE FROM ven WHERE id = %(id)s AND (%(sees_all)s OR client_id = %(client_id)s)
            RETURNING {_COLUMNS}""",
        owner(caller) | {"id": ven_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No ven {ven_id}.")
    return _recorded(conn, "DELETE", row)


def _recorded(conn, operation: str, row: dict) -> dict:
    outbox.record(conn, "VEN", operation, row, owner=row["client_id"], ven_id=row["id"])
    return row
