"""Reading the audit trail (appending is vtn/audit.py, inside each write's transaction)."""

from __future__ import annotations

_SELECT = """
SELECT seq, at, client_id, role, request_id, object_type, object_id, operation, digest, prev_hash, hash
FROM audit
WHERE (%(since)s::timestamptz IS NULL OR at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR at < %(until)s)
  AND (%(object_id)s::text IS NULL OR object_id = %(object_id)s)
ORDER BY seq
LIMIT %(limit)s OFFSET %(skip)s"""


def list_rows(conn, since=None, until=None, object_id=None, skip=0, limit=50) -> list[dict]:
    """Audit rows in chain order, filtered by time window and object."""
    args = {"since": since, "until": until, "object_id": object_id, "skip": skip, "limit": limit}
    return conn.execute(_SELECT, args).fetchall()
