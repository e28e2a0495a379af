"""Webhook delivery: a dispatcher claims queue heads in batches; sender threads POST them concurrently.

The dispatcher claims, in one transaction, up to as many due queue heads as the senders have room for
(claims.py: FOR UPDATE SKIP LOCKED, so the heads other batches or workers hold are skipped) and hands them to
the sender threads, which POST over kept-alive connections (webhooks.py). The sender that finishes a
batch's last call records every outcome and commits, which releases the batch's claims. The dispatcher does
not wait for a batch: while one batch waits for a slow or dead callback (at most
VTN_WEBHOOK_TIMEOUT_SECONDS), the next batches go out. A fan-out to 1,000 callbacks is some 60 transactions,
not 1,000, nor 1,000 scans of the queue.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ..config import Config
from ..db import Database
from ..wire.v301 import notifications
from . import webhooks
from .claims import ASYNC_COMMIT, DELIVERED, HEAD, RETRY, backoff

log = logging.getLogger("vtn.notify")

# A subscription last written through 3.0.1 gets its notifications in 3.0.1 format, converted at send time
# (wire/v301/notifications.py); a 3.0.1 report needs its programID, which the change row keeps.
_CLAIM = f"""
SELECT d.id, d.url, d.bearer_token, d.payload::text AS body, d.attempts, d.subscription_id,
       coalesce(s.failing_since IS NOT NULL, false) AS failing, s.api_version,
       CASE WHEN s.api_version = '3.0.1' THEN (SELECT c.program_id FROM change c WHERE c.seq = d.change_seq) END
           AS program_id
