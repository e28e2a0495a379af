"""3.0.1 /subscriptions: the 3.1.0 storage functions, 3.0.1 shapes (docs/versions.md, "Subscriptions").

3.0.1 requires programID: a subscription written through 3.1.0 without one is not listed and is a 404 here.
Privacy, the echo check and the SSRF guard are 3.1.0's; a 3.0.1 write marks the subscription's notifications
for the 3.0.1 format.
"""

from flask import Blueprint

from ...auth.identity import requires
from ...auth.scopes import READ_VEN_OBJECTS, WRITE_SUBSCRIPTIONS
from ...store import subscriptions as store
from ...wire.v301.subscriptions import Subscription, SubscriptionQuery, SubscriptionRequest
from ..common import body, object_id, query, respond, transaction
from ..subscriptions import with_safe_callbacks

bp = Blueprint("v301_subscriptions", __name__)
SUBSCRIPTION = Subscription()


@bp.get("/subscriptions")
@requires(READ_VEN_OBJECTS)
def search_subscriptions(caller):
    """List the subscriptions the caller may read that have a programID."""
    args = query(SubscriptionQuery())
    with transaction() as conn:
        return respond(SUBSCRIPTION, store.list_subscriptions(conn, caller, **args, with_program=True))


@bp.post("/subscriptions")
@requires(WRITE_SUBSCRIPTIONS)
def create_subscription(caller):
    """Create a subscription owned by the caller, once its callback URLs pass the checks."""
    subscription = with_safe_callbacks(body(SubscriptionRequest()))
    with transaction() as conn:
        return respond(SUBSCRIPTION, store.create_subscription(conn, caller, subscription), 201)


@bp.get("/subscriptions/<subscription_id>")
@requires(READ_VEN_OBJECTS)
def search_subscription_by_id(subscription_id, caller):
    """Read one subscription."""
    subscription_id = object_id(subscription_id, "subscriptionID")
    with transaction() as conn:
        return respond(SUBSCRIPTION, store.get_subscription(conn, caller, subscription_id, with_program=True))


@bp.put("/subscriptions/<subscription_id>")
@requires(WRITE_SUBSCRIPTIONS)
def update_subscription(subscription_id, caller):
    """Replace one of the caller's subscriptions (its notifications are then sent in 3.0.1 format)."""
    subscription_id = object_id(subscription_id, "subscriptionID")
    subscription = with_safe_callbacks(body(SubscriptionRequest()))
    with transaction() as conn:
        row = store.update_subscription(conn, caller, subscription_id, subscription, with_program=True)
        return respond(SUBSCRIPTION, row)


@bp.delete("/subscriptions/<subscription_id>")
@requires(WRITE_SUBSCRIPTIONS)
def delete_subscription(subscription_id, caller):
    """Delete one of the caller's subscriptions; returns it."""
    subscription_id = object_id(subscription_id, "subscriptionID")
    with transaction() as conn:
        return respond(SUBSCRIPTION, store.delete_subscription(conn, caller, subscription_id, with_program=True))
