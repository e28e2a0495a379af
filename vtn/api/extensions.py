"""VTN extensions outside the OpenADR paths, under /vtn/v1 (docs/notifications.md)."""

from importlib import resources

from flask import Blueprint, current_app, jsonify

from ..auth.identity import requires
from ..auth.scopes import READ_ALL, READ_VEN_OBJECTS
from ..store import audit_trail, deliveries
from ..wire.audit import AuditQuery, AuditRow
from ..wire.fields import format_datetime
from .common import db, object_id, query, respond

bp = Blueprint("extensions", __name__)
PREFIX = "/vtn/v1"


@bp.get(f"{PREFIX}/subscriptions/<subscription_id>/delivery")
@requires(READ_VEN_OBJECTS)
def subscription_delivery(subscription_id, caller):
    """How the notifications of one subscription fare (owner or BL): failing or not, and counts."""
    subscription_id = object_id(subscription_id, "subscriptionID")
    with db().transaction() as conn:
        row = deliveries.delivery_status(conn, caller, subscription_id)
    return jsonify(
        {
            "subscriptionID": row["subscription_id"],
            "status": "FAILING" if row["failing_since"] else "OK",
            "failingSince": row["failing_since"] and format_datetime(row["failing_since"]),
            "lastError": row["last_error"],
            "pending": row["pending"],
            "delivered": row["delivered"],
            "failed": row["failed"],
            "lastDelivered": row["last_delivered"] and format_datetime(row["last_delivered"]),
        }
    )


@bp.get(f"{PREFIX}/openapi.yaml")
def openapi_document():
    """The OpenAPI document of these extensions."""
    text = resources.files("vtn").joinpath("schemas", "vtn-extensions.yaml").read_bytes()
    return current_app.response_class(text, mimetype="application/yaml")


@bp.get(f"{PREFIX}/audit")
@requires(READ_ALL)
def audit_trail_rows(caller):
    """The audit trail, oldest first, with paging and a time window (BL and auditors)."""
    args = query(AuditQuery())
    with db().transaction() as conn:
        return respond(AuditRow(), audit_trail.list_rows(conn, **args))
