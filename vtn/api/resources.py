"""/resources: resources of vens; BL grants their targets, a VEN manages those of its own vens."""

from flask import Blueprint

from ..auth.identity import requires
from ..auth.scopes import READ_VEN_OBJECTS, WRITE_VENS
from ..store import resources as store
from ..wire.resources import Resource, ResourceQuery, resource_request
from .common import body, object_id, query, respond, transaction

bp = Blueprint("resources", __name__)
RESOURCE = Resource()


@bp.get("/resources")
@requires(READ_VEN_OBJECTS)
def search_ven_resources(caller):
    """List the resources the caller may read (resourceName, venID, targets)."""
    args = query(ResourceQuery())
    with transaction() as conn:
        return respond(RESOURCE, store.list_resources(conn, caller, **args))


@bp.post("/resources")
@requires(WRITE_VENS)
def create_resource(caller):
    """Create a resource of a ven the caller may write."""
    resource = body(resource_request(caller.sees_all))
    with transaction() as conn:
        return respond(RESOURCE, store.create_resource(conn, caller, resource), 201)


@bp.get("/resources/<resource_id>")
@requires(READ_VEN_OBJECTS)
def search_ven_resource_by_id(resource_id, caller):
    """Read one resource."""
    resource_id = object_id(resource_id, "resourceID")
    with transaction() as conn:
        return respond(RESOURCE, store.get_resource(conn, caller, resource_id))


@bp.put("/resources/<resource_id>")
@requires(WRITE_VENS)
def update_ven_resource(resource_id, caller):
    """Replace a resource the caller may write."""
    resource_id = object_id(resource_id, "resourceID")
    resource = body(resource_request(caller.sees_all))
    with transaction() as conn:
        return respond(RESOURCE, store.update_resource(conn, caller, resource_id, resource))


@bp.delete("/resources/<resource_id>")
@requires(WRITE_VENS)
def delete_ven_resource(resource_id, caller):
    """Delete a resource; returns it."""
    resource_id = object_id(resource_id, "resourceID")
    with transaction() as conn:
        return respond(RESOURCE, store.delete_resource(conn, caller, resource_id))
