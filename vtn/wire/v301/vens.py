"""3.0.1 ven (with its nested resources) and resource: requests (load), responses (dump) and queries.

Requests load into the dicts the 3.1.0 store functions take (targets as strings, ``v301`` = their exact form). As in
3.1.0 the variant follows the caller's role: only BL grants targets (a VEN's are ignored) and only BL may name the
owning client, through the non-standard ``clientID`` member 3.0.1's schemas leave room for (docs/versions.md,
"Vens and resources"). Responses carry no clientID: 3.0.1 has none.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load

from ..base import ListQuery, ObjectOut
from ..common import SpecSchema, ValuesMap, listed
from ..fields import String
from . import targets as codec
from .common import shown_targets, side_column, stored_targets, typed_targets


def _stored(data: dict) -> dict:
    """Typed targets as the store keeps them: strings plus the exact form in ``v301``."""
    if "targets" in data:
        data["targets"], exact = stored_targets(data["targets"])
        data["v301"] = side_column(targets=exact)
    return data


class VenResourceRequest(SpecSchema):
    """A resource a VEN sends (nested in its ven or under /vens/{venID}/resources): its targets are ignored."""

    resource_name = String(required=True, data_key="resourceName")
    attributes = listed(ValuesMap)

    @post_load
    def _store_form(self, data, **kwargs):
        return _stored(data)


class BlResourceRequest(VenResourceRequest):
    """A resource BL sends: also the targets it grants."""

    targets = typed_targets()


class VenVenRequest(SpecSchema):
    """A ven a VEN sends: its own, with its resources; targets are ignored."""

    ven_name = String(required=True, data_key="venName")
    attributes = listed(ValuesMap)
    resources = listed(VenResourceRequest)

    @post_load
    def _store_form(self, data, **kwargs):
        names = [resource["resource_name"] for resource in data["resources"] or ()]
        if len(names) != len(set(names)):
            raise ValidationError({"resources": ["resourceName must be unique within a ven."]})
        return _stored(data)


class BlVenRequest(VenVenRequest):
    """A ven BL sends: also the targets it grants, and optionally (non-standard) the owning VEN's clientID."""

    client_id = String(allow_none=True, load_default=None, data_key="clientID")
    targets = typed_targets()
    resources = listed(BlResourceRequest)


def ven_request(sees_all: bool) -> SpecSchema:
    """The request variant for the caller: BL's when it has read_all, else the VEN's."""
    return BlVenRequest() if sees_all else VenVenRequest()


def resource_request(sees_all: bool) -> SpecSchema:
    """The resource request variant for the caller."""
    return BlResourceRequest() if sees_all else VenResourceRequest()


def _typed(row: dict) -> list[dict] | None:
    return shown_targets(row.get("targets"), row.get("v301")) or None  # no grants: left out, as null


class Resource(ObjectOut):
    """A stored resource as 3.0.1 returns it: venID, typed targets, no clientID."""

    object_type = "RESOURCE"

    resource_name = fields.String(data_key="resourceName")
    ven_id = fields.String(data_key="venID")
    attributes = fields.Raw()
    targets = fields.Function(_typed)


class Ven(ObjectOut):
    """A stored ven (row with ``resources``: its resource rows) as 3.0.1 returns it."""

    object_type = "VEN"

    ven_name = fields.String(data_key="venName")
    attributes = fields.Raw()
    targets = fields.Function(_typed)
    resources = fields.Function(lambda row: Resource(many=True).dump(row.get("resources") or ()) or None)


class TypedTargetsQuery(ListQuery):
    """A 3.0.1 list query with targetType and targetValues, loaded as 3.1.0's ``targets`` filter."""

    target_type = fields.String(load_default=None, data_key="targetType")
    target_values = fields.List(fields.String(), load_default=None, data_key="targetValues")

    @post_load
    def _as_targets(self, data, **kwargs):
        data["targets"] = codec.query(data.pop("target_type"), data.pop("target_values"))
        return data


class VenQuery(TypedTargetsQuery):
    """GET /vens: venName, targetType, targetValues, skip, limit."""

    ven_name = fields.String(load_default=None, data_key="venName")


class ResourceQuery(TypedTargetsQuery):
    """GET /vens/{venID}/resources: resourceName, targetType, targetValues, skip, limit."""

    resource_name = fields.String(load_default=None, data_key="resourceName")
