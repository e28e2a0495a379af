"""Ven: the BL and VEN variants of venRequest (load), ven (dump), and the vens query.

The YAML's venRequest is a oneOf of BlVenRequest and VenVenRequest told apart by objectType; the VTN
picks the variant by the caller's role instead, since it must ignore objectType in requests
(Definition.md "POST and PUT"). A VEN's request carries no clientID (the VTN stamps the caller's) and no
targets (only BL grants targets, Definition.md "Object Privacy").
"""

from .base import ObjectOut, TargetsQuery
from .common import SpecSchema, ValuesMap, listed
from .common import targets_field as _targets
from .fields import String


class VenVenRequest(SpecSchema):
    """What a VEN sends to create or replace its own ven object."""

    ven_name = String(required=True, data_key="venName")
    attributes = listed(ValuesMap)


class BlVenRequest(VenVenRequest):
    """What BL sends: also the clientID of the VEN that owns the object, and the targets it grants."""

    client_id = String(required=True, data_key="clientID")
    targets = _targets()


class Ven(ObjectOut, BlVenRequest):
    """A ven as the VTN returns it."""

    object_type = "VEN"


class VenQuery(TargetsQuery):
    """GET /vens: venName, targets, skip, limit."""

    ven_name = String(load_default=None, data_key="venName")


def ven_request(sees_all: bool) -> SpecSchema:
    """The request variant for the caller: BL's when it has read_all, else the VEN's."""
    return BlVenRequest() if sees_all else VenVenRequest()
