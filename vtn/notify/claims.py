"""The delivery queue in SQL, shared by the webhook and MQTT senders (worker.py, dispatch.py).

A queue is one subscription's callback URL or one MQTT topic; only its oldest pending delivery (its head)
may be claimed, which keeps each queue in order. Claims are row locks (FOR UPDATE SKIP LOCKED) held while
the delivery is sent, so a worker killed mid-delivery leaves it pending for another, and any number of
workers share the queues. Outcomes are committed without waiting for the WAL flush (synchronous_commit
off, per transaction): a database crash can only forget that something was sent, and it is then sent
again, which at-least-once delivery allows.
"""

from __future__ import annotations

import random

# statement_timestamp() (not clock_timestamp()) so that due <= it is an index condition (delivery_ready).
HEAD = """d.state = 'pending' AND d.channel = %(channel)s AND d.due <= statement_timestamp()
  AND NOT EXISTS (SELECT 1 FROM delivery e WHERE e.queue = d.queue AND e.state = 'pending' AND e.id < d.id)"""

ASYNC_COMMIT = "SET LOCAL synchronous_commit = off"

DELIVERED = """UPDATE delivery SET state = 'delivered', attempts = attempts + 1, delivered = clock_timestamp(),
    last_error = NULL WHERE id = ANY(%(ids)s)"""

RETRY = """UPDATE delivery SET attempts = attempts + 1, last_error = %(error)s,
    due = clock_timestamp() + make_interval(secs => %(delay)s) WHERE id = ANY(%(ids)s)"""


def backoff(attempts: int, cap: float = 300.0) -> float:
    """Seconds before the next try: 1, 2, 4, ... capped, with 10% jitter."""
    delay = min(cap, 2.0 ** max(attempts - 1, 0))
    return delay * random.uniform(0.9, 1.1)
