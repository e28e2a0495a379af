"""Subscriptions: plain SQL. A VEN reads and writes only its own (Definition.md "Object Privacy")."""

from __future__ import annotations

from ..errors import NotFound
from ..notify import outbox
from . import jsonb, owner, programs

_COLUMNS = "id, created, modified, client_id, client_name, program_id, object_operations, targets, v301, api_version"

_SELECT = f"""
SELECT {_COLUMNS}
FROM subscription
WHERE (%(id)s::text IS NULL OR id = %(id)s)
  AND (%(sees_all)s OR client_id = %(client_id)s)
  AND (%(program_id)s::text IS NULL OR program_id = %(program_id)s)
  AND (%(client_name)s::text IS NULL OR client_name = %(client_name)s)
  AND (%(objects)s::text[] IS NULL OR objects && %(objects)s)
  AND (%(targets)s::text[] IS NULL OR targets && %(targets)s)
  AND (NOT %(with_program)s OR program_id IS NOT NULL)
ORDER BY seq
LIMIT %(limit)s OFFSET %(skip)s"""


def list_subscriptions(
    conn,
    caller,
    program_id=None,
    client_name=None,
    objects=None,
    skip=0,
    limit=50,
    *,
    targets=None,
    with_program=False,
):
    """The subscriptions the caller may read, in creation order.

    ``targets`` (3.0.1's targetType/targetValues) keeps those whose targets overlap; ``with_program`` keeps those
    with a programID (3.0.1 requires one: docs/versions.md, "Subscriptions").
    """
    args = owner(caller) | {
        "id": None,
        "program_id": program_id,
        "client_name": client_name,
        "objects": objects,
        "targets": targets,
        "with_program": with_program,
        "skip": skip,
        "limit": limit,
    }
    return conn.execute(_SELECT, args).fetchall()


def get_subscription(conn, caller, subscription_id: str, *, with_program: bool = False) -> dict:
    """One subscription the caller may read (with a programID if ``with_program``); NotFound otherwise."""
    args = owner(caller) | {
        "id": subscription_id,
        "program_id": None,
        "client_name": None,
        "objects": None,
        "targets": None,
        "with_program": with_program,
        "skip": 0,
        "limit": 1,
    }
    row = conn.execute(_SELECT, args).fetchone()
    if row is None:
        raise NotFound(f"No subscription {subscription_id}.")
    return row


def _values(conn, caller, subscription: dict) -> dict:
    if subscription["program_id"] is not None:
        programs.get_program(conn, caller, subscription["program_id"])  # must exist and be readable
    operations = subscription["object_operations"]
    return {
        "client_id": caller.client_id,
        "client_name": subscription["client_name"],
        "program_id": subscription["program_id"],
        "object_operations": jsonb(operations),
        "objects": sorted({obj for op in operations for obj in op["objects"]}),
        "targets": subscription["targets"] or [],
        "owner_sees_all": caller.sees_all,
        # The version it is written through picks its notifications' format (docs/versions.md).
        "api_version": subscription.get("api_version", "3.1.0"),
        "v301": jsonb(subscription.get("v301")),
    }


def create_subscription(conn, caller, subscription: dict) -> dict:
    """Insert a subscription stamped with the caller's clientID."""
    row = conn.execute(
        f"""INSERT INTO subscription (client_id, client_name, program_id, object_operations, objects, targets,
                                      owner_sees_all, api_version, v301)
            VALUES (%(client_id)s, %(client_name)s, %(program_id)s, %(object_operations)s, %(objects)s,
                    %(targets)s, %(owner_sees_all)s, %(api_version)s, %(v301)s)
            RETURNING {_COLUMNS}""",
        _values(conn, caller, subscription),
    ).fetchone()
    return _recorded(conn, "CREATE", row)


def update_subscription(conn, caller, subscription_id: str, subscription: dict, *, with_program: bool = False) -> dict:
    """Replace one of the caller's subscriptions (its owner stays; its failed deliveries are re-queued)."""
    get_subscription(conn, caller, subscription_id, with_program=with_program)
    row = conn.execute(
        f"""UPDATE subscription SET client_name = %(client_name)s, program_id = %(program_id)s,
                object_operations = %(object_operations)s, objects = %(objects)s, targets = %(targets)s,
                api_version = %(api_version)s, v301 = %(v301)s,
                failing_since = NULL, last_error = NULL, modified = now()
            WHERE id = %(id)s
            RETURNING {_COLUMNS}""",
        _values(conn, caller, subscription) | {"id": subscription_id},
    ).fetchone()
    # The callbacks passed the echo check again: what could not be delivered before is tried again.
    conn.execute(
        """UPDATE delivery SET state = 'pending', attempts = 0, due = clock_timestamp()
           WHERE subscription_id = %(id)s AND state = 'failed'""",
        {"id": subscription_id},
    )
    return _recorded(conn, "UPDATE", row)


def delete_subscription(conn, caller, subscription_id: str, *, with_program: bool = False) -> dict:
    """Delete one of the caller's subscriptions (with a programID if ``with_program``); NotFound otherwise."""
    row = conn.execute(
        f"""DELETE FROM subscription WHERE id = %(id)s AND (%(sees_all)s OR client_id = %(client_id)s)
              AND (NOT %(with_program)s OR program_id IS NOT NULL)
            RETURNING {_COLUMNS}""",
        owner(caller) | {"id": subscription_id, "with_program": with_program},
    ).fetchone()
    if row is None:
        raise NotFound(f"No subscription {subscription_id}.")
    conn.execute(
        """UPDATE delivery SET state = 'failed', last_error = 'subscription deleted'
           WHERE subscription_id = %(id)s AND state = 'pending'""",
        {"id": subscription_id},
    )
    return _recorded(conn, "DELETE", row)


def _recorded(conn, operation: str, row: dict) -> dict:
    outbox.record(conn, "SUBSCRIPTION", operation, row, program_id=row["program_id"], owner=row["client_id"])
    return row
