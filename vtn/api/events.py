"""/events: BL writes events; VENs read those their targets allow."""

from flask import Blueprint

from ..auth.identity import admit, requires
from ..auth.scopes import READ_TARGETS, WRITE_EVENTS
from ..store import events as store
from ..store.page_cache import read_versions
from ..wire.events import Event, EventQuery, EventRequest
from .common import body, kept_query, object_id, respond, respond_json, transaction, vtn

bp = Blueprint("events", __name__)
EVENT = Event()
_EVENT_QUERY = kept_query(EventQuery())


@bp.get("/events")
@requires(READ_TARGETS, admitted_in_view=True)
def search_all_events(caller):
    """List the events the caller may read (programID, targets, active)."""
    args = _EVENT_QUERY()
    with vtn().db.statements() as conn:  # the most frequent request of all: no BEGIN/COMMIT round trips
        version, credentials = read_versions(conn)  # one statement: the page's version and the token check's
        admit(caller, credentials, conn)
        return respond_json(store.list_events(conn, caller, **args, cache=vtn().pages, version=version))


@bp.post("/events")
@requires(WRITE_EVENTS)
def create_event(caller):
    """Create an event of an existing program."""
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
    """Replace an event."""
    event_id = object_id(event_id, "eventID")
    event = body(EventRequest())
    with transaction() as conn:
        return respond(EVENT, store.update_event(conn, event_id, event))


@bp.delete("/events/<event_id>")
@requires(WRITE_EVENTS)
def delete_event(event_id, caller):
    """Delete an event (its reports stay); returns it."""
    event_id = object_id(event_id, "eventID")
    with transaction() as conn:
        return respond(EVENT, store.delete_event(conn, event_id))
