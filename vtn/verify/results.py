"""Stored verification results (migration 007): the verification endpoint presents them again and settlement files
stream them, instead of verifying every event again.

A stored result stands for as long as what it was computed from is unchanged (docs/verification.md):
the computation (METHOD), the event row (its modified time), the program's verification settings, the program's
event days before the event, and the reports of every VEN that had reported on the event then or has since. A
report write (create, correction, delete) is seen through report_change: the last transaction that wrote a VEN's
reports; when the snapshot the result was computed in does not see it, the result is recomputed on next use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from . import figures, settlement, verification

METHOD = "1"  # bump when the computation changes: every stored result is then recomputed on next use

_PROGRAM_EVENTS = """
SELECT id FROM event
WHERE program_id = %(program_id)s AND isfinite(starts) AND isfinite(ends)
  AND starts < %(until)s AND ends > %(since)s
ORDER BY starts, seq"""

# Report writes are looked for among the changes the stored snapshot may not see (xid >= its xmin): usually none.
_STALE = """
WITH days AS MATERIALIZED (
    SELECT o.program_id, o.starts, (o.starts AT TIME ZONE coalesce(pv.settings ->> 'timezone', 'UTC'))::date AS day
    FROM event o LEFT JOIN program_verification pv ON pv.program_id = o.program_id
    WHERE o.program_id IN (SELECT program_id FROM event WHERE id = ANY(%(ids)s)) AND isfinite(o.starts))
SELECT e.id
FROM event e
LEFT JOIN verification_run v ON v.event_id = e.id
LEFT JOIN program_verification pv ON pv.program_id = e.program_id
WHERE e.id = ANY(%(ids)s)
  AND (v.event_id IS NULL OR v.method <> %(method)s OR v.event_modified <> e.modified
       OR v.settings <> coalesce(pv.settings, '{}'::jsonb)
       OR v.excluded <> ARRAY(
           SELECT DISTINCT d.day FROM days d WHERE d.program_id = e.program_id AND d.starts < e.starts ORDER BY 1)
       OR EXISTS (
           SELECT 1 FROM report_change c
           WHERE c.xid >= pg_snapshot_xmin(v.snapshot) AND NOT pg_visible_in_snapshot(c.xid, v.snapshot)
             AND (c.client_id = ANY(v.clients)
                  OR EXISTS (SELECT 1 FROM report r WHERE r.event_id = e.id AND r.client_id = c.client_id))))"""

_RUN = """
INSERT INTO verification_run (event_id, method, snapshot, event_modified, settings, excluded, clients)
VALUES (%(event_id)s, %(method)s, %(snapshot)s::pg_snapshot, %(modified)s, %(settings)s, %(excluded)s, %(clients)s)
ON CONFLICT (event_id) DO UPDATE
SET computed_at = now(), method = EXCLUDED.method, snapshot = EXCLUDED.snapshot,
    event_modified = EXCLUDED.event_modified, settings = EXCLUDED.settings, excluded = EXCLUDED.excluded,
    clients = EXCLUDED.clients"""

_COPY = """COPY verification_result (event_id, ord, client_id, resource_name, baseline_kwh, measured_kwh, shed_kwh,
    exported_kwh, max_shed_kw, compliant, completeness, figures_csv, baseline_kw, measured_kw)
    FROM STDIN (FORMAT BINARY)"""
_COPY_TYPES = ["text", "int4", "text", "text", *["float8"] * 5, "bool", "float8", "text", "float8[]", "float8[]"]

_STORED = """
SELECT client_id, resource_name, baseline_kw, measured_kw FROM verification_result
WHERE event_id = %(id)s ORDER BY ord"""

_EVENTS = "SELECT program_id, id, event_name, starts, ends FROM event WHERE id = ANY(%(ids)s)"

# Per event in the order given: its VEN rows (resource_name '', their own index), or its resource rows.
_ROWS = """
SELECT x.event_id, x.client_id, v.ven_name, x.resource_name, x.baseline_kwh, x.measured_kwh, x.shed_kwh,
       x.exported_kwh, x.max_shed_kw, x.compliant, x.completeness
FROM unnest(%(ids)s::text[]) WITH ORDINALITY AS e(id, n)
CROSS JOIN LATERAL (
    SELECT * FROM verification_result x WHERE x.event_id = e.id AND {which} ORDER BY x.ord) x
