"""Delivery workers: fan out the outbox and send webhooks and MQTT messages, at least once, in order.

Any number of worker processes, on any number of hosts, share the work through PostgreSQL: a delivery is
claimed with FOR UPDATE SKIP LOCKED and stays locked while it is sent, so a worker killed mid-delivery
leaves it pending for the next one. Only the oldest pending delivery of a queue (one subscription's callback
URL, or one MQTT topic) may be claimed, which keeps each queue in order. LISTEN/NOTIFY wakes the workers
as soon as a write commits; a one-second poll picks up retries that fall due.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time

import psycopg

from ..config import Config
from ..db import Database
from . import fanout, webhooks

log = logging.getLogger("vtn.notify")

_HEAD = """d.state = 'pending' AND d.channel = %(channel)s AND d.due <= clock_timestamp()
  AND NOT EXISTS (SELECT 1 FROM delivery e WHERE e.queue = d.queue AND e.state = 'pending' AND e.id < d.id)"""

_CLAIM_WEBHOOK = f"""
SELECT d.id, d.url, d.bearer_token, d.payload, d.attempts, d.subscription_id,
       s.failing_since IS NOT NULL AS failing
FROM delivery d LEFT JOIN subscription s ON s.id = d.subscription_id
WHERE {_HEAD}
ORDER BY d.due, d.id
LIMIT 1
FOR UPDATE OF d SKIP LOCKED"""

_CLAIM_MQTT = f"""
SELECT d.id, d.topic, d.payload, d.attempts FROM delivery d
WHERE {_HEAD}
ORDER BY d.id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED"""

_DELIVERED = """UPDATE delivery SET state = 'delivered', attempts = attempts + 1, delivered = clock_timestamp(),
    last_error = NULL WHERE id = ANY(%(ids)s)"""

_RETRY = """UPDATE delivery SET attempts = attempts + 1, last_error = %(error)s,
    due = clock_timestamp() + make_interval(secs => %(delay)s) WHERE id = ANY(%(ids)s)"""

_GIVE_UP = """UPDATE delivery SET state = 'failed', attempts = attempts + 1, last_error = %(error)s
    WHERE id = %(id)s"""

_SUBSCRIPTION_FAILING = """UPDATE subscription SET failing_since = coalesce(failing_since, now()),
    last_error = %(error)s WHERE id = %(id)s"""

# Delivered notifications older than the retention go, and so do outbox rows with no delivery left; failed
# ones stay until their subscription is replaced (which re-queues them) or deleted.
_PRUNE_DELIVERIES = """DELETE FROM delivery
    WHERE state = 'delivered' AND delivered < now() - make_interval(days => %(days)s)"""
_PRUNE_CHANGES = """DELETE FROM change c
    WHERE c.fanned_out AND c.created < now() - make_interval(days => %(days)s)
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.change_seq = c.seq)"""

_SUBSCRIPTION_OK = """UPDATE subscription SET failing_since = NULL, last_error = NULL
    WHERE id = %(id)s AND failing_since IS NOT NULL"""


def backoff(attempts: int, cap: float = 300.0) -> float:
    """Seconds before the next try: 1, 2, 4, ... capped, with 10% jitter."""
    delay = min(cap, 2.0 ** max(attempts - 1, 0))
    return delay * random.uniform(0.9, 1.1)


class DeliveryWorker:
    """Threads that fan out and deliver until stop() is called."""

    def __init__(self, config: Config, db: Database):
        self.config = config
        self.db = db
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._publisher = None

    def start(self) -> None:
        """Start the pump (LISTEN + fan-out), the webhook senders and the MQTT sender."""
        self._spawn("vtn-pump", self._pump)
        for n in range(self.config.delivery_threads):
            self._spawn(f"vtn-webhook-{n}", self._webhook_loop)
        if self.config.mqtt_uri:
            self._spawn("vtn-mqtt", self._mqtt_loop)

    def request_stop(self) -> None:
        """Ask run_forever() to return (safe in a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float = 15.0) -> None:
        """Ask every thread to finish its current delivery, and wait for them."""
        self._stop.set()
        self._notify()
        for thread in self._threads:
            thread.join(timeout)
        if self._publisher is not None:
            self._publisher.close()

    def _spawn(self, name: str, target) -> None:
        thread = threading.Thread(target=self._guarded, args=(target,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _guarded(self, loop) -> None:
        while not self._stop.is_set():
            try:
                loop()
            except Exception:  # a crashed loop must not stop delivery: log, pause, go on
                log.exception("delivery loop failed; restarting it")
                self._stop.wait(1.0)

    def _notify(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def _idle(self, seconds: float = 0.5) -> None:
        with self._wake:
            self._wake.wait(seconds)

    def _pump(self) -> None:
        with psycopg.connect(self.db.url, autocommit=True) as listener:
            listener.execute("LISTEN vtn_outbox")
            pruned_at = 0.0
            while not self._stop.is_set():
                self.fan_out_all()
                self._notify()
                if time.monotonic() - pruned_at > 300:
                    self.prune()
                    pruned_at = time.monotonic()
                for _ in listener.notifies(timeout=1.0, stop_after=1):
                    pass

    def prune(self) -> None:
        """Forget delivered notifications older than the retention (VTN_DELIVERY_RETENTION_DAYS)."""
        with self.db.transaction() as conn:
            conn.execute(_PRUNE_DELIVERIES, {"days": self.config.delivery_retention_days})
            conn.execute(_PRUNE_CHANGES, {"days": self.config.delivery_retention_days})

    def fan_out_all(self) -> int:
        """Fan out every pending change; returns how many."""
        total = 0
        while not self._stop.is_set():
            with self.db.transaction() as conn:
                done = fanout.fan_out(conn, self.config)
            total += done
            if not done:
                return total
        return total

    def _webhook_loop(self) -> None:
        while not self._stop.is_set():
            if not self.send_one_webhook():
                self._idle()

    def send_one_webhook(self) -> bool:
        """Claim and send the oldest due webhook delivery of some queue; False when there is none."""
        with self.db.transaction() as conn:
            row = conn.execute(_CLAIM_WEBHOOK, {"channel": "webhook"}).fetchone()
            if row is None:
                return False
            try:
                webhooks.post_notification(row["url"], row["payload"], row["bearer_token"], self.config)
            except webhooks.UnsafeCallback as exc:
                self._give_up(conn, row, str(exc))
            except Exception as exc:  # network errors, timeouts, non-2xx answers: retry later
                self._retry_or_give_up(conn, row, f"{type(exc).__name__}: {exc}"[:500])
            else:
                conn.execute(_DELIVERED, {"ids": [row["id"]]})
                conn.execute(_SUBSCRIPTION_OK, {"id": row["subscription_id"]})
        return True

    def _retry_or_give_up(self, conn, row: dict, error: str) -> None:
        # A callback already marked failing gets one try per notification, so a dead endpoint cannot
        # hold its queue for the whole backoff of every message (Definition.md, Webhooks guidelines).
        limit = 1 if row["failing"] else self.config.webhook_max_attempts
        if row["attempts"] + 1 >= limit:
            self._give_up(conn, row, error)
        else:
            conn.execute(_RETRY, {"ids": [row["id"]], "error": error, "delay": backoff(row["attempts"] + 1)})

    def _give_up(self, conn, row: dict, error: str) -> None:
        log.warning("delivery %s to %s failed for good: %s", row["id"], row["url"], error)
        conn.execute(_GIVE_UP, {"id": row["id"], "error": error})
        conn.execute(_SUBSCRIPTION_FAILING, {"id": row["subscription_id"], "error": error})

    def _mqtt_loop(self) -> None:
        while not self._stop.is_set():
            if not self.publish_mqtt_batch():
                self._idle()

    def publish_mqtt_batch(self, limit: int = 1000) -> bool:
        """Publish one batch of due MQTT deliveries (QoS 1, acknowledged); False when there is none."""
        with self.db.transaction() as conn:
            rows = conn.execute(_CLAIM_MQTT, {"channel": "mqtt", "limit": limit}).fetchall()
            if not rows:
                return False
            ids = [row["id"] for row in rows]
            try:
                self._mqtt().publish([(row["topic"], _json_bytes(row["payload"])) for row in rows])
            except Exception as exc:  # broker down: nothing is lost, everything is tried again
                log.warning("MQTT publish failed: %s", exc)
                delay = backoff(rows[0]["attempts"] + 1, cap=30.0)
                conn.execute(_RETRY, {"ids": ids, "error": str(exc)[:500], "delay": delay})
            else:
                conn.execute(_DELIVERED, {"ids": ids})
        return True

    def _mqtt(self):
        if self._publisher is None:
            from .mqtt import Publisher

            self._publisher = Publisher(self.config, self.db)
        return self._publisher

    def run_forever(self) -> None:
        """Start, and block until stop() (from a signal handler) or KeyboardInterrupt."""
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()


def _json_bytes(payload) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")
