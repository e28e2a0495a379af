"""Events: plain SQL, with targeting and the `active` filter. Deleting marks an event deleted."""

from __future__ import annotations

from ..errors import NotFound
from ..notify import outbox
from ..timing import lifespan
from . import jsonb, programs, translated
from .page_cache import PageCache, read_version
from .targeting import SCOPE_CTE, params, shown_targets, visible
from .wire_json import fetch_page, object_sql, page_sql

_COLUMNS = """id, created, modified, program_id, event_name, priority, duration, targets, report_descriptors,
    payload_descriptors, interval_period, intervals, v301"""

# An untargeted event is as private as its program: a VEN sees it only when it may see the program.
_VISIBLE = f"""
FROM event e JOIN program p ON p.id = e.program_id, scope s
WHERE e.deleted IS NULL
  AND (%(id)s::text IS NULL OR e.id = %(id)s)
  AND (%(program_id)s::text IS NULL OR e.program_id = %(program_id)s)
  AND (%(active)s::boolean IS NULL OR (e.starts <= now() AND now() < e.ends) = %(active)s)
  AND {visible("e")}
  AND (%(sees_all)s OR cardinality(e.targets) > 0
       OR cardinality(p.targets) = 0 OR p.targets && s.granted)
ORDER BY e.seq
LIMIT %(limit)s OFFSET %(skip)s"""

_SELECT = f"""
WITH {SCOPE_CTE}
SELECT e.id, e.created, e.modified, e.program_id, e.event_name, e.priority, e.duration,
       {shown_targets("e")} AS targets, e.report_descriptors, e.payload_descriptors, e.interval_period,
       e.intervals, e.v301
{_VISIBLE}"""

_WIRE = object_sql(
    "e",
    "EVENT",
    [
        ("programID", "e.program_id"),
        ("eventName", "e.event_name"),
        ("duration", "e.duration"),
        ("priority", "e.priority"),
        ("targets", shown_targets("e")),
        ("reportDescriptors", "e.report_descriptors"),
        ("payloadDescriptors", "e.payload_descriptors"),
        ("intervalPeriod", "e.interval_period"),
        ("intervals", "e.intervals"),
    ],
)
_PAGE = page_sql(f"WITH {SCOPE_CTE} SELECT e.seq, {_WIRE} AS body {_VISIBLE}")


def _values(event: dict) -> dict:
    starts, ends = lifespan(event["interval_period"], event["intervals"], event["duration"])
    return {
        "program_id": event["program_id"],
        "event_name": event["event_name"],
        "priority": event["priority"],
        "duration": event["duration"],
        "targets": event["targets"] or [],
        "report_descriptors": jsonb(event["report_descriptors"]),
        "payload_descriptors": jsonb(event["payload_descriptors"]),
        "interval_period": jsonb(event["interval_period"]),
        "intervals": jsonb(event["intervals"]),
        "starts": starts,
        "ends": ends,
        "v301": jsonb(event.get("v301")),  # exact 3.0.1 forms (014_v301.sql); a 3.1.0 write clears them
    }


def list_events(
    conn,
    caller,
    targets=None,
    program_id=None,
    active=None,
    skip=0,
    limit=50,
    cache: PageCache | None = None,
    version: int | None = None,
) -> str:
    """The events the caller may read, in creation order, as the response's JSON text.

    With a ``cache``, a page read before at the current read version is served from it (store/page_cache.py);
    ``version`` is that read version if the caller has just read it (else it is read here).
    """
    key = (caller.client_id, caller.sees_all, None if targets is None else tuple(targets), program_id, skip, limit)
    if cache is None or active is not None:
        version = None
    elif version is None:
        version = read_version(conn)
    if version is not None and (kept := cache.get(key, version)) is not None:
        return kept
    args = params(caller, targets) | {
        "id": None,
        "program_id": program_id,
        "active": active,
        "skip": skip,
        "limit": limit,
    }
    text = fetch_page(conn, _PAGE, args)
    if version is not None:
        cache.put(key, version, text)
    return text


def list_event_rows(conn, caller, targets=None, program_id=None, skip=0, limit=50) -> list[dict]:
    """The events the caller may read, in creation order, as rows (for the 3.0.1 view, which reshapes them)."""
    args = params(caller, targets) | {
        "id": None,
        "program_id": program_id,
        "active": None,
        "skip": skip,
        "limit": limit,
    }
    return conn.execute(_SELECT, args).fetchall()


def get_event(conn, caller, event_id: str) -> dict:
    """One event the caller may read; NotFound otherwise."""
    args = params(caller, None) | {"id": event_id, "program_id": None, "active": None, "skip": 0, "limit": 1}
    row = conn.execute(_SELECT, args).fetchone()
    if row is None:
        raise NotFound(f"No event {event_id}.")
    return row


def create_event(conn, event: dict) -> dict:
    """Insert an event of a live program; NotFound when the program does not exist."""
    programs.lock_live_program(conn, event["program_id"])
    with translated():
        row = conn.execute(
            f"""INSERT INTO event (program_id, event_name, priority, duration, targets, report_descriptors,
                                   payload_descriptors, interval_period, intervals, starts, ends, v301)
                VALUES (%(program_id)s, %(event_name)s, %(priority)s, %(duration)s, %(targets)s,
                        %(report_descriptors)s, %(payload_descriptors)s, %(interval_period)s, %(intervals)s,
                        %(starts)s, %(ends)s, %(v301)s)
                RETURNING {_COLUMNS}""",
            _values(event),
        ).fetchone()
    outbox.record(conn, "EVENT", "CREATE", row, program_id=row["program_id"])
    return row


def update_event(conn, event_id: str, event: dict, keep=None) -> dict:
    """Replace a live event's fields (its program must be live too); NotFound otherwise.

    ``keep(stored, event)``, when given, returns ``event`` with what the writer's version cannot express taken
    from the stored row (docs/versions.md: a PUT keeps what its version cannot express).
    """
    programs.lock_live_program(conn, event["program_id"])
    if keep is not None:
        event = keep(_locked(conn, event_id), event)
    row = conn.execute(
        f"""UPDATE event SET program_id = %(program_id)s, event_name = %(event_name)s,
                priority = %(priority)s, duration = %(duration)s, targets = %(targets)s,
                report_descriptors = %(report_descriptors)s, payload_descriptors = %(payload_descriptors)s,
                interval_period = %(interval_period)s, intervals = %(intervals)s, starts = %(starts)s,
                ends = %(ends)s, v301 = %(v301)s, modified = now()
            WHERE id = %(id)s AND deleted IS NULL
            RETURNING {_COLUMNS}""",
        _values(event) | {"id": event_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No event {event_id}.")
    outbox.record(conn, "EVENT", "UPDATE", row, program_id=row["program_id"])
    return row


def _locked(conn, event_id: str) -> dict:
    """The stored fields of a live event, locked for this transaction's update; NotFound otherwise."""
    row = conn.execute(
        "SELECT duration, report_descriptors, v301 FROM event WHERE id = %(id)s AND deleted IS NULL FOR UPDATE",
        {"id": event_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No event {event_id}.")
    return row


def delete_event(conn, event_id: str) -> dict:
    """Mark an event deleted; its reports stay, still naming it."""
    row = conn.execute(
        f"""UPDATE event SET deleted = now(), modified = now() WHERE id = %(id)s AND deleted IS NULL
            RETURNING {_COLUMNS}""",
        {"id": event_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No event {event_id}.")
    outbox.record(conn, "EVENT", "DELETE", row, program_id=row["program_id"])
    return row