LEFT JOIN (SELECT client_id, min(ven_name) AS ven_name FROM ven GROUP BY client_id) v ON v.client_id = x.client_id
ORDER BY e.n, x.ord"""

# The same rows as the tail of their CSV line: clientID, venName, resourceName (quoted as settlement.py quotes
# them, by csv_field in migration 007), then the stored figures.
_LINES = """
SELECT x.event_id,
       csv_field(x.client_id) || ',' || csv_field(v.ven_name) || ',' || csv_field(x.resource_name) || ','
       || x.figures_csv
FROM unnest(%(ids)s::text[]) WITH ORDINALITY AS e(id, n)
CROSS JOIN LATERAL (
    SELECT * FROM verification_result x WHERE x.event_id = e.id AND {which} ORDER BY x.ord) x
LEFT JOIN (SELECT client_id, min(ven_name) AS ven_name FROM ven GROUP BY client_id) v ON v.client_id = x.client_id
ORDER BY e.n, x.ord"""
_WHICH = {False: "x.resource_name = ''", True: "x.resource_name <> ''"}

_COUNT = "SELECT count(*) AS n FROM verification_result x WHERE x.event_id = ANY(%(ids)s) AND {which}"

_FIGURES = ("baselineKWh", "measuredKWh", "shedKWh", "exportedKWh", "maxShedKW", "compliant", "completeness")


def events_in(conn, program_id: str, since: datetime, until: datetime) -> list[str]:
    """The program's bounded events overlapping [since, until), in settlement order (start, creation)."""
    args = {"program_id": program_id, "since": since, "until": until}
    return [row["id"] for row in conn.execute(_PROGRAM_EVENTS, args).fetchall()]


def stale(conn, event_ids: list[str]) -> list[str]:
    """Of these events, those without a stored result that still stands, in the order given."""
    found = {row["id"] for row in conn.execute(_STALE, {"ids": event_ids, "method": METHOD}).fetchall()}
    return [event_id for event_id in event_ids if event_id in found]


def answer(conn, event_id: str, detail: str = "slots", helper=None, defer=None) -> dict:
    """The event's verification (verification.verify_event's answer): from its stored result when that stands,
    else computed and stored. ``defer``, if given, is handed the storing of a computed result as a function of a
    connection, to call once the answer is out (the API: after sending it), instead of storing it now."""
    with verification.collecting_later():
        if stale(conn, [event_id]):
            fresh = compute(conn, event_id, helper, "slots" if detail == "slots" else "resources")
            if defer is None:
                fresh.store(conn)
            else:
                defer(fresh.store)
            return figures.trimmed(fresh.presented, detail)
        return figures.present(load(conn, event_id), detail)


def refresh(conn, event_id: str, helper=None, detail: str = "resources") -> dict:
    """Verify the event and store the result (figures, and per-slot kW); returns the answer at ``detail`` (slots or
    resources). ``helper``: as for verification.verify_event."""
    fresh = compute(conn, event_id, helper, detail)
    fresh.store(conn)
    return fresh.presented


@dataclass
class Fresh:
    """A verification just computed, with what its stored result records of what it was computed from."""

    event: dict
    snapshot: str  # the database state it read (taken before reading anything)
    excluded: list
    verified: figures.Verified
    presented: dict  # its answer, with detail resources or slots

    def store(self, conn) -> None:
        """Store it as the event's result (replacing any), in ``conn``'s transaction."""
        event, event_id = self.event, self.event["id"]
        with verification.collecting_later():
            rows = list(_result_rows(event_id, self.verified, self.presented))
            conn.execute(_RUN, {
                "event_id": event_id, "method": METHOD, "snapshot": self.snapshot, "modified": event["modified"],
                "settings": Jsonb(dict(event["settings"])), "excluded": self.excluded,
                "clients": [ven["client_id"] for ven, _ in self.verified.vens],
            })  # fmt: skip
            conn.execute("DELETE FROM verification_result WHERE event_id = %(id)s", {"id": event_id})
            with conn.cursor() as cur, cur.copy(_COPY) as copy:
                copy.set_types(_COPY_TYPES)
                for row in sorted(rows, key=_is_resource):  # the VEN rows together: per-VEN files read few pages
                    copy.write_row(row)


