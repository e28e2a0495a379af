"""Delivery workers: fan out the outbox and send webhooks and MQTT messages, at least once, in order.

Any number of worker processes, on any number of hosts, share the work through PostgreSQL (claims.py: only
a queue's head is claimed, with a row lock held while it is sent). LISTEN/NOTIFY wakes the workers as soon
as a write commits; a one-second poll picks up retries that fall due.

Threads of one worker: the pump (LISTEN, then fan-out: fanout.py, MQTT ahead of webhooks), the webhook
dispatcher and its sender threads (dispatch.py), and one MQTT sender, which claims up to a thousand queue
heads in one transaction, publishes them all (QoS 1, mqtt.py) and marks them delivered once every PUBACK
is in; a broker that does not acknowledge in time gets the whole batch again later.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg

from ..config import Config
from ..db import Database
from . import fanout
from .claims import ASYNC_COMMIT, DELIVERED, HEAD, RETRY, backoff
from .dispatch import WebhookDispatcher

log = logging.getLogger("vtn.notify")

_CLAIM_MQTT = f"""
SELECT d.id, d.topic, d.payload::text AS body, d.attempts FROM delivery d
WHERE {HEAD}
ORDER BY d.due, d.id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED"""

# Delivered notifications older than the retention go, and so do outbox rows with no delivery left; failed
# ones stay until their subscription is replaced (which re-queues them) or deleted.
_PRUNE_DELIVERIES = """DELETE FROM delivery
    WHERE state = 'delivered' AND delivered < now() - make_interval(days => %(days)s)"""
_PRUNE_CHANGES = """DELETE FROM change c
    WHERE c.fanned_out AND c.mqtt_fanned_out AND c.created < now() - make_interval(days => %(days)s)
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.change_seq = c.seq)"""

MQTT_BATCH = 1000
MQTT_PRIORITY_SECONDS = 0.5


class DeliveryWorker:
    """Threads that fan out and deliver until stop() is called."""

    def __init__(self, config: Config, db: Database):
        self.config = config
        self.db = db
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._webhooks = WebhookDispatcher(config, db, self._stop)
        self._publisher = None

    def start(self) -> None:
        """Start the pump (LISTEN + fan-out), the webhook dispatcher and the MQTT sender."""
        self._spawn("vtn-pump", self._pump)
        self._spawn("vtn-webhook-dispatch", self._webhooks.run)
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
        self._webhooks.close()
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
        self._webhooks.wake()

    def _idle(self, seconds: float = 0.5) -> None:
        with self._wake:
            self._wake.wait(seconds)

    def _pump(self) -> None:
        # Bounded like the pool's connections: an unreachable server must not hold the pump for minutes.
        with psycopg.connect(self.db.url, autocommit=True, connect_timeout=max(1, int(self.db.timeout))) as listener:
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
        """Fan out every pending change, MQTT ahead of webhooks; returns how many fan-outs were made."""
        total = 0
        while not self._stop.is_set():
            done = 0
            for channel in (fanout.fan_out_mqtt, fanout.fan_out_webhooks):
                with self.db.transaction() as conn:
                    made = channel(conn, self.config)
                if made:
                    self._notify()  # senders start on this batch while the next one is fanned out
                done += made
            total += done
            if not done:
                return total
        return total

    def _mqtt_loop(self) -> None:
        while not self._stop.is_set():
            if not self.publish_mqtt_batch():
                self._idle()

    def publish_mqtt_batch(self, limit: int = MQTT_BATCH) -> bool:
        """Publish one batch of due MQTT deliveries (QoS 1, acknowledged); False when there is none."""
        with self.db.transaction() as conn:
            conn.execute(ASYNC_COMMIT)
            rows = conn.execute(_CLAIM_MQTT, {"channel": "mqtt", "limit": limit}).fetchall()
            if not rows:
                return False
            ids = [row["id"] for row in rows]
            # MQTT is the channel expected within a second, and a batch takes a fraction of one: webhook
            # batches wait for it (at most MQTT_PRIORITY_SECONDS) instead of competing for the interpreter.
            self._webhooks.hold(MQTT_PRIORITY_SECONDS)
            try:
                self._mqtt().publish([(row["topic"], row["body"].encode("utf-8")) for row in rows])
            except Exception as exc:  # broker down: nothing is lost, everything is tried again
                log.warning("MQTT publish failed: %s", exc)
                delay = backoff(rows[0]["attempts"] + 1, cap=30.0)
                conn.execute(RETRY, {"ids": ids, "error": str(exc)[:500], "delay": delay})
            else:
                conn.execute(DELIVERED, {"ids": ids})
            finally:
                self._webhooks.release()
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
