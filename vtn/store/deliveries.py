"""How a subscription's notifications fare: the delivery state its owner and BL may read."""

from __future__ import annotations

from ..errors import NotFound

_STATUS = """
SELECT s.id AS subscription_id, s.failing_since, s.last_error,
       count(*) FILTER (WHERE d.state = 'pending') AS pending,
       count(*) FILTER (WHERE d.state = 'delivered') AS delivered,
       count(*) FILTER (WHERE d.state = 'failed') AS failed,
       max(d.delivered) AS last_delivered
FROM subscription s LEFT JOIN delivery d ON d.subscription_id = s.id
WHERE s.id = %(id)s AND (%(sees_all)s OR s.client_id = %(client_id)s)
GROUP BY s.id"""


def delivery_status(conn, caller, subscription_id: str) -> dict:
    """Counts of pending, delivered and failed deliveries, and whether the callbacks are failing."""
    row = conn.execute(
        _STATUS, {"id": subscription_id, "sees_all": caller.sees_all, "client_id": caller.client_id}
    ).fetchone()
    if row is None:
        raise NotFound(f"No subscription {subscription_id}.")
    return row