def compute(conn, event_id: str, helper=None, detail: str = "resources") -> Fresh:
    """Verify the event, presented at ``detail`` (slots or resources), ready to store."""
    snapshot = conn.execute("SELECT pg_current_snapshot()::text AS s").fetchone()["s"]  # before reading anything
    event = verification.load_event(conn, event_id)
    settings = verification.settings_of(event)
    excluded = sorted(verification.event_days(conn, event, settings))
    with verification.collecting_later():
        verified = verification.compute(conn, event_id, helper)
        return Fresh(event, snapshot, excluded, verified, figures.present(verified, detail))


def _is_resource(row: tuple) -> bool:
    return row[3] != ""


def load(conn, event_id: str) -> figures.Verified:
    """The event's stored result (which the caller knows stands), with today's event, settings and VEN names."""
    event = verification.load_event(conn, event_id)
    settings = verification.settings_of(event)
    names = {ven["client_id"]: ven["ven_name"] for ven in verification.participants(conn, event_id)}
    vens: list = []
    with conn.cursor(row_factory=tuple_row) as cur:
        for client_id, resource, baseline, measured in cur.execute(_STORED, {"id": event_id}, binary=True):
            if resource:
                vens[-1][1].append((resource, baseline, measured))
            else:
                vens.append(({"client_id": client_id, "ven_name": names.get(client_id)}, []))
    return figures.Verified(event, settings, figures.Frame(event, settings), vens)


def _result_rows(event_id: str, verified: figures.Verified, presented: dict) -> Iterator[tuple]:
    """The stored rows of a result: each VEN (resource name '') followed by its resources, numbered in order, with
    their figures (and as a settlement CSV line shows them) and, for resources, their per-slot kW."""
    order = 0
    for (_, resources), ven in zip(verified.vens, presented["vens"], strict=True):
        kws = [(None, None), *((baseline, measured) for _, baseline, measured in resources)]
        for part, (baseline, measured) in zip((ven, *ven["resources"]), kws, strict=True):
            values = tuple(part[key] for key in _FIGURES)
            shown = settlement.figures_csv((*values, figures.quality(part["completeness"])))
            yield (event_id, order, ven["clientID"], part.get("resourceName", ""), *values, shown, baseline, measured)
            order += 1


def settled(conn, program_id: str, since: datetime, until: datetime, helper=None) -> list[str]:
    """The program's events in [since, until), in settlement order, each with a stored result that stands: missing
    or stale ones are verified (and stored) now."""
    event_ids = events_in(conn, program_id, since, until)
    for event_id in stale(conn, event_ids):
        refresh(conn, event_id, helper)
    return event_ids


def settlement_rows(conn, event_ids: list[str], per_resource: bool) -> tuple[int, Iterator[tuple]]:
    """(row count, rows): the stored rows of these events per VEN (per resource when asked), as tuples in
    settlement.COLUMNS order."""
    query = {"ids": event_ids, "per_resource": per_resource}
    heads = _heads(conn, query)
    quality = figures.quality

    def rows():
        for event_id, *row, completeness in _fetched(conn, _ROWS, query):
            yield (*heads[event_id], *row, completeness, quality(completeness))

    return _count(conn, query), rows()


def settlement_lines(conn, event_ids: list[str], per_resource: bool) -> tuple[int, Iterator[str]]:
    """(row count, lines): the same rows as CSV lines, as settlement.render_csv writes them."""
    query = {"ids": event_ids, "per_resource": per_resource}
    heads = {event_id: settlement.csv_head(head) for event_id, head in _heads(conn, query).items()}
    lines = (f"{heads[event_id]},{tail}\r\n" for event_id, tail in _fetched(conn, _LINES, query))
    return _count(conn, query), lines


def _heads(conn, query: dict) -> dict[str, tuple]:
    """Per event, its own settlement columns (programID .. eventEnd)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return {row[1]: row for row in cur.execute(_EVENTS, query)}


def _count(conn, query: dict) -> int:
    return conn.execute(_COUNT.format(which=_WHICH[query["per_resource"]]), query).fetchone()["n"]


def _fetched(conn, sql: str, query: dict) -> Iterator[tuple]:
    """The rows of ``sql`` for VEN or resource rows, through a server-side cursor in batches."""
    with conn.cursor("settlement_rows", row_factory=tuple_row) as cur:
        cur.execute(sql.format(which=_WHICH[query["per_resource"]]), query, binary=True)
        while batch := cur.fetchmany(5000):
            yield from batch
