"""Subscription: subscriptionRequest (load), subscription (dump), and the subscriptions query."""

from marshmallow import ValidationError, fields, post_load, validate

from .base import ListQuery, ObjectOut, object_id_query
from .common import OBJECT_TYPES, NestedSchema, SpecSchema
from .common import targets_field as _targets
from .fields import ObjectID, String, Url

OPERATIONS = ("READ", "CREATE", "UPDATE", "DELETE")
# 3.0.1 named operations by HTTP verb; 3.1.0 changed them to CRUD (changeLog issue 209), yet a widely
# used 3.1 client (ElaadNL openadr3-client 2.4) still sends and expects the verbs. Both spellings are
# accepted and kept as sent, so that each client reads back what it wrote; matching uses CRUD.
HTTP_SPELLING = {"GET": "READ", "POST": "CREATE", "PUT": "UPDATE", "DELETE": "DELETE"}


class Operation(fields.String):
    """One subscribed operation: READ, CREATE, UPDATE, DELETE (or 3.0.1's GET, POST, PUT)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text not in OPERATIONS and text not in HTTP_SPELLING:
            raise ValidationError(f"Must be one of {', '.join(OPERATIONS)}.")
        return text


class ObjectOperation(NestedSchema):
    """Which operations on which objects are sent to which callback URL."""

    objects = fields.List(fields.String(validate=validate.OneOf(OBJECT_TYPES)), required=True)
    operations = fields.List(Operation(), required=True)
    callbackUrl = Url(required=True)
    bearerToken = fields.String(allow_none=True)

    @post_load
    def _keep_bearer_token(self, data, **kwargs):
        # Sent back even when null: strict clients (ElaadNL openadr3-client) require the member.
        data.setdefault("bearerToken", None)
        return data


class SubscriptionRequest(SpecSchema):
    """What a client sends to create or replace a subscription."""

    client_name = String(required=True, data_key="clientName")
    program_id = ObjectID(allow_none=True, load_default=None, data_key="programID")
    object_operations = fields.List(fields.Nested(ObjectOperation), required=True, data_key="objectOperations")
    targets = _targets()


class Subscription(ObjectOut, SubscriptionRequest):
    """A subscription as the VTN returns it, with its owner's clientID."""

    object_type = "SUBSCRIPTION"
    client_id = fields.String(dump_only=True, data_key="clientID")


class SubscriptionQuery(ListQuery):
    """GET /subscriptions: programID, clientName, objects, skip, limit."""

    program_id = object_id_query(data_key="programID")
    client_name = String(load_default=None, data_key="clientName")
    objects = fields.List(fields.String(validate=validate.OneOf(OBJECT_TYPES)), load_default=None)
