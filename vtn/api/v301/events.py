"""3.0.1 /events: the 3.1.0 views' storage, scopes and status codes, in 3.0.1 shapes (docs/versions.md)."""

from flask import Blueprint

from ...auth.identity import requires
from ...auth.scopes import READ_TARGETS, WRITE_EVENTS
from ...store import events as store
from ...wire.v301.events import Event, EventQuery, EventRequest, keep
from ..common import body, object_id, query, respond, transaction

bp = Blueprint("v301_events", __name__)
EVENT = Event()


@bp.get("/events")
@requires(READ_TARGETS)  # 3.0.1's read_all: the 3.1.0 read scope of events
def search_all_events(caller):
    """List the events the caller may read (programID, targetType, targetValues, skip, limit)."""
    args = query(EventQuery())
    with transaction() as conn:
        return respond(EVENT, store.list_event_rows(conn, caller, **args))


@bp.post("/events")
@requires(WRITE_EVENTS)
def create_event(caller):
    """Create an event of an existing program from a 3.0.1 body."""
    event = body(EventRequest())
    with transaction() as conn:
        return respond(EVENT, store.create_event(conn, event), 201)


@bp.get("/events/<event_id>")
@requires(READ_TARGETS)
def search_events_by_id(event_id, caller):
    """Read one event."""
    event_id = object_id(event_id, "eventID")
    with transaction() as conn:
        return respond(EVENT, store.get_event(conn, caller, event_id))


@bp.put("/events/<event_id>")
@requires(WRITE_EVENTS)
def update_event(event_id, caller):
    """Replace an event; its 3.1.0 duration and reportIntervals are kept."""
    event_id = object_id(event_id, "eventID")
    event = body(EventRequest())
    with transaction() as conn:
        return respond(EVENT, store.update_event(conn, event_id, event, keep=keep))


@bp.delete("/events/<event_id>")
@requires(WRITE_EVENTS)
def delete_event(event_id, caller):
    """Delete an event (its reports stay); returns it."""
    event_id = object_id(event_id, "eventID")
    with transaction() as conn:
        return respond(EVENT, store.delete_event(conn, event_id))
