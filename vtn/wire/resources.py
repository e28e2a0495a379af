"""Resource: the BL and VEN variants of resourceRequest (load), resource (dump), and the resources query.

As for vens, the variant follows the caller's role. A resource's clientID is its ven's: BL may send it
(it must then match), a VEN never does.
"""

from .base import ObjectOut, TargetsQuery, object_id_query
from .common import SpecSchema, ValuesMap, listed
from .common import targets_field as _targets
from .fields import ObjectID, String


class VenResourceRequest(SpecSchema):
    """What a VEN sends to create or replace a resource of its own ven."""

    resource_name = String(required=True, data_key="resourceName")
    ven_id = ObjectID(required=True, data_key="venID")
    attributes = listed(ValuesMap)


class BlResourceRequest(VenResourceRequest):
    """What BL sends: also the targets it grants (and optionally the ven's clientID)."""

    client_id = String(allow_none=True, load_default=None, data_key="clientID")
    targets = _targets()


class Resource(ObjectOut, BlResourceRequest):
    """A resource as the VTN returns it."""

    object_type = "RESOURCE"


class ResourceQuery(TargetsQuery):
    """GET /resources: resourceName, venID, targets, skip, limit."""

    resource_name = String(load_default=None, data_key="resourceName")
    ven_id = object_id_query(data_key="venID")


def resource_request(sees_all: bool) -> SpecSchema:
    """The request variant for the caller: BL's when it has read_all, else the VEN's."""
    return BlResourceRequest() if sees_all else VenResourceRequest()
