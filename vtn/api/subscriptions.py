"""/subscriptions: each client manages its own; BL reads all of them."""

from flask import Blueprint

from ..auth.identity import requires
from ..auth.scopes import READ_VEN_OBJECTS, WRITE_SUBSCRIPTIONS
from ..errors import BadRequest
from ..notify import webhooks
from ..store import subscriptions as store
from ..wire.subscriptions import Subscription, SubscriptionQuery, SubscriptionRequest
from .common import body, object_id, query, respond, transaction, vtn

bp = Blueprint("subscriptions", __name__)
SUBSCRIPTION = Subscription()


@bp.get("/subscriptions")
@requires(READ_VEN_OBJECTS)
def search_subscriptions(caller):
    """List the subscriptions the caller may read (programID, clientName, objects)."""
    args = query(SubscriptionQuery())
    with transaction() as conn:
        return respond(SUBSCRIPTION, store.list_subscriptions(conn, caller, **args))


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
        return respond(SUBSCRIPTION, store.get_subscription(conn, caller, subscription_id))


@bp.put("/subscriptions/<subscription_id>")
@requires(WRITE_SUBSCRIPTIONS)
def update_subscription(subscription_id, caller):
    """Replace one of the caller's subscriptions."""
    subscription_id = object_id(subscription_id, "subscriptionID")
    subscription = with_safe_callbacks(body(SubscriptionRequest()))
    with transaction() as conn:
        return respond(SUBSCRIPTION, store.update_subscription(conn, caller, subscription_id, subscription))


@bp.delete("/subscriptions/<subscription_id>")
@requires(WRITE_SUBSCRIPTIONS)
def delete_subscription(subscription_id, caller):
    """Delete one of the caller's subscriptions; returns it."""
    subscription_id = object_id(subscription_id, "subscriptionID")
    with transaction() as conn:
        return respond(SUBSCRIPTION, store.delete_subscription(conn, caller, subscription_id))


def with_safe_callbacks(subscription: dict) -> dict:
    """Refuse callback URLs that are not https, point inside the network, or fail the echo check."""
    try:
        webhooks.verify_callbacks(subscription, vtn().config)
    except webhooks.UnsafeCallback as exc:
        raise BadRequest(str(exc)) from exc
    return subscription
