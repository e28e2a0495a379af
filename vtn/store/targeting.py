"""Object privacy for programs and events, as SQL (Definition.md "Object Privacy": targeting).

Every targeted read binds the same parameters: ``sees_all`` (BL or auditor), ``client_id`` (the caller)
and ``targets`` (the query's targets, or NULL). From them the CTE below computes, once per query:

- ``granted``: the targets BL granted the caller through its ven and resource objects;
- ``shown``: the targets the caller may match and see: for BL the query's targets; for a VEN the query's
  targets AND the granted ones, or all granted ones when the query names none (our reading: a VEN that
  names no targets asks for everything granted to it; see docs/spec-choices.md).

A VEN sees a targeted object when its targets overlap ``shown``, and an untargeted one only when it
names no targets in the query. In responses to a VEN, targets are cut down to ``shown`` (target hiding).
"""

# The grant is the body of the SQL function granted_targets() (001_init.sql) written out, so that it is
# planned once with the prepared statement instead of at every call; both CTEs are MATERIALIZED so that
# it runs once per query, not once per reference.
SCOPE_CTE = """
grant_ AS MATERIALIZED (
    SELECT CASE WHEN %(sees_all)s THEN '{}'::text[] ELSE ARRAY(
        SELECT unnest(v.targets) FROM ven v WHERE v.client_id = %(client_id)s
        UNION
        SELECT unnest(r.targets) FROM resource r JOIN ven v ON v.id = r.ven_id WHERE v.client_id = %(client_id)s
    ) END AS granted
),
scope AS MATERIALIZED (
    SELECT g.granted,
           CASE WHEN %(sees_all)s THEN %(targets)s::text[]
                WHEN %(targets)s::text[] IS NULL THEN g.granted
                ELSE ARRAY(SELECT unnest(g.granted) INTERSECT SELECT unnest(%(targets)s::text[]))
           END AS shown
    FROM grant_ g
)"""


def visible(alias: str) -> str:
    """The WHERE term: may the caller read object ``alias`` (given its own targets)?"""
    return f"""(
        (%(targets)s::text[] IS NULL
         AND (%(sees_all)s OR cardinality({alias}.targets) = 0 OR {alias}.targets && s.shown))
        OR (%(targets)s::text[] IS NOT NULL AND {alias}.targets && s.shown))"""


def shown_targets(alias: str) -> str:
    """The select term for ``targets``: all of them for BL, the hidden-filtered ones for a VEN."""
    return f"CASE WHEN %(sees_all)s THEN {alias}.targets ELSE visible_targets({alias}.targets, s.shown) END"


def params(caller, targets: list | None) -> dict:
    """The parameters the targeting SQL binds."""
    return {"sees_all": caller.sees_all, "client_id": caller.client_id, "targets": targets}
