"""3.0.1 /vens (each with its resources nested) and /vens/{venID}/resources (docs/versions.md, "Vens and resources").

Same scopes, storage functions and privacy as 3.1.0's /vens and /resources: 3.0.1's read_all is 3.1.0's
read_ven_objects here; a VEN reads and writes only its own vens and their resources.
"""

from flask import Blueprint

from ...auth.identity import requires
from ...auth.scopes import READ_VEN_OBJECTS, WRITE_VENS
from ...store import v301 as store
from ...wire.v301.vens import Resource, ResourceQuery, Ven, VenQuery, resource_request, ven_request
from ..common import body, object_id, query, respond, transaction

bp = Blueprint("v301_vens", __name__)
VEN = Ven()
RESOURCE = Resource()


@bp.get("/vens")
@requires(READ_VEN_OBJECTS)
def search_vens(caller):
    """List the vens the caller may read (venName, targetType, targetValues), with their resources."""
    args = query(VenQuery())
    with transaction() as conn:
        return respond(VEN, store.list_vens(conn, caller, **args))


@bp.post("/vens")
@requires(WRITE_VENS)
def create_ven(caller):
    """Create a ven and its nested resources in one transaction."""
    ven = body(ven_request(caller.sees_all))
    with transaction() as conn:
        return respond(VEN, store.create_ven(conn, caller, ven), 201)


@bp.get("/vens/<ven_id>")
@requires(READ_VEN_OBJECTS)
def search_ven_by_id(ven_id, caller):
    """Read one ven with its resources."""
    ven_id = object_id(ven_id, "venID")
    with transaction() as conn:
        return respond(VEN, store.get_ven(conn, caller, ven_id))


@bp.put("/vens/<ven_id>")
@requires(WRITE_VENS)
def update_ven(ven_id, caller):
    """Replace a ven; a resources array replaces its resources (matched by resourceName)."""
    ven_id = object_id(ven_id, "venID")
    ven = body(ven_request(caller.sees_all))
    with transaction() as conn:
        return respond(VEN, store.replace_ven(conn, caller, ven_id, ven))


@bp.delete("/vens/<ven_id>")
@requires(WRITE_VENS)
def delete_ven(ven_id, caller):
    """Delete a ven and its resources; returns the ven with them."""
    ven_id = object_id(ven_id, "venID")
    with transaction() as conn:
        return respond(VEN, store.delete_ven(conn, caller, ven_id))


@bp.get("/vens/<ven_id>/resources")
@requires(READ_VEN_OBJECTS)
def search_ven_resources(ven_id, caller):
    """List the resources of a ven the caller may read (resourceName, targetType, targetValues)."""
    ven_id = object_id(ven_id, "venID")
    args = query(ResourceQuery())
    with transaction() as conn:
        return respond(RESOURCE, store.list_ven_resources(conn, caller, ven_id, **args))


@bp.post("/vens/<ven_id>/resources")
@requires(WRITE_VENS)
def create_resource(ven_id, caller):
    """Create a resource of the path's ven."""
    ven_id = object_id(ven_id, "venID")
    resource = body(resource_request(caller.sees_all))
    with transaction() as conn:
        return respond(RESOURCE, store.create_ven_resource(conn, caller, ven_id, resource), 201)


@bp.get("/vens/<ven_id>/resources/<resource_id>")
@requires(READ_VEN_OBJECTS)
def search_ven_resource_by_id(ven_id, resource_id, caller):
    """Read one resource of the path's ven."""
    ven_id, resource_id = object_id(ven_id, "venID"), object_id(resource_id, "resourceID")
    with transaction() as conn:
        return respond(RESOURCE, store.get_ven_resource(conn, caller, ven_id, resource_id))


@bp.put("/vens/<ven_id>/resources/<resource_id>")
@requires(WRITE_VENS)
def update_ven_resource(ven_id, resource_id, caller):
    """Replace a resource of the path's ven."""
    ven_id, resource_id = object_id(ven_id, "venID"), object_id(resource_id, "resourceID")
    resource = body(resource_request(caller.sees_all))
    with transaction() as conn:
        return respond(RESOURCE, store.replace_ven_resource(conn, caller, ven_id, resource_id, resource))


@bp.delete("/vens/<ven_id>/resources/<resource_id>")
@requires(WRITE_VENS)
def delete_ven_resource(ven_id, resource_id, caller):
    """Delete a resource of the path's ven; returns it."""
    ven_id, resource_id = object_id(ven_id, "venID"), object_id(resource_id, "resourceID")
    with transaction() as conn:
        return respond(RESOURCE, store.delete_ven_resource(conn, caller, ven_id, resource_id))
