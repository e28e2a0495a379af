"""Resources: plain SQL. A resource belongs to a ven, and is readable by whoever may read that ven.

Only BL writes targets (Definition.md "Object Privacy"): a VEN's update leaves them as they are.
"""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from ..notify import outbox
from . import jsonb, owner, translated, vens

_RETURNING = """RETURNING id, created, modified, ven_id, resource_name, attributes, targets, v301,
    (SELECT client_id FROM ven WHERE ven.id = resource.ven_id) AS client_id"""

_SELECT = """
SELECT r.id, r.created, r.modified, v.client_id, r.ven_id, r.resource_name, r.attributes, r.targets, r.v301
FROM resource r JOIN ven v ON v.id = r.ven_id
WHERE (%(id)s::text IS NULL OR r.id = %(id)s)
  AND (%(sees_all)s OR v.client_id = %(client_id)s)
  AND (%(ven_id)s::text IS NULL OR r.ven_id = %(ven_id)s)
  AND (%(resource_name)s::text IS NULL OR r.resource_name = %(resource_name)s)
  AND (%(targets)s::text[] IS NULL OR r.targets && %(targets)s)
ORDER BY r.seq
LIMIT %(limit)s OFFSET %(skip)s"""


def list_resources(conn, caller, ven_id=None, resource_name=None, targets=None, skip=0, limit=50):
    """The resources the caller may read, in creation order."""
    args = owner(caller) | {
        "id": None,
        "ven_id": ven_id,
        "resource_name": resource_name,
        "targets": targets,
        "skip": skip,
        "limit": limit,
    }
    return conn.execute(_SELECT, args).fetchall()


def get_resource(conn, caller, resource_id: str) -> dict:
    """One resource the caller may read; NotFound otherwise."""
    args = owner(caller) | {
        "id": resource_id,
        "ven_id": None,
        "resource_name": None,
        "targets": None,
        "skip": 0,
        "limit": 1,
    }
    row = conn.execute(_SELECT, args).fetchone()
    if row is None:
        raise NotFound(f"No resource {resource_id}.")
    return row


def _values(conn, caller, resource: dict) -> dict:
    ven = vens.get_ven(conn, caller, resource["ven_id"])
    claimed = resource.get("client_id")
    if claimed is not None and claimed != ven["client_id"]:
        raise BadRequest(f"clientID must be that of ven {ven['id']} ({ven['client_id']}).")
    return {
        "ven_id": ven["id"],
        "resource_name": resource["resource_name"],
        "attributes": jsonb(resource["attributes"]),
        "targets": resource.get("targets") or [],
        "v301": jsonb(resource.get("v301")),  # exact 3.0.1 forms; a 3.1.0 write clears them (014_v301.sql)
    }


def create_resource(conn, caller, resource: dict) -> dict:
    """Insert a resource of a ven the caller may write; a VEN's has no targets."""
    with translated():
        row = conn.execute(
            f"""INSERT INTO resource (ven_id, resource_name, attributes, targets, v301)
                VALUES (%(ven_id)s, %(resource_name)s, %(attributes)s, %(targets)s, %(v301)s)
                {_RETURNING}""",
            _values(conn, caller, resource),
        ).fetchone()
    return _recorded(conn, "CREATE", row)


def update_resource(conn, caller, resource_id: str, resource: dict) -> dict:
    """Replace a resource the caller may write; a VEN keeps the targets BL set."""
    get_resource(conn, caller, resource_id)
    with translated():
        row = conn.execute(
            f"""UPDATE resource SET ven_id = %(ven_id)s, resource_name = %(resource_name)s,
                    attributes = %(attributes)s,
                    targets = CASE WHEN %(sees_all)s THEN %(targets)s ELSE targets END,
                    v301 = CASE WHEN %(sees_all)s THEN %(v301)s ELSE v301 END,
                    modified = now()
                WHERE id = %(id)s
                {_RETURNING}""",
            _values(conn, caller, resource) | owner(caller) | {"id": resource_id},
        ).fetchone()
    return _recorded(conn, "UPDATE", row)


def delete_resource(conn, caller, resource_id: str) -> dict:
    """Delete a resource the caller may write."""
    get_resource(conn, caller, resource_id)
    row = conn.execute(f"DELETE FROM resource WHERE id = %(id)s {_RETURNING}", {"id": resource_id}).fetchone()
    return _recorded(conn, "DELETE", row)


def _recorded(conn, operation: str, row: dict) -> dict:
    outbox.record(conn, "RESOURCE", operation, row, owner=row["client_id"], ven_id=row["ven_id"])
    return row
