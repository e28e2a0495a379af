"""Bases of the per-object schemas: object metadata on dump, and the paging query every list takes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, post_dump, validate

from .common import SpecSchema
from .fields import ObjectID, String, Timestamp

# Definition.md "Response Filtering": a default page of 50, the YAML's maximum.
MAX_LIMIT = 50


class ObjectOut(SpecSchema):
    """A stored object as returned: metadata (id, timestamps, objectType) plus its fields.

    Members whose value is null are left out: several (intervalPeriod, for one) are not nullable in the
    YAML, and the spec lets a VTN omit optional properties at their default.
    """

    object_type = "OBJECT"

    id = fields.String(dump_only=True)
    created = Timestamp(dump_only=True, data_key="createdDateTime")
    modified = Timestamp(dump_only=True, data_key="modificationDateTime")
    objectType = fields.Method("_object_type", dump_only=True)

    def _object_type(self, _obj):
        return self.object_type

    @post_dump
    def _drop_nulls(self, data, **kwargs):
        return {key: value for key, value in data.items() if value is not None}


class ListQuery(Schema):
    """skip and limit (0-50, default 50), on every list endpoint."""

    class Meta:
        unknown = EXCLUDE

    skip = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    limit = fields.Integer(load_default=MAX_LIMIT, validate=validate.Range(min=0, max=MAX_LIMIT))


class TargetsQuery(ListQuery):
    """A list query that also filters by targets (repeated: ?targets=a&targets=b)."""

    targets = fields.List(String(), load_default=None)


def object_id_query(**kwargs):
    """An optional objectID query parameter."""
    return ObjectID(load_default=None, **kwargs)
