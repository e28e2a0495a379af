"""The outbox: every write appends a `change` in its own transaction (Definition.md "Subscriptions").

The change carries the object as BL reads it, plus what fan-out needs to decide who may read it
(program, targets, owner), so that delivery never has to look at the live object again.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from .. import audit
from ..wire.events import Event
from ..wire.programs import Program
from ..wire.reports import Report
from ..wire.resources import Resource
from ..wire.subscriptions import Subscription
from ..wire.vens import Ven

_DUMPERS = {
    "PROGRAM": Program(),
    "EVENT": Event(),
    "REPORT": Report(),
    "SUBSCRIPTION": Subscription(),
    "VEN": Ven(),
    "RESOURCE": Resource(),
}

_INSERT = """
INSERT INTO change (object_type, operation, object_id, object, program_id, targets, program_targets, owner, ven_id)
VALUES (%(object_type)s, %(operation)s, %(object_id)s, %(object)s, %(program_id)s, %(targets)s,
        coalesce((SELECT targets FROM program WHERE id = %(program_id)s AND %(object_type)s = 'EVENT'), '{}'),
        %(owner)s, %(ven_id)s)"""


def record(
    conn,
    object_type: str,
    operation: str,
    row: dict,
    *,
    program_id: str | None = None,
    owner: str | None = None,
    ven_id: str | None = None,
    document: dict | None = None,
) -> None:
    """Append one change to the outbox (and the audit trail); wake the delivery workers on commit.

    ``document`` is the object as BL reads it when the caller already has it (built by PostgreSQL).
    """
    if document is None:
        document = _DUMPERS[object_type].dump(row)
    audit.append(conn, object_type, row["id"], operation, document)
    conn.execute(
        _INSERT,
        {
            "object_type": object_type,
            "operation": operation,
            "object_id": row["id"],
            "object": Jsonb(document),
            "program_id": program_id,
            "targets": row.get("targets") or [],
            "owner": owner,
            "ven_id": ven_id,
        },
    )
    conn.execute("SELECT pg_notify('vtn_outbox', '')")
