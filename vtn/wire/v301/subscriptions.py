"""3.0.1 subscription: request (load), response (dump) and the subscriptions query (docs/versions.md).

3.0.1 names operations by HTTP verb (GET, POST, PUT, DELETE), 3.1.0 by CRUD (changeLog 209). A 3.0.1 write is
stored in CRUD words and a 3.0.1 read gives verbs, so each version reads back its own spelling. 3.0.1 requires
``programID``; its typed targets are stored as 3.1.0 strings (targets.py) with the exact form in ``v301``.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, validate

from ..base import ListQuery, ObjectOut, object_id_query
from ..common import OBJECT_TYPES, NestedSchema, SpecSchema
from ..fields import ObjectID, String, Url
from ..subscriptions import HTTP_SPELLING
from . import targets as codec
from .common import shown_targets, side_column, stored_targets, typed_targets

VERBS = {crud: verb for verb, crud in HTTP_SPELLING.items()}  # CREATE -> POST, READ -> GET, ...


def as_verbs(operations: list[str]) -> list[str]:
    """Subscribed operations in 3.0.1 words (verbs stay verbs)."""
    return [VERBS.get(operation, operation) for operation in operations]


class Operation(fields.String):
    """One 3.0.1 operation (GET, POST, PUT, DELETE), stored as its 3.1.0 word; CRUD words are accepted too."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text in HTTP_SPELLING:
            return HTTP_SPELLING[text]
        if text in VERBS:
            return text
        raise ValidationError(f"Must be one of {', '.join(HTTP_SPELLING)}.")


class ObjectOperation(NestedSchema):
    """Which operations on which objects are sent to which callback URL."""

    objects = fields.List(fields.String(validate=validate.OneOf(OBJECT_TYPES)), required=True)
    operations = fields.List(Operation(), required=True)
    callbackUrl = Url(required=True)
    bearerToken = fields.String(allow_none=True)

    @post_load
    def _keep_bearer_token(self, data, **kwargs):
        data.setdefault("bearerToken", None)
        return data


class SubscriptionRequest(SpecSchema):
    """A 3.0.1 subscription as sent: the dict the store takes, with ``v301`` and ``api_version``."""

    client_name = String(required=True, data_key="clientName")
    program_id = ObjectID(required=True, data_key="programID")
    object_operations = fields.List(fields.Nested(ObjectOperation), required=True, data_key="objectOperations")
    targets = typed_targets()

    @post_load
    def _stored(self, data, **kwargs):
        strings, exact = stored_targets(data.get("targets"))
        return data | {"targets": strings, "v301": side_column(targets=exact), "api_version": "3.0.1"}


class Subscription(ObjectOut):
    """A stored subscription as a 3.0.1 subscription (no clientID: 3.0.1 has none)."""

    object_type = "SUBSCRIPTION"

    client_name = fields.String(data_key="clientName")
    program_id = fields.String(data_key="programID")
    object_operations = fields.Method("_operations", data_key="objectOperations")
    targets = fields.Method("_targets")

    def _operations(self, row):
        return [op | {"operations": as_verbs(op["operations"])} for op in row["object_operations"]]

    def _targets(self, row):
        # No targets reads back absent (null is absence); an exact form kept in v301 wins.
        return shown_targets(row["targets"], row.get("v301")) if row["targets"] or row.get("v301") else None


class SubscriptionQuery(ListQuery):
    """GET /subscriptions (3.0.1): programID, clientName, targetType/targetValues, objects, skip, limit."""

    program_id = object_id_query(data_key="programID")
    client_name = String(load_default=None, data_key="clientName")
    target_type = fields.String(load_default=None, data_key="targetType")
    target_values = fields.List(fields.String(), load_default=None, data_key="targetValues")
    objects = fields.List(fields.String(validate=validate.OneOf(OBJECT_TYPES)), load_default=None)

    @post_load
    def _targets(self, data, **kwargs):
        targets = codec.query(data.pop("target_type"), data.pop("target_values"))
        return data | {"targets": targets}