FROM delivery d
LEFT JOIN subscription s ON s.id = d.subscription_id
WHERE {HEAD}
ORDER BY d.due, d.id
LIMIT %(limit)s
FOR UPDATE OF d SKIP LOCKED"""

# Delivered, and their subscriptions no longer failing, in one statement.
_DELIVERED = f"""
WITH done AS ({DELIVERED} RETURNING subscription_id)
UPDATE subscription SET failing_since = NULL, last_error = NULL
WHERE id IN (SELECT subscription_id FROM done) AND failing_since IS NOT NULL"""

_GIVE_UP = """UPDATE delivery SET state = 'failed', attempts = attempts + 1, last_error = %(error)s
    WHERE id = %(id)s"""

_SUBSCRIPTION_FAILING = """UPDATE subscription SET failing_since = coalesce(failing_since, now()),
    last_error = %(error)s WHERE id = %(id)s"""

_STOPPED = object()  # the worker stopped before this call was made: no outcome, the claim is just released


class _Batch:
    """Claimed deliveries in one open transaction, and their outcomes as the senders report them."""

    def __init__(self, transaction, conn, rows: list[dict]):
        self.transaction = transaction  # the entered Database.transaction(); leaving it commits
        self.conn = conn
        self.rows = rows
        self.outcomes: dict[int, object] = {}


class WebhookDispatcher:
    """The dispatcher loop (run()) and its pool of sender threads (VTN_DELIVERY_THREADS)."""

    def __init__(self, config: Config, db: Database, stop: threading.Event):
        self.config = config
        self.db = db
        self.threads = max(1, config.delivery_threads)
        self._stop = stop
        self._cond = threading.Condition()
        self._in_flight = 0  # calls handed to the senders and not finished
        self._open = 0  # batches not yet committed (each holds a database connection)
        self._generation = 0  # counts wake-ups and finished batches, so that none is slept through
        self._held_until = 0.0  # monotonic time until which no new batch starts (MQTT goes first)
        self._senders = ThreadPoolExecutor(self.threads, thread_name_prefix="vtn-webhook")

    def wake(self) -> None:
        """New deliveries may be due (a fan-out committed)."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def hold(self, seconds: float) -> None:
        """Start no new batch for up to ``seconds`` (or until release()): MQTT is publishing a batch."""
        with self._cond:
            self._held_until = time.monotonic() + seconds

    def release(self) -> None:
        """End hold()."""
        with self._cond:
            self._held_until = 0.0
            self._cond.notify_all()

    def run(self) -> None:
        """Dispatch due webhook deliveries until the stop event is set."""
        while not self._stop.is_set():
            with self._cond:
                if not self._cond.wait_for(self._room, timeout=0.5) or self._stop.is_set():
                    continue
                limit, generation = 2 * self.threads - self._in_flight, self._generation
            if not self.dispatch(limit):
                self._sleep_after(generation)

    def close(self) -> None:
        """Wait for the calls being made; calls not started are dropped (their claims released)."""
        self._senders.shutdown(wait=True)

    def _sleep_after(self, generation: int) -> None:
        """Nothing was due: sleep until a fan-out or a finished batch since ``generation``, at most 0.5 s."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != generation or self._stop.is_set(), 0.5)

    def _room(self) -> bool:
        # Refill when half the calls are done, so that a batch is many calls, not one. Open batches: at least
        # two (one may wait for a dead callback), at most one per thread, so `vtn worker`'s connection pool
        # (threads + 2) keeps room for the pump and MQTT.
        room = self._in_flight <= self.threads and self._open < min(self.threads, max(2, self.threads // 2))
        return room and time.monotonic() >= self._held_until

    def dispatch(self, limit: int) -> int:
        """Claim up to ``limit`` due queue heads in a new transaction and hand them to the senders."""
        transaction = self.db.transaction()
        conn = transaction.__enter__()
        try:
            conn.execute(ASYNC_COMMIT)
            rows = conn.execute(_CLAIM, {"channel": "webhook", "limit": limit}).fetchall()
        except BaseException as exc:
            transaction.__exit__(type(exc), exc, exc.__traceback__)
            raise
        if not rows:
            transaction.__exit__(None, None, None)
            return 0
        batch = _Batch(transaction, conn, rows)
        with self._cond:
            self._in_flight += len(rows)
            self._open += 1
        for row in rows:
            self._senders.submit(self._send, batch, row)
        return len(rows)

    def _send(self, batch: _Batch, row: dict) -> None:
        outcome = _STOPPED if self._stop.is_set() else self._post(row)
        with self._cond:
            batch.outcomes[row["id"]] = outcome
            self._in_flight -= 1
            last = len(batch.outcomes) == len(batch.rows)
        if last:
            self._finish(batch)

    def _post(self, row: dict) -> Exception | None:
        try:
            body = row["body"]
            if row["api_version"] == "3.0.1":
                body = notifications.to_v301_text(body, row["program_id"])
            webhooks.post_notification(row["url"], body, row["bearer_token"], self.config)
        except Exception as exc:  # network errors, timeouts, non-2xx answers, refused addresses
            return exc
        return None

    def _finish(self, batch: _Batch) -> None:
        """Record the batch's outcomes and commit (in the thread of its last call)."""
        try:
            self._record(batch.conn, batch)
        except BaseException as exc:  # the database went away: the claims are released, all is sent again
            log.exception("webhook outcomes not recorded; those deliveries stay pending")
            batch.transaction.__exit__(type(exc), exc, exc.__traceback__)
        else:
            try:
                batch.transaction.__exit__(None, None, None)
            except Exception:
                log.exception("webhook outcomes not committed; those deliveries stay pending")
        finally:
            with self._cond:
                self._open -= 1
                self._generation += 1
                self._cond.notify_all()

    def _record(self, conn, batch: _Batch) -> None:
        delivered = [i for i, outcome in batch.outcomes.items() if outcome is None]
        if delivered:
            conn.execute(_DELIVERED, {"ids": delivered})
        for row in batch.rows:
            error = batch.outcomes[row["id"]]
            if isinstance(error, webhooks.UnsafeCallback):
                self._give_up(conn, row, str(error))
            elif isinstance(error, Exception):
                self._retry_or_give_up(conn, row, f"{type(error).__name__}: {error}"[:500])

    def _retry_or_give_up(self, conn, row: dict, error: str) -> None:
        # A callback already marked failing gets one try per notification, so a dead endpoint cannot
        # hold its queue for the whole backoff of every message (Definition.md, Webhooks guidelines).
        limit = 1 if row["failing"] else self.config.webhook_max_attempts
        if row["attempts"] + 1 >= limit:
            self._give_up(conn, row, error)
        else:
            conn.execute(RETRY, {"ids": [row["id"]], "error": error, "delay": backoff(row["attempts"] + 1)})

    def _give_up(self, conn, row: dict, error: str) -> None:
        log.warning("delivery %s to %s failed for good: %s", row["id"], row["url"], error)
        conn.execute(_GIVE_UP, {"id": row["id"], "error": error})
        conn.execute(_SUBSCRIPTION_FAILING, {"id": row["subscription_id"], "error": error})
