"""Response JSON built by PostgreSQL for list endpoints: one text value per page, sent as it comes.

A page of 50 events dumped by marshmallow costs far more than the query that reads it (bench/README.md);
PostgreSQL turns the stored columns (nested spec objects are already jsonb in their wire form) into the same
JSON the response schemas produce: metadata first, members whose value is null left out (wire/base.py).
tests/test_wire_json.py checks that both forms agree.
"""

from __future__ import annotations

# (wire member, SQL expression) pairs; every member may be null and is then left out.
Members = list[tuple[str, str]]


def object_sql(alias: str, object_type: str, members: Members) -> str:
    """A json expression for one row of ``alias``: id, timestamps, objectType, then the non-null members.

    json_strip_nulls also strips nested members, which is the same thing here: nested spec objects are
    stored with their null members already dropped (wire/common.py NestedSchema).
    """
    pairs = ", ".join(f"'{key}', {expr}" for key, expr in members)
    return (
        f"json_strip_nulls(json_build_object('id', {alias}.id, 'createdDateTime', rfc3339({alias}.created), "
        f"'modificationDateTime', rfc3339({alias}.modified), 'objectType', '{object_type}', {pairs}))"
    )


def page_sql(select: str) -> str:
    """Wrap a SELECT whose rows have ``seq`` and ``body`` (json) into one JSON array text, in seq order."""
    return f"SELECT coalesce(json_agg(page.body ORDER BY page.seq), '[]')::text AS body FROM ({select}) page"


def fetch_page(conn, sql: str, args: dict) -> str:
    """The JSON text of one page."""
    return conn.execute(sql, args).fetchone()["body"]
