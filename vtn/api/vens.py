"""/vens: BL registers vens for VEN clients and grants them targets; a VEN manages its own."""

from flask import Blueprint

from ..auth.identity import requires
from ..auth.scopes import READ_VEN_OBJECTS, WRITE_VENS
from ..store import vens as store
from ..wire.vens import Ven, VenQuery, ven_request
from .common import body, object_id, query, respond, transaction

bp = Blueprint("vens", __name__)
VEN = Ven()


@bp.get("/vens")
@requires(READ_VEN_OBJECTS)
def search_vens(caller):
    """List the vens the caller may read (venName, targets)."""
    args = query(VenQuery())
    with transaction() as conn:
        return respond(VEN, store.list_vens(conn, caller, **args))


@bp.post("/vens")
@requires(WRITE_VENS)
def create_ven(caller):
    """Create a ven: BL's request names the owning clientID, a VEN's is stamped with its own."""
    ven = body(ven_request(caller.sees_all))
    with transaction() as conn:
        return respond(VEN, store.create_ven(conn, caller, ven), 201)


@bp.get("/vens/<ven_id>")
@requires(READ_VEN_OBJECTS)
def search_ven_by_id(ven_id, caller):
    """Read one ven."""
    ven_id = object_id(ven_id, "venID")
    with transaction() as conn:
        return respond(VEN, store.get_ven(conn, caller, ven_id))


@bp.put("/vens/<ven_id>")
@requires(WRITE_VENS)
def update_ven(ven_id, caller):
    """Replace a ven the caller may write."""
    ven_id = object_id(ven_id, "venID")
    ven = body(ven_request(caller.sees_all))
    with transaction() as conn:
        return respond(VEN, store.update_ven(conn, caller, ven_id, ven))


@bp.delete("/vens/<ven_id>")
@requires(WRITE_VENS)
def delete_ven(ven_id, caller):
    """Delete a ven and its resources; returns the ven."""
    ven_id = object_id(ven_id, "venID")
    with transaction() as conn:
        return respond(VEN, store.delete_ven(conn, caller, ven_id))
