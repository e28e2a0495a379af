"""Audit trail rows as the extension API returns them, and the audit query."""

from marshmallow import Schema, fields

from .base import ListQuery, object_id_query
from .fields import Timestamp


class AuditRow(Schema):
    """One link of the chain; hash = sha256(prevHash, at, clientID, role, requestID, object, operation, digest)."""

    seq = fields.Integer()
    at = Timestamp()
    client_id = fields.String(data_key="clientID")
    role = fields.String()
    request_id = fields.String(data_key="requestID")
    object_type = fields.String(data_key="objectType")
    object_id = fields.String(data_key="objectID")
    operation = fields.String()
    digest = fields.String()
    prev_hash = fields.String(data_key="prevHash")
    hash = fields.String()


class AuditQuery(ListQuery):
    """GET /vtn/v1/audit: since, until (RFC 3339), objectID, skip, limit."""

    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)
    object_id = object_id_query(data_key="objectID")
