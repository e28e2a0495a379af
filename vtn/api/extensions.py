"""VTN extensions outside the OpenADR paths, under /vtn/v1 (docs/notifications.md)."""

from flask import Blueprint, jsonify

from ..auth.identity import requires
from ..auth.scopes import READ_VEN_OBJECTS
from ..store import deliveries
from ..wire.fields import format_datetime
from .common import db, object_id

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
