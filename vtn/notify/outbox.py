"""The outbox: every write appends a `change` in its own transaction (Definition.md "Subscriptions").

The change carries the object as BL reads it, plus what fan-out needs to decide who may read it
(program, targets, owner), so that delivery never has to look at the live object again.
"""

from __future__ import annotations

from psycopg.types.json import Json

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
VALUES (%(object_type)s, %(operation)s, %(object_id)s, %(object)s::json, %(program_id)s, %(targets)s,
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
    text: str | None = None,
) -> None:
    """Append one change to the outbox (and the audit trail); wake the delivery workers on commit.

    ``text`` is the object's JSON as BL reads it when the caller already has it (built by PostgreSQL): it is
    stored as sent, and parsed here only for the audit digest.
    """
    document = _DUMPERS[object_type].dump(row) if text is None else audit.parse(text)
    conn.execute(
        _INSERT,
        {
            "object_type": object_type,
            "operation": operation,
            "object_id": row["id"],
            "object": Json(document) if text is None else text,
            "program_id": program_id,
            "targets": row.get("targets") or [],
            "owner": owner,
            "ven_id": ven_id,
        },
    )
    conn.execute("SELECT pg_notify('vtn_outbox', '')")
    # Last: the audit chain's lock is held from here to the commit, so no other work should follow it.
    audit.append(conn, object_type, row["id"], operation, document)
